import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Runtime and browser tests start real servers; two cores run them best one file at a time.
    fileParallelism: false,
    reporters: ["default"],
  },
});
