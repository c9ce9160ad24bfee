/**
 * The heap budget per idle connection: what `src/heap.ts`'s rules buy, held
 * here instead of by byte counts in comments. Each body is measured as the
 * memory bench measures it (bench/memory.mjs: a server child with
 * --expose-gc, clients in another child, the heap slope from 200 to 1 200
 * idle connections over real sockets), and must stay within 15 % of the
 * figure last measured (Node 20, 2026-12-08; lowered when a change really
 * saved heap, never raised to let a regression through).
 */
import { describe, expect, test } from "vitest";

const KIB = 1024;
/** Heap per idle connection when the budget was set, in KiB. */
const MEASURED = {
  "web-sse": 14.4,
  "web-sse-hub": 12.7,
  "web-sse-node": 7.9,
  "web-sse-node-hub": 5.7,
} as const;
const NAMES: Record<keyof typeof MEASURED, string> = {
  "web-sse": "sseResponse (Web body) on @hono/node-server",
  "web-sse-hub": "hub.response() (Web body) on @hono/node-server",
  "web-sse-node": "sendSSE (Node body) on node:http",
  "web-sse-node-hub": "sendHub (Node body) on node:http",
};

/** The bench's measurement, by a specifier tsc leaves alone (the bench is plain JavaScript). */
const { measureVariant } = (await import("../bench/memory.mjs" as string)) as {
  measureVariant(variant: object, low: number, high: number, files: number): Promise<unknown>;
};

interface Measured {
  error?: string;
  heapPerConn: number;
  closedInTime: boolean;
  again: { opened: number; ended: number; onClose: number };
}

describe("heap per idle connection stays within 15 % of its budget", () => {
  for (const key of Object.keys(MEASURED) as (keyof typeof MEASURED)[]) {
    test(`${NAMES[key]}: at most ${(MEASURED[key] * 1.15).toFixed(1)} KiB, and nothing left after`, async () => {
      const result = (await measureVariant(
        { key, name: key, webSse: true },
        200,
        1200,
        4000,
      )) as Measured;
      expect(result.error).toBeUndefined();
      expect(result.heapPerConn / KIB).toBeLessThanOrEqual(MEASURED[key] * 1.15);
      expect(result.closedInTime).toBe(true);
      expect(result.again.opened - result.again.ended).toBe(0);
      expect(result.again.onClose).toBe(result.again.opened);
    }, 180_000);
  }
});
