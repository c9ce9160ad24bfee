/**
 * The conformance suite on memoryBackend(), with unhandled rejections watched
 * throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
    bounded: (maxBytes) => memoryBackend({ maxBytes }),
  }),
  { wipe: true, bounded: true, fakeTime: true },
);

describe("memoryBackend maxBytes", () => {
  it("counts UTF-8 bytes: two-byte characters fill the bound twice as fast as ASCII", async () => {
    const kept = async (char: string): Promise<number> => {
      const backend = memoryBackend({ maxBytes: 1500 });
      await backend.open({
        history: 100,
        historyTtl: 0,
        onRecord: () => {},
        onLost: () => {},
        isActive: () => true,
      });
      for (let i = 0; i < 5; i++) await backend.append("t", `data: ${char.repeat(300)}\n\n`, false);
      const snapshot = await backend.read(["t"], 0);
      await backend.close();
      return snapshot.topics[0]?.records.length ?? -1;
    };
    // 300 characters: 600 bytes as "é", 300 as "e"; the bound is 1500 bytes with overheads.
    expect(await kept("é")).toBe(2);
    expect(await kept("e")).toBe(3);
  });
});
