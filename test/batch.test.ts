import { describe, expect, test } from "vitest";
import { Batch, MAX_BATCH } from "../src/batch.ts";

const decode = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

describe("Batch", () => {
  test("joins what is added and empties on take(); an empty batch takes nothing", () => {
    const batch = new Batch();
    expect(batch.empty).toBe(true);
    expect(batch.take()).toBeUndefined();
    batch.add("data: a\n\n");
    batch.add("data: é\n\n");
    expect(batch.empty).toBe(false);
    expect(decode(batch.take())).toBe("data: a\n\ndata: é\n\n");
    expect(batch.empty).toBe(true);
  });

  test("is full at MAX_BATCH units, not before", () => {
    const batch = new Batch();
    batch.add("x".repeat(MAX_BATCH - 1));
    expect(batch.full).toBe(false);
    batch.add("x");
    expect(batch.full).toBe(true);
  });

  test("an event that would push a non-empty batch past MAX_BATCH overflows; into an empty one it never does", () => {
    const batch = new Batch();
    const big = "x".repeat(MAX_BATCH + 10);
    expect(batch.overflows(big)).toBe(false);
    batch.add("x".repeat(MAX_BATCH - 5));
    expect(batch.overflows("12345")).toBe(false);
    expect(batch.overflows("123456")).toBe(true);
  });
});
