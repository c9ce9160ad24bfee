/**
 * Smoke test: starts examples/deno on Deno with the command its README gives
 * (deno.json maps "web-sse" to this repository's source and "hono" to the
 * installed package), and reads events from it.
 */
import { describeExample } from "../../test/runtimes/shared/example-smoke.ts";
import { ROOT, startServer } from "../../test/runtimes/shared/spawn.ts";

describeExample("examples/deno on Deno.serve", async () => {
  const server = await startServer(
    `${ROOT}node_modules/.bin/deno`,
    ["run", "--allow-net=127.0.0.1", "--allow-env=PORT", "main.ts"],
    {
      cwd: `${ROOT}examples/deno`,
      env: { ...process.env, PORT: "0" },
      portPattern: /Listening on http:\/\/127\.0\.0\.1:(\d+)/,
    },
  );
  return { origin: `http://127.0.0.1:${server.port}`, log: server.output, stop: server.stop };
});
