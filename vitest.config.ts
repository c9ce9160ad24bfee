import { existsSync } from "node:fs";
import { configDefaults, defineConfig } from "vitest/config";
import type { TestSpecification } from "vitest/node";
import { BaseSequencer } from "vitest/node";

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
 * the file got the reply before its own. Alone it passes. The SQLite backend's
 * own file drives the same proxy against real-time TTLs, and under that load
 * once read a record as expired: it runs alone too.
 */
const ALONE = ["test/cloudflare/conformance.test.ts", "test/cloudflare/sqlite-backend.test.ts"];

/**
 * The longest files, started first so that they overlap everything else
 * instead of making a tail. vitest orders by the durations it cached in
 * node_modules/.vite, which a fresh checkout (CI) does not have.
 */
const SLOWEST = [
  "test/heap-budget.test.ts",
  "test/hub/memory-faults.test.ts",
  "test/redis/cluster.test.ts",
  "test/hub/memory-bound.test.ts",
  "test/client/runtimes.test.ts",
  "test/redis/hub.test.ts",
  "test/browser/hub-ai-answer.test.ts",
  "test/browser/hub-room.test.ts",
  "test/redis/persistence.test.ts",
  "examples/ai-answer/ai-answer.test.ts",
];

class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification): number => {
      const at = SLOWEST.findIndex((path) => file.moduleId.endsWith(path));
      return at === -1 ? SLOWEST.length : at;
    };
    const group = (file: TestSpecification): number => file.project.config.sequence.groupOrder;
    return sorted
      .map((file, index) => ({ file, index }))
      .sort(
        (a, b) => group(a.file) - group(b.file) || rank(a.file) - rank(b.file) || a.index - b.index,
      )
      .map(({ file }) => file);
  }
}

const exclude = [...configDefaults.exclude, ...(skipRedis ? ["test/redis/**"] : [])];

export default defineConfig({
  test: {
    sequence: { sequencer: SlowestFirst },
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
