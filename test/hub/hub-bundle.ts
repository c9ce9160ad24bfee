/**
 * The hub bundled from src/ into a temporary file, for tests that run it in
 * a child `node` (heap figures that are the hub's own, a time limit on a
 * child that could hang).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll } from "vitest";

/** The repository's root directory. */
export const ROOT: string = new URL("../../", import.meta.url).pathname;

/**
 * Bundles src/hub.ts before the file's tests and removes it after them.
 *
 * @returns A function giving the bundle's path (once the tests run).
 */
export function hubBundle(): () => string {
  let dir = "";
  let bundle = "";
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "web-sse-hub-"));
    bundle = join(dir, "hub.mjs");
    await build({
      entryPoints: [join(ROOT, "src/hub.ts")],
      bundle: true,
      format: "esm",
      platform: "neutral",
      outfile: bundle,
      logLevel: "silent",
    });
  });
  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });
  return () => bundle;
}
