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

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    exclude: [...configDefaults.exclude, ...(skipRedis ? ["test/redis/**"] : [])],
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
