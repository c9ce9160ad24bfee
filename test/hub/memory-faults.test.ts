/**
 * memoryBackend under faults that once broke it, each in a child process
 * running the hub bundled from src/: a hang cannot stall the run (the child
 * has a time limit) and heap figures are the hub's own, not vitest's.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hubBundle, ROOT } from "./hub-bundle.ts";

const bundlePath = hubBundle();

/** Runs a fixture in `node --expose-gc` within `timeout` ms; resolves with its JSON line. */
function run<T>(fixture: string, args: string[], timeout: number): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", join(ROOT, "test/hub/fixtures", fixture), bundlePath(), ...args],
      { timeout, killSignal: "SIGKILL", maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const hung = error.killed ? ` (killed after ${timeout} ms: it hung)` : "";
          reject(new Error(`${fixture}${hung}: ${error.message}\n${stderr}`));
        } else resolve(JSON.parse(stdout) as T);
      },
    );
  });
}

const MiB = 1024 * 1024;

describe("memoryBackend faults", () => {
  it("historyTtl: once every record of a watched topic expired, publish and response() still return", async () => {
    expect(await run<{ ok: boolean }>("ttl-expiry.mjs", [], 20_000)).toEqual({ ok: true });
  }, 30_000);

  it("maxBytes holds with default options for the topic being published to and watched: 300 x 1 MiB events keep about 64 MiB", async () => {
    const figures = await run<{ base: number; full: number; published: number }>(
      "byte-bound.mjs",
      ["1", "300", "default"],
      120_000,
    );
    expect(figures.published).toBe(300);
    // The bound is 64 MiB of events; what is left over is the hub's own state.
    expect(figures.full - figures.base).toBeLessThan(80 * MiB);
  }, 150_000);

  it("maxBytes holds across ten watched topics: 10 x 30 MiB fed with an 8 MiB bound keep about 8 MiB", async () => {
    const figures = await run<{ base: number; full: number; published: number }>(
      "byte-bound.mjs",
      ["10", "30", String(8 * MiB)],
      120_000,
    );
    expect(figures.published).toBe(300);
    expect(figures.full - figures.base).toBeLessThan(20 * MiB);
  }, 150_000);
});
