/**
 * Smoke test: bundles examples/workers/src/index.ts with esbuild (its
 * "web-sse" imports resolve to dist/ through package.json "exports", as
 * wrangler would resolve them), runs it on workerd through miniflare with the
 * compatibility settings of wrangler.jsonc, and reads events from it.
 */
import { readFileSync } from "node:fs";
import { describeExample } from "../../test/runtimes/shared/example-smoke.ts";
import { ROOT } from "../../test/runtimes/shared/spawn.ts";
import { bundleWorker, startWorker } from "../../test/runtimes/workerd/miniflare.ts";

interface WranglerConfig {
  main: string;
  compatibility_date: string;
  compatibility_flags?: string[];
}

/** Reads wrangler.jsonc; its comments are whole lines starting with `//`. */
function wranglerConfig(): WranglerConfig {
  const text = readFileSync(`${ROOT}examples/workers/wrangler.jsonc`, "utf8");
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, "")) as WranglerConfig;
}

describeExample(
  "examples/workers on workerd",
  async () => {
    const config = wranglerConfig();
    let log = "";
    const worker = await startWorker(
      await bundleWorker(`examples/workers/${config.main}`),
      { date: config.compatibility_date, flags: config.compatibility_flags },
      (message) => {
        log += `${message}\n`;
      },
    );
    return { origin: worker.origin, log: () => log, stop: () => worker.dispose() };
  },
  // workerd notices a client that left at the stream's next write: the 5 s keepalive here.
  5000 + 2000,
);
