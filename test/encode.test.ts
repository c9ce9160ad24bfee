import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { encodeForStream, LONG_DATA, type LongEvent } from "../src/encode.ts";
import {
  encodeComment,
  encodeEvent,
  SSEEncodeError,
  type SSEField,
  type SSEMessage,
} from "../src/index.ts";
import { parse } from "./helpers/core-sse.ts";

/** How a WHATWG parser reads text back: CRLF and lone CR become LF. */
const asParsed = (text: string): string => text.replace(/\r\n|\r/g, "\n");

/** Characters that stress line splitting and UTF-16 handling. */
const tricky = fc.constantFrom(
  "\n",
  "\r",
  "\r\n",
  " ",
  "  ",
  "\t",
  "\0",
  "\u2028",
  "\u2029",
  "\u0085",
  "😀",
  "𝄞",
  ":",
  "data: ",
  "\uFEFF",
);
/** One unit of text: a tricky piece or any code point (astral included). */
const unit = fc.oneof(tricky, fc.string({ unit: "binary", minLength: 1, maxLength: 1 }));
const text = fc.string({ unit, maxLength: 40 });
/** Any text without CR or LF. */
const oneLine = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom(" ", "\t", "\0", "\u2028", "😀", ":"),
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    ),
    maxLength: 20,
  })
  .map((s) => s.replace(/[\r\n]/g, ""));
const eventName = oneLine;
const idString = oneLine.map((s) => s.replace(/\0/g, ""));
const idNumber = fc.double({ noNaN: true, noDefaultInfinity: true });
const data = fc.oneof(
  { weight: 3, arbitrary: text },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

const message = fc.record(
  {
    data,
    event: eventName,
    id: fc.oneof(idString, idNumber),
    retry: fc.maxSafeNat(),
    comment: text,
  },
  { requiredKeys: ["data"] },
);

interface Expected {
  data: string;
  event: string | undefined;
  id: string | undefined;
}

function expectedEvent(sent: SSEMessage | string): Expected {
  if (typeof sent === "string") return { data: asParsed(sent), event: undefined, id: undefined };
  const raw = typeof sent.data === "string" ? sent.data : (JSON.stringify(sent.data) as string);
  return {
    data: asParsed(raw),
    event: sent.event === "" ? undefined : sent.event,
    id: sent.id === undefined ? undefined : String(sent.id),
  };
}

describe("encodeEvent, checked against eventsource-parser", () => {
  test("a parser reads back every message as it was sent (data, event, id, retry, comment)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(text, message), { minLength: 1, maxLength: 5 }), (sent) => {
        const encoded = sent.map((m) => encodeEvent(m)).join("");
        const parsed = parse(encoded);
        expect(parsed.errors).toEqual([]);
        expect(parsed.events.map((e) => ({ data: e.data, event: e.event, id: e.id }))).toEqual(
          sent.map(expectedEvent),
        );
        const retries = sent.flatMap((m) =>
          typeof m === "object" && m.retry !== undefined ? [m.retry] : [],
        );
        expect(parsed.retries).toEqual(retries);
        const comments = sent.flatMap((m) =>
          typeof m === "object" && m.comment !== undefined ? m.comment.split(/\r\n|\r|\n/) : [],
        );
        expect(parsed.comments).toEqual(comments);
      }),
      { numRuns: 1000 },
    );
  });

  test("the encoded text uses LF only, has no BOM, and ends every message with a blank line", () => {
    fc.assert(
      fc.property(fc.oneof(text, message), (sent) => {
        const encoded = encodeEvent(sent);
        expect(encoded).not.toMatch(/\r/);
        expect(encoded.startsWith("\uFEFF")).toBe(false);
        expect(encoded.endsWith("\n\n")).toBe(true);
        // Exactly one blank line: the one that ends the message.
        expect(encoded.slice(0, -1).includes("\n\n")).toBe(false);
        for (const line of encoded.slice(0, -2).split("\n")) {
          expect(line).toMatch(/^(?:data: |event: |id: |id$|retry: |: |:$)/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  test("encodeComment hands every line back to the parser's onComment, and dispatches no event", () => {
    fc.assert(
      fc.property(text, (comment) => {
        const encoded = encodeComment(comment);
        expect(encoded).not.toMatch(/\r/);
        expect(encoded.endsWith("\n\n")).toBe(true);
        const parsed = parse(encoded);
        expect(parsed.events).toEqual([]);
        expect(parsed.comments).toEqual(comment.split(/\r\n|\r|\n/));
      }),
      { numRuns: 1000 },
    );
  });
});

describe("encodeEvent fixed vectors (WHATWG edge cases)", () => {
  test("empty-string data is one bare data line and dispatches an event with data ''", () => {
    expect(encodeEvent("")).toBe("data: \n\n");
    expect(encodeEvent({ data: "" })).toBe("data: \n\n");
    expect(parse(encodeEvent("")).events).toEqual([{ data: "", event: undefined, id: undefined }]);
  });

  test("data that is only newlines keeps every empty line", () => {
    expect(encodeEvent("\n")).toBe("data: \ndata: \n\n");
    expect(encodeEvent("\r\n\r\n")).toBe("data: \ndata: \ndata: \n\n");
    expect(parse(encodeEvent("\r\r\n\n")).events[0]?.data).toBe("\n\n\n");
  });

  test("data splits on CRLF, LF and lone CR into one data line each", () => {
    expect(encodeEvent("a\r\nb\nc\rd")).toBe("data: a\ndata: b\ndata: c\ndata: d\n\n");
  });

  test("data lines always have the space after the colon and keep leading spaces", () => {
    expect(encodeEvent("  two\n\tthree\n x")).toBe("data:   two\ndata: \tthree\ndata:  x\n\n");
    expect(parse(encodeEvent("  two\n\tthree\n x")).events[0]?.data).toBe("  two\n\tthree\n x");
  });

  test("a comment with newlines becomes one comment line per line", () => {
    expect(encodeComment("a\nb\r\nc\rd")).toBe(": a\n: b\n: c\n: d\n\n");
    expect(encodeEvent({ comment: "a\nb", data: "x" })).toBe(": a\n: b\ndata: x\n\n");
    expect(parse(encodeComment("a\n b")).comments).toEqual(["a", " b"]);
  });

  test('comment "" is one bare ":" line', () => {
    expect(encodeComment("")).toBe(":\n\n");
    expect(encodeComment()).toBe(":\n\n");
    expect(encodeEvent({ comment: "" })).toBe(":\n\n");
    expect(parse(encodeComment("")).comments).toEqual([""]);
  });

  test('id "" is a bare id line that resets the last event id to ""', () => {
    const encoded = encodeEvent({ id: "", data: "x" });
    expect(encoded).toBe("id\ndata: x\n\n");
    const parsed = parse(encodeEvent({ id: "7", data: "a" }) + encoded);
    expect(parsed.events.map((e) => e.id)).toEqual(["7", ""]);
  });

  test("a numeric id is written as String(n)", () => {
    expect(encodeEvent({ id: 42, data: "x" })).toBe("id: 42\ndata: x\n\n");
    expect(encodeEvent({ id: 0, data: "x" })).toBe("id: 0\ndata: x\n\n");
    expect(parse(encodeEvent({ id: -1.5, data: "x" })).events[0]?.id).toBe("-1.5");
  });

  test("object data is sent as JSON", () => {
    expect(encodeEvent({ data: { n: 1, s: "a\nb" } })).toBe('data: {"n":1,"s":"a\\nb"}\n\n');
    expect(encodeEvent({ data: [1, null] })).toBe("data: [1,null]\n\n");
    expect(encodeEvent({ data: null })).toBe("data: null\n\n");
    expect(encodeEvent({ data: 0 })).toBe("data: 0\n\n");
  });

  test("a custom serialize is used for non-string data only, and its lines are split", () => {
    const serialize = (value: unknown): string => `<${typeof value}>\r\nend`;
    expect(encodeEvent({ data: { a: 1 } }, { serialize })).toBe("data: <object>\ndata: end\n\n");
    expect(encodeEvent({ data: "as is" }, { serialize })).toBe("data: as is\n\n");
  });

  test("fields go out as comment, event, id, retry, data, closed by a blank line", () => {
    expect(encodeEvent({ data: "d", retry: 5, id: 1, event: "e", comment: "c" })).toBe(
      ": c\nevent: e\nid: 1\nretry: 5\ndata: d\n\n",
    );
  });

  test('event "" leaves the event field out (the default "message" type)', () => {
    expect(encodeEvent({ event: "", data: "x" })).toBe("data: x\n\n");
    expect(parse(encodeEvent({ event: "", data: "x" })).events[0]?.event).toBeUndefined();
  });

  test("an event name keeps its leading space", () => {
    expect(encodeEvent({ event: " spaced", data: "x" })).toBe("event:  spaced\ndata: x\n\n");
    expect(parse(encodeEvent({ event: " spaced", data: "x" })).events[0]?.event).toBe(" spaced");
  });

  test("a message without data writes its fields and a blank line, and a parser dispatches nothing", () => {
    expect(encodeEvent({ event: "e", id: "1" })).toBe("event: e\nid: 1\n\n");
    expect(encodeEvent({ retry: 0 })).toBe("retry: 0\n\n");
    expect(parse(encodeEvent({ event: "e" })).events).toEqual([]);
  });

  test("astral characters and U+2028 pass through untouched", () => {
    const value = "😀\u2028𝄞\u2029";
    expect(encodeEvent(value)).toBe(`data: ${value}\n\n`);
    expect(parse(encodeEvent(value)).events[0]?.data).toBe(value);
  });
});

interface BadCase {
  name: string;
  message: unknown;
  options?: { serialize: (data: unknown) => string };
  field: SSEField;
  rule: RegExp;
  shows?: string;
  /** What the message names, when not the field itself; null: a whole-message rule. */
  names?: string | null;
}

const circular: Record<string, unknown> = {};
circular.self = circular;

const badCases: BadCase[] = [
  {
    name: "event with LF",
    message: { event: "a\nb", data: "x" },
    field: "event",
    rule: /CR or LF/,
    shows: '"a\\nb"',
  },
  {
    name: "event with CR",
    message: { event: "a\rb", data: "x" },
    field: "event",
    rule: /CR or LF/,
    shows: '"a\\rb"',
  },
  {
    name: "event that is not a string",
    message: { event: 5, data: "x" },
    field: "event",
    rule: /string/,
    shows: "5",
  },
  {
    name: "id with LF",
    message: { id: "1\n2", data: "x" },
    field: "id",
    rule: /CR, LF or NUL/,
    shows: '"1\\n2"',
  },
  {
    name: "id with CR",
    message: { id: "1\r", data: "x" },
    field: "id",
    rule: /CR, LF or NUL/,
    shows: '"1\\r"',
  },
  {
    name: "id with NUL",
    message: { id: "1\u00002", data: "x" },
    field: "id",
    rule: /CR, LF or NUL/,
    shows: '"1\\u00002"',
  },
  {
    name: "id NaN",
    message: { id: Number.NaN, data: "x" },
    field: "id",
    rule: /finite/,
    shows: "NaN",
  },
  {
    name: "id Infinity",
    message: { id: Number.POSITIVE_INFINITY, data: "x" },
    field: "id",
    rule: /finite/,
    shows: "Infinity",
  },
  {
    name: "id -Infinity",
    message: { id: Number.NEGATIVE_INFINITY, data: "x" },
    field: "id",
    rule: /finite/,
    shows: "-Infinity",
  },
  {
    name: "id that is an object",
    message: { id: {}, data: "x" },
    field: "id",
    rule: /string or a finite number/,
  },
  {
    name: "retry negative",
    message: { retry: -1, data: "x" },
    field: "retry",
    rule: /safe integer >= 0/,
    shows: "-1",
  },
  {
    name: "retry fractional",
    message: { retry: 1.5, data: "x" },
    field: "retry",
    rule: /safe integer >= 0/,
    shows: "1.5",
  },
  {
    name: "retry NaN",
    message: { retry: Number.NaN, data: "x" },
    field: "retry",
    rule: /safe integer >= 0/,
    shows: "NaN",
  },
  {
    name: "retry Infinity",
    message: { retry: Number.POSITIVE_INFINITY, data: "x" },
    field: "retry",
    rule: /safe integer >= 0/,
    shows: "Infinity",
  },
  {
    name: "retry not a number",
    message: { retry: "100", data: "x" },
    field: "retry",
    rule: /safe integer >= 0/,
    shows: '"100"',
  },
  {
    name: "retry above the safe integers",
    message: { retry: 2 ** 53, data: "x" },
    field: "retry",
    rule: /safe integer >= 0/,
  },
  {
    name: "comment not a string",
    message: { comment: 42, data: "x" },
    field: "comment",
    rule: /must be a string/,
    shows: "42",
  },
  {
    name: "comment null",
    message: { comment: null, data: "x" },
    field: "comment",
    rule: /must be a string/,
    shows: "null",
  },
  {
    name: "serialize returning a number",
    message: { data: { a: 1 } },
    options: { serialize: () => 42 as unknown as string },
    field: "data",
    rule: /"serialize" must return a string/,
    shows: "42",
    names: '"serialize"',
  },
  {
    name: "serialize returning undefined",
    message: { data: { a: 1 } },
    options: { serialize: () => undefined as unknown as string },
    field: "data",
    rule: /"serialize" must return a string/,
    shows: "undefined",
    names: '"serialize"',
  },
  {
    name: "serialize that throws",
    message: { data: { a: 1 } },
    options: {
      serialize: () => {
        throw new Error("no way");
      },
    },
    field: "data",
    rule: /could not be serialized \(no way\)/,
  },
  {
    name: "BigInt data (JSON.stringify throws)",
    message: { data: 10n },
    field: "data",
    rule: /could not be serialized/,
  },
  {
    name: "circular data (JSON.stringify throws)",
    message: { data: circular },
    field: "data",
    rule: /could not be serialized/,
  },
  {
    name: "function data (JSON.stringify gives undefined)",
    message: { data: () => 1 },
    field: "data",
    rule: /JSON\.stringify/,
  },
  {
    name: "symbol data (JSON.stringify gives undefined)",
    message: { data: Symbol("s") },
    field: "data",
    rule: /JSON\.stringify/,
    shows: "Symbol(s)",
  },
  {
    name: "a message that is a number",
    message: 42,
    field: "data",
    rule: /string or an object/,
    shows: "42",
    names: null,
  },
  {
    name: "a message that is null",
    message: null,
    field: "data",
    rule: /string or an object/,
    shows: "null",
    names: null,
  },
  {
    name: "a message that is an array",
    message: ["a"],
    field: "data",
    rule: /string or an object/,
    names: null,
  },
  {
    name: "a byte chunk (Uint8Array), as from sseStream(upstream.body)",
    message: new TextEncoder().encode("data: hi\n\n"),
    field: "data",
    rule: /a byte chunk is not a message/,
    shows: "Uint8Array(10 bytes)",
    names: null,
  },
  {
    name: "an ArrayBuffer",
    message: new ArrayBuffer(4),
    field: "data",
    rule: /a byte chunk is not a message/,
    shows: "ArrayBuffer(4 bytes)",
    names: null,
  },
  {
    name: "a DataView",
    message: new DataView(new ArrayBuffer(2)),
    field: "data",
    rule: /a byte chunk is not a message/,
    shows: "DataView(2 bytes)",
    names: null,
  },
  {
    name: "a Date",
    message: new Date(0),
    field: "data",
    rule: /object that sets data, event, id, retry or comment; this one sets none of them/,
    shows: "Date(1970-01-01T00:00:00.000Z)",
    names: null,
  },
  {
    name: "an object with a misspelt field",
    message: { dat: "typo" },
    field: "data",
    rule: /object that sets data, event, id, retry or comment; this one sets none of them/,
    shows: '{"dat":"typo"}',
    names: null,
  },
  {
    name: "an empty object",
    message: {},
    field: "data",
    rule: /object that sets data, event, id, retry or comment; this one sets none of them/,
    shows: "{}",
    names: null,
  },
  {
    name: "an object whose fields are all undefined",
    message: { data: undefined, event: undefined, id: undefined },
    field: "data",
    rule: /undefined counts as not set/,
    names: null,
  },
  {
    name: "a Map",
    message: new Map([["data", "x"]]),
    field: "data",
    rule: /object that sets data, event, id, retry or comment; this one sets none of them/,
    shows: "Map)",
    names: null,
  },
];

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("encodeEvent refuses what it cannot send as given", () => {
  test.each(badCases)("$name throws SSEEncodeError for field $field", (bad) => {
    const error = thrown(() => encodeEvent(bad.message as SSEMessage, bad.options));
    expect(error).toBeInstanceOf(SSEEncodeError);
    expect(error).toBeInstanceOf(TypeError);
    const encodeError = error as SSEEncodeError;
    expect(encodeError.name).toBe("SSEEncodeError");
    expect(encodeError.field).toBe(bad.field);
    // The message names the field (or the serializer that broke the rule).
    const names = bad.names === undefined ? `"${bad.field}"` : bad.names;
    if (names !== null) expect(encodeError.message).toContain(names);
    expect(encodeError.message).toMatch(bad.rule);
    if (bad.shows !== undefined) expect(encodeError.message).toContain(`(got ${bad.shows}`);
  });

  test("a serializer's error is kept as the cause", () => {
    const cause = new Error("boom");
    const error = thrown(() =>
      encodeEvent(
        { data: 1 },
        {
          serialize: () => {
            throw cause;
          },
        },
      ),
    ) as SSEEncodeError;
    expect(error.cause).toBe(cause);
  });

  test("a long bad value is shortened in the message", () => {
    const long = `${"x".repeat(500)}\n`;
    const error = thrown(() => encodeEvent({ id: long, data: "x" })) as SSEEncodeError;
    expect(error.message).toContain("xxx...");
    expect(error.message.length).toBeLessThan(250);
  });

  test("encodeComment with a non-string throws SSEEncodeError for field comment", () => {
    const error = thrown(() => encodeComment(42 as unknown as string)) as SSEEncodeError;
    expect(error).toBeInstanceOf(SSEEncodeError);
    expect(error.field).toBe("comment");
  });

  test("a message that sets one field to a value, even an empty one, is a message", () => {
    expect(encodeEvent({ comment: "" })).toBe(":\n\n");
    expect(encodeEvent({ id: "" })).toBe("id\n\n");
    expect(encodeEvent({ data: "" })).toBe("data: \n\n");
    expect(encodeEvent({ data: null })).toBe("data: null\n\n");
    expect(encodeEvent({ retry: 0, data: undefined })).toBe("retry: 0\n\n");
    // A message built without a prototype, or as a class instance, is read the same way.
    expect(encodeEvent(Object.assign(Object.create(null), { data: "x" }))).toBe("data: x\n\n");
    class Tick {
      readonly event = "tick";
      get data(): string {
        return "from a getter";
      }
    }
    expect(encodeEvent(new Tick())).toBe("event: tick\ndata: from a getter\n\n");
  });

  test("random values that are not messages always throw SSEEncodeError and never give text", () => {
    // Anything but a string or an object that sets one of the five fields.
    const notAMessage = fc.oneof(
      fc.constantFrom(null, undefined, true, false, 0, Number.NaN, 1n, Symbol("s")),
      fc.double(),
      fc.bigInt(),
      fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
      fc.uint8Array({ maxLength: 32 }),
      fc.uint8Array({ maxLength: 32 }).map((bytes) => bytes.buffer),
      fc.int16Array({ maxLength: 8 }),
      fc.float64Array({ maxLength: 4 }),
      fc.date({ noInvalidDate: false }),
      // Objects with only other keys, or the five keys set to undefined.
      fc.dictionary(
        fc
          .string({ maxLength: 6 })
          .filter((k) => !["data", "event", "id", "retry", "comment"].includes(k)),
        fc.jsonValue({ maxDepth: 1 }),
        { maxKeys: 4 },
      ),
      fc.record(
        {
          data: fc.constant(undefined),
          event: fc.constant(undefined),
          id: fc.constant(undefined),
          retry: fc.constant(undefined),
          comment: fc.constant(undefined),
        },
        { requiredKeys: [] },
      ),
      fc.constantFrom(new Map(), new Set(["data"]), new Error("data"), /data/, () => "data"),
    );
    fc.assert(
      fc.property(notAMessage, (value) => {
        let out: unknown = "nothing thrown";
        try {
          out = encodeEvent(value as SSEMessage);
        } catch (error) {
          expect(error).toBeInstanceOf(SSEEncodeError);
          expect((error as SSEEncodeError).field).toBe("data");
          return;
        }
        throw new Error(
          `encodeEvent gave ${JSON.stringify(out)} for a value that is not a message`,
        );
      }),
      { numRuns: 1000 },
    );
  });

  test("random strings with CR or LF are always refused as event or id", () => {
    fc.assert(
      fc.property(text, fc.constantFrom("\r", "\n", "\r\n"), text, (before, cut, after) => {
        const bad = before + cut + after;
        expect(() => encodeEvent({ event: bad, data: "x" })).toThrow(SSEEncodeError);
        expect(() => encodeEvent({ id: bad, data: "x" })).toThrow(SSEEncodeError);
      }),
      { numRuns: 200 },
    );
  });
});

describe("encodeForStream", () => {
  const longText = (unit: fc.Arbitrary<string>): fc.Arbitrary<string> =>
    fc
      .tuple(fc.string({ unit, minLength: 0, maxLength: 20 }), fc.nat({ max: 200 }))
      .map(([tail, extra]) => "x".repeat(LONG_DATA - 10 + extra) + tail);
  const longData = fc.oneof(longText(fc.constant("a")), longText(unit));
  const join = (piece: string | LongEvent): string =>
    typeof piece === "string" ? piece : `${piece.head}${piece.data}\n\n`;

  test("gives the same text as encodeEvent, long one-line data in two pieces", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          longData,
          message,
          fc.record({ event: eventName, id: fc.oneof(idString, idNumber), data: longData }),
          fc.record(
            { comment: text, retry: fc.maxSafeNat(), data: longData },
            { requiredKeys: ["data"] },
          ),
        ),
        (sent) => {
          const piece = encodeForStream(sent);
          expect(join(piece)).toBe(encodeEvent(sent));
          if (typeof piece !== "string") {
            expect(piece.data.length).toBeGreaterThanOrEqual(LONG_DATA);
            expect(/[\r\n]/.test(piece.data)).toBe(false);
            expect(piece.head.endsWith("data: ")).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test("keeps short data, and long data with a line break, as one string", () => {
    expect(typeof encodeForStream({ event: "a", id: 1, data: "x".repeat(LONG_DATA - 1) })).toBe(
      "string",
    );
    expect(encodeForStream({ event: "a", id: 1, data: "x".repeat(LONG_DATA) })).toEqual({
      head: "event: a\nid: 1\ndata: ",
      data: "x".repeat(LONG_DATA),
    });
    expect(typeof encodeForStream(`${"x".repeat(LONG_DATA)}\ny`)).toBe("string");
    expect(encodeForStream({ data: { long: "y".repeat(LONG_DATA) } })).toEqual({
      head: "data: ",
      data: JSON.stringify({ long: "y".repeat(LONG_DATA) }),
    });
  });

  test("throws what encodeEvent throws for a bad field next to long data", () => {
    const data = "x".repeat(LONG_DATA);
    expect(() => encodeForStream({ event: "a\nb", id: 1, data })).toThrow(
      /"event" must not contain CR or LF/,
    );
    expect(() => encodeForStream({ event: "a", id: "1\0", data })).toThrow(
      /"id" must not contain CR, LF or NUL/,
    );
  });
});
