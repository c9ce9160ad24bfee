/**
 * SSEDecoderStream against the WHATWG "Interpreting an event stream" rules:
 * each case fed whole, split in two at every byte, one byte at a time, and as
 * text split at every code unit, and each must decode the same.
 */
import { describe, expect, test } from "vitest";
import { SSEDecoderStream } from "../../src/client.ts";
import { type Decoded, decodeChunks, splitAt } from "./decode.ts";

type Expected = {
  /** [type, data, own id, lastEventId] per event. */
  events: [string, string, string | undefined, string][];
  retries?: number[];
  comments?: string[];
};

const CASES: [string, string, Expected][] = [
  [
    "one leading BOM is stripped",
    "\uFEFFdata: 1\n\n",
    { events: [["message", "1", undefined, ""]] },
  ],
  [
    "only one BOM is stripped: a second makes the line an unknown field",
    "\uFEFF\uFEFFdata: 1\n\ndata: 2\n\n",
    { events: [["message", "2", undefined, ""]] },
  ],
  [
    "a BOM after the start is part of the field name",
    "data: 1\n\n\uFEFFdata: 2\n\n",
    { events: [["message", "1", undefined, ""]] },
  ],
  [
    "CR, CRLF and LF all end lines, mixed in one stream",
    "data:a\rdata:b\r\ndata:c\n\r\n",
    { events: [["message", "a\nb\nc", undefined, ""]] },
  ],
  [
    "CR CR ends an event",
    "data:x\r\rdata:y\r\r",
    {
      events: [
        ["message", "x", undefined, ""],
        ["message", "y", undefined, ""],
      ],
    },
  ],
  ["CRLF CRLF ends an event", "data:x\r\n\r\n", { events: [["message", "x", undefined, ""]] }],
  [
    "a line without a colon is a field with an empty value",
    "data\n\n",
    { events: [["message", "", undefined, ""]] },
  ],
  [
    "an empty data field dispatches an empty event",
    "data:\n\n",
    { events: [["message", "", undefined, ""]] },
  ],
  [
    "only one space after the colon is removed",
    "data:  two\n\n",
    { events: [["message", " two", undefined, ""]] },
  ],
  ["no space after the colon is fine", "data:x\n\n", { events: [["message", "x", undefined, ""]] }],
  [
    "a tab after the colon is kept",
    "data:\tx\n\n",
    { events: [["message", "\tx", undefined, ""]] },
  ],
  [
    "comments are ignored, with one space removed from their text",
    ": hello\n:\n:  two\ndata: x\n\n",
    { events: [["message", "x", undefined, ""]], comments: ["hello", "", " two"] },
  ],
  [
    "data lines are joined with LF",
    "data: a\ndata: b\ndata\ndata: c\n\n",
    { events: [["message", "a\nb\n\nc", undefined, ""]] },
  ],
  [
    "a block without data is not dispatched",
    "event: x\n\n: c\n\n",
    { events: [], comments: ["c"] },
  ],
  [
    "the event type is reset after a dispatch, and after a block without data",
    "event: a\ndata: 1\n\ndata: 2\n\nevent: b\n\ndata: 3\n\n",
    {
      events: [
        ["a", "1", undefined, ""],
        ["message", "2", undefined, ""],
        ["message", "3", undefined, ""],
      ],
    },
  ],
  [
    "an empty event field means message",
    "event\ndata: x\n\nevent:\ndata: y\n\n",
    {
      events: [
        ["message", "x", undefined, ""],
        ["message", "y", undefined, ""],
      ],
    },
  ],
  [
    "the last event id persists across events; an event's own id is its id field",
    "id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n",
    {
      events: [
        ["message", "a", "1", "1"],
        ["message", "b", undefined, "1"],
        ["message", "c", "2", "2"],
      ],
    },
  ],
  [
    "an id-only block moves the last event id",
    "id: 7\n\ndata: x\n\n",
    { events: [["message", "x", undefined, "7"]] },
  ],
  [
    "a bare id field resets the last event id to empty",
    "id: 1\ndata: a\n\nid\ndata: b\n\n",
    {
      events: [
        ["message", "a", "1", "1"],
        ["message", "b", "", ""],
      ],
    },
  ],
  [
    "an id containing NUL is ignored",
    "id: 1\ndata: a\n\nid: 2\u00003\ndata: b\n\n",
    {
      events: [
        ["message", "a", "1", "1"],
        ["message", "b", undefined, "1"],
      ],
    },
  ],
  [
    "the last id field of a block wins",
    "id: 1\nid: 2\ndata: x\n\n",
    { events: [["message", "x", "2", "2"]] },
  ],
  [
    "retry counts only when all ASCII digits",
    "retry: 1000\nretry: 10abc\nretry:\nretry: -1\nretry: 1.5\nretry: \uFF11\nretry:  5\nretry: 0\n\n",
    { events: [], retries: [1000, 0] },
  ],
  [
    "unknown fields and wrong-case names are ignored",
    "foo: bar\nData: no\n data: no\ndata : no\ndata: yes\n\n",
    { events: [["message", "yes", undefined, ""]] },
  ],
  [
    "a stream that ends mid-event drops it",
    "data: 1\n\ndata: 2\n",
    { events: [["message", "1", undefined, ""]] },
  ],
  [
    "a stream that ends mid-line drops it",
    "data: 1\n\ndata: 2",
    { events: [["message", "1", undefined, ""]] },
  ],
  [
    "an id in a block cut off by the end does not count",
    "id: 1\ndata: a\n\nid: 2\n",
    { events: [["message", "a", "1", "1"]] },
  ],
  [
    "extra blank lines dispatch nothing",
    "\n\n\ndata: a\n\n\n\ndata: b\n\n",
    {
      events: [
        ["message", "a", undefined, ""],
        ["message", "b", undefined, ""],
      ],
    },
  ],
  [
    "multi-byte UTF-8 survives any split",
    "event: \u00e9v\ndata: h\u00e9llo \u{1F600} \u2026\n\n",
    { events: [["\u00e9v", "h\u00e9llo \u{1F600} \u2026", undefined, ""]] },
  ],
  [
    "colons after the first are part of the value",
    "data: a:b: c\n\n",
    { events: [["message", "a:b: c", undefined, ""]] },
  ],
  [
    "a value of one space becomes empty",
    "data: \n\n",
    { events: [["message", "", undefined, ""]] },
  ],
];

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

  test("a maxEventSize that is not a whole number >= 1 is a RangeError at construction", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, "10"]) {
      expect(() => new SSEDecoderStream({ maxEventSize: bad as number })).toThrow(RangeError);
    }
  });

  test("a chunk that is neither bytes nor text errors the stream with a TypeError", async () => {
    const decoded = await decodeChunks(["data: a\n\n", 42 as unknown as string]);
    expect(eventsOf(decoded)).toEqual([["message", "a", undefined, ""]]);
    expect(decoded.error).toBeInstanceOf(TypeError);
  });
});
