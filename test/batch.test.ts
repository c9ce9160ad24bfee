import { describe, expect, test } from "vitest";
import { Batch, encodeLong, MAX_BATCH } from "../src/batch.ts";
import { LONG_DATA } from "../src/encode.ts";

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

  test("a long event is held in its pieces, alone, and makes the batch full", () => {
    const batch = new Batch();
    const long = { head: "event: blob\ndata: ", data: "x".repeat(LONG_DATA) };
    expect(batch.overflows(long)).toBe(false);
    batch.add(long);
    expect(batch.full).toBe(true);
    expect(batch.overflows("data: a\n\n")).toBe(true);
    expect(decode(batch.take())).toBe(`event: blob\ndata: ${long.data}\n\n`);
    expect(batch.empty).toBe(true);
    batch.add("data: a\n\n");
    expect(batch.overflows(long)).toBe(true);
  });

  test("what is added past overflows() still comes out as the same bytes, in order", () => {
    const batch = new Batch();
    const long = { head: "data: ", data: "y".repeat(LONG_DATA) };
    batch.add("data: a\n\n");
    batch.add(long);
    batch.add("data: b\n\n");
    batch.add(long);
    expect(decode(batch.take())).toBe(
      `data: a\n\ndata: ${long.data}\n\ndata: b\n\ndata: ${long.data}\n\n`,
    );
  });
});

describe("encodeLong", () => {
  const encoder = new TextEncoder();
  test.each([
    ["ASCII", "event: x\ndata: ", "z".repeat(LONG_DATA)],
    ["non-ASCII data", "data: ", `${"z".repeat(LONG_DATA)}é😀`],
    ["non-ASCII data at the start", "data: ", `é${"z".repeat(LONG_DATA)}`],
    ["a lone surrogate", "data: ", `${"z".repeat(LONG_DATA)}\uD800`],
    ["a non-ASCII event type", "event: é\ndata: ", "z".repeat(LONG_DATA)],
  ])("gives the bytes TextEncoder gives for the joined text (%s)", (_, head, data) => {
    const want = encoder.encode(`${head}${data}\n\n`);
    expect(encodeLong({ head, data }, true)).toEqual(want);
    expect(encodeLong({ head, data }, false)).toEqual(want);
  });
});
