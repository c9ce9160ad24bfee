import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { EncodedEvent, encodeEvent, type SSEChunk, SSEEncodeError } from "../src/index.ts";
import { parse } from "./helpers/core-sse.ts";

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe("EncodedEvent", () => {
  test("holds the UTF-8 bytes of one message, or of a list of them in order", () => {
    expect(decode(new EncodedEvent({ event: "e", data: { n: 1 } }).bytes)).toBe(
      'event: e\ndata: {"n":1}\n\n',
    );
    expect(decode(new EncodedEvent(["a", { id: 2, data: "é" }]).bytes)).toBe(
      "data: a\n\nid: 2\ndata: é\n\n",
    );
  });

  test("an EncodedEvent inside the list keeps its bytes, in its place", () => {
    const pre = new EncodedEvent([{ event: "snapshot", data: "s" }, "t"]);
    const joined = new EncodedEvent(["before", pre, { id: 9, data: "after" }]);
    expect(decode(joined.bytes)).toBe(
      "data: before\n\nevent: snapshot\ndata: s\n\ndata: t\n\nid: 9\ndata: after\n\n",
    );
    expect(parse(decode(joined.bytes)).events.map((e) => e.data)).toEqual([
      "before",
      "s",
      "t",
      "after",
    ]);
  });

  test("an EncodedEvent alone, or the only item of a list, gives the same bytes", () => {
    const pre = new EncodedEvent("x");
    expect(decode(new EncodedEvent(pre).bytes)).toBe("data: x\n\n");
    expect(decode(new EncodedEvent([pre]).bytes)).toBe("data: x\n\n");
    expect(decode(new EncodedEvent([pre, pre]).bytes)).toBe("data: x\n\ndata: x\n\n");
  });

  test("encodeEvent refuses an EncodedEvent with an SSEEncodeError that says where it goes instead", () => {
    expect(() => encodeEvent(new EncodedEvent("x") as never)).toThrow(
      /EncodedEvent is already encoded.*yield it from a source/,
    );
  });

  test("an empty list is no bytes", () => {
    expect(new EncodedEvent([]).bytes.length).toBe(0);
  });

  test.each([
    ["a message that cannot be encoded", [{ event: "a\nb", data: "x" }], "event"],
    ["a value that is not a message", ["ok", { dat: "typo" }], "data"],
    ["a byte chunk", [new Uint8Array([100, 97])], "data"],
    ["a list nested in the list", [["a"]], "data"],
  ])("%s in the list throws SSEEncodeError and makes no instance", (_, messages, field) => {
    let error: unknown;
    try {
      new EncodedEvent(messages as SSEChunk[]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SSEEncodeError);
    expect((error as SSEEncodeError).field).toBe(field);
  });

  test("random lists mixing messages and EncodedEvents give the bytes of encoding each in turn", () => {
    const chunk = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.record({ data: fc.string({ maxLength: 12 }), event: fc.constantFrom("", "a", "b") }),
    );
    const item = fc.oneof(
      chunk.map((c) => ({ encoded: false as const, chunk: c })),
      fc.array(chunk, { maxLength: 3 }).map((list) => ({ encoded: true as const, list })),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), (items) => {
        const messages = items.map((i) => (i.encoded ? new EncodedEvent(i.list) : i.chunk));
        const expected = items
          .map((i) =>
            i.encoded ? i.list.map((c) => encodeEvent(c)).join("") : encodeEvent(i.chunk),
          )
          .join("");
        expect(decode(new EncodedEvent(messages).bytes)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
