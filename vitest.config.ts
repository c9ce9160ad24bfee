import { existsSync } from "node:fs";
import { configDefaults, defineConfig } from "vitest/config";

// The web-sse/redis tests start a real redis-server (Debian's package). A
// machine without one skips them with this warning; under CI=true they run,
// and fail without it (.ci/run installs it).
const REDIS_SERVER = "/usr/bin/redis-server";
const skipRedis = !existsSync(REDIS_SERVER) && process.env.CI !== "true";
if (skipRedis) {
  console.warn(
    `Skipping the Redis tests (test/redis/): ${REDIS_SERVER} not found. Install it with ` +
      "`sudo apt-get install -y --no-install-recommends redis-server` (Debian/Ubuntu). " +
      "With CI=true they run and fail without it.",
  );
}

/**
 * Files that run on their own, after the rest. The Durable Object conformance
 * suite drives workerd through miniflare's RPC proxy, whose synchronous calls
 * (a stub's first property read and first call) block on a worker thread; with
 * other files loading both cores, one such call woke before its reply had
 * arrived (miniflare's `assert(message?.id === id)`), and every later call of
 * the file got the reply before its own. Alone it passes.
 */
const ALONE = ["test/cloudflare/conformance.test.ts"];

const exclude = [...configDefaults.exclude, ...(skipRedis ? ["test/redis/**"] : [])];

export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "side-by-side",
          include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
          exclude: [...exclude, ...ALONE],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: "alone", include: ALONE, exclude, sequence: { groupOrder: 1 } },
      },
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Most of the suite's time is waiting, not computing: real servers, Deno, Bun,
    // workerd and Chromium sitting idle through keepalive and idle-timeout
    // periods (the 12 s silent-stream checks). So files run side by side, more
    // of them than there are cores (this suite is run on two). It is safe
    // because every file owns what it starts: servers and redis-servers on port
    // 0, its own temp directories, no writes into the repository, and nothing
    // rebuilds dist/ (`npm test` builds before vitest starts). Checks that bound
    // a wait (a head within 1 s, a leave noticed within 1 s) leave room for that load.
    fileParallelism: true,
    maxWorkers: 4,
    reporters: ["default"],
  },
});
