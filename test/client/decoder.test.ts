/**
 * SSEDecoderStream against the WHATWG "Interpreting an event stream" rules:
 * each case fed whole, split in two at every byte, one byte at a time, and as
 * text split at every code unit, and each must decode the same.
 */
import { describe, expect, test } from "vitest";
import { SSEDecoderStream } from "../../src/client.ts";
import { CASES, type Expected } from "./cases.ts";
import { type Decoded, decodeChunks, splitAt } from "./decode.ts";

function eventsOf(decoded: Decoded): Expected["events"] {
  return decoded.events.map((e) => [e.event, e.data, e.id, e.lastEventId]);
}

function expectDecoded(decoded: Decoded, expected: Expected, how: string): void {
  expect(decoded.error, how).toBeUndefined();
  expect(eventsOf(decoded), how).toEqual(expected.events);
  expect(decoded.retries, how).toEqual(expected.retries ?? []);
  expect(decoded.comments, how).toEqual(expected.comments ?? []);
}

describe("SSEDecoderStream follows the WHATWG parsing rules", () => {
  test.each(CASES)("%s, at every split point", async (_name, input, expected) => {
    const bytes = new TextEncoder().encode(input);
    // TextEncoder drops nothing: the BOM cases keep their BOM bytes.
    expectDecoded(await decodeChunks([bytes]), expected, "whole");
    for (let i = 0; i <= bytes.length; i++) {
      expectDecoded(await decodeChunks(splitAt(bytes, [i])), expected, `bytes split at ${i}`);
    }
    const ones = [...bytes.keys()].slice(1);
    expectDecoded(await decodeChunks(splitAt(bytes, ones)), expected, "one byte at a time");
    for (let i = 0; i <= input.length; i++) {
      expectDecoded(
        await decodeChunks([input.slice(0, i), input.slice(i)]),
        expected,
        `text split at ${i}`,
      );
    }
  });

  test("a CR ending one chunk and an LF starting the next make one line break", async () => {
    const decoded = await decodeChunks(["data: a\r", "\ndata: b\r", "\n\r", "\n"]);
    expect(eventsOf(decoded)).toEqual([["message", "a\nb", undefined, ""]]);
  });

  test("a CR ending one chunk then an empty chunk then LF is still one line break", async () => {
    const decoded = await decodeChunks(["data: a\r", "", "\n", "\r", "", "\n"]);
    expect(eventsOf(decoded)).toEqual([["message", "a", undefined, ""]]);
  });

  test("invalid UTF-8 becomes U+FFFD, and the stream goes on", async () => {
    const bytes = Uint8Array.from([...new TextEncoder().encode("data: a"), 0xff, 0x0a, 0x0a]);
    const decoded = await decodeChunks([bytes, "data: b\n\n"]);
    expect(eventsOf(decoded)).toEqual([
      ["message", "a\uFFFD", undefined, ""],
      ["message", "b", undefined, ""],
    ]);
  });

  test("an incomplete UTF-8 sequence at the end becomes U+FFFD and drops nothing else", async () => {
    const decoded = await decodeChunks([
      new TextEncoder().encode("data: a\n\ndata: \u00e9").slice(0, -1),
    ]);
    expect(eventsOf(decoded)).toEqual([["message", "a", undefined, ""]]);
  });

  test("events are plain objects assignable to SSEMessage, with id undefined when the block had none", async () => {
    const decoded = await decodeChunks(["data: x\n\n"]);
    expect(decoded.events[0]).toStrictEqual({
      event: "message",
      data: "x",
      id: undefined,
      lastEventId: "",
    });
  });

  test("a line longer than maxEventSize errors the stream with a RangeError after the events before it", async () => {
    const decoded = await decodeChunks(
      ["data: ok\n\n", "data: ", "x".repeat(50), "x".repeat(50)],
      64,
    );
    expect(eventsOf(decoded)).toEqual([["message", "ok", undefined, ""]]);
    expect(decoded.error).toBeInstanceOf(RangeError);
    expect(String(decoded.error)).toMatch(/maxEventSize \(64 bytes/);
  });

  test("an oversized line in the same chunk as the last one still lets the events before it out", async () => {
    const decoded = await decodeChunks([`data: ok\n\ndata: ${"x".repeat(100)}`], 64);
    expect(eventsOf(decoded)).toEqual([["message", "ok", undefined, ""]]);
    expect(decoded.error).toBeInstanceOf(RangeError);
  });

  test("an event whose data lines together pass maxEventSize errors the stream", async () => {
    const line = `data: ${"y".repeat(30)}\n`;
    const decoded = await decodeChunks([line.repeat(10)], 100);
    expect(decoded.events).toEqual([]);
    expect(decoded.error).toBeInstanceOf(RangeError);
  });

  test("many events each below maxEventSize never trip it: only the current event counts", async () => {
    const decoded = await decodeChunks([`data: ${"z".repeat(40)}\n\n`.repeat(1000)], 64);
    expect(decoded.error).toBeUndefined();
    expect(decoded.events).toHaveLength(1000);
  });

  test("a maxEventSize that is not a whole number >= 1 is a RangeError at construction, and not a number a TypeError", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new SSEDecoderStream({ maxEventSize: bad })).toThrow(RangeError);
    }
    expect(() => new SSEDecoderStream({ maxEventSize: "10" as never })).toThrow(TypeError);
  });

  test("an onRetry or onComment that is not a function is a TypeError at construction", () => {
    expect(() => new SSEDecoderStream({ onRetry: 5 as never })).toThrow(
      /SSEDecoderStream: "onRetry" must be a function \(got 5\)/,
    );
    expect(() => new SSEDecoderStream({ onComment: "x" as never })).toThrow(TypeError);
  });

  test("a chunk that is neither bytes nor text errors the stream with a TypeError", async () => {
    const decoded = await decodeChunks(["data: a\n\n", 42 as unknown as string]);
    expect(eventsOf(decoded)).toEqual([["message", "a", undefined, ""]]);
    expect(decoded.error).toBeInstanceOf(TypeError);
  });
});
