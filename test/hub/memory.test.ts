/**
 * The conformance suite on memoryBackend(), with unhandled rejections watched
 * throughout.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { memoryBackend } from "../../src/hub.ts";
import { backendConformance } from "./conformance.ts";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

backendConformance(
  "memoryBackend()",
  () => ({
    backend: memoryBackend(),
    // A new process: nothing kept, a new epoch.
    wipe: () => memoryBackend(),
  }),
  { wipe: true },
);
