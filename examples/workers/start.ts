/**
 * Starts this example as wrangler would, for its smoke tests: bundles
 * src/index.ts with esbuild (its "web-sse" imports resolve to dist/ through
 * package.json "exports", and `cloudflare:workers` is left to workerd), then
 * runs it on workerd through miniflare with the compatibility settings and
 * Durable Object classes of wrangler.jsonc, object storage in a temporary
 * directory.
 *
 * @module
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleObjectWorker, startObjectWorker } from "../../test/cloudflare/miniflare.ts";
import type { RunningExample } from "../../test/runtimes/shared/example-smoke.ts";
import { ROOT } from "../../test/runtimes/shared/spawn.ts";

interface WranglerConfig {
  main: string;
  compatibility_date: string;
  compatibility_flags?: string[];
  durable_objects?: { bindings: { name: string; class_name: string }[] };
}

/** Reads wrangler.jsonc; its comments are whole lines starting with `//`. */
function wranglerConfig(): WranglerConfig {
  const text = readFileSync(`${ROOT}examples/workers/wrangler.jsonc`, "utf8");
  return JSON.parse(text.replace(/^\s*\/\/.*$/gm, "")) as WranglerConfig;
}

/** The token the tests give the chat rooms (in .dev.vars or a secret for wrangler). */
export const CHAT_TOKEN = "test-token";

/** Starts the example Worker; `stop()` ends workerd and deletes the object storage. */
export async function startExample(): Promise<RunningExample> {
  const config = wranglerConfig();
  const objects: Record<string, string> = {};
  for (const { name, class_name } of config.durable_objects?.bindings ?? []) {
    objects[name] = class_name;
  }
  const persist = mkdtempSync(join(tmpdir(), "web-sse-example-workers-"));
  let log = "";
  try {
    const worker = await startObjectWorker({
      script: await bundleObjectWorker(`examples/workers/${config.main}`),
      objects,
      persist,
      bindings: { CHAT_TOKEN },
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags,
      onLog: (message) => {
        log += `${message}\n`;
      },
    });
    return {
      origin: worker.origin,
      log: () => log,
      async stop() {
        await worker.dispose();
        rmSync(persist, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(persist, { recursive: true, force: true });
    throw error;
  }
}
