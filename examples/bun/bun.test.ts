/**
 * Smoke test: starts examples/bun/server.ts on Bun, as its README says (it
 * imports "web-sse" by name, which resolves to dist/ through package.json
 * "exports": `npm test` builds dist first), and reads events from it.
 */
import { existsSync } from "node:fs";
import { describeExample } from "../../test/runtimes/shared/example-smoke.ts";
import { ROOT, startServer } from "../../test/runtimes/shared/spawn.ts";

describeExample("examples/bun on Bun.serve", async () => {
  if (!existsSync(`${ROOT}dist/index.js`)) throw new Error("dist/ is missing: run `npm run build`");
  const server = await startServer(`${ROOT}node_modules/.bin/bun`, ["examples/bun/server.ts"], {
    env: { ...process.env, PORT: "0" },
    portPattern: /Listening on http:\/\/127\.0\.0\.1:(\d+)/,
  });
  return { origin: `http://127.0.0.1:${server.port}`, log: server.output, stop: server.stop };
});
