import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { acceptsEventStream } from "../src/index.ts";

const table: [accept: string, accepts: boolean, why: string][] = [
  ["text/event-stream", true, "the exact type"],
  ["text/event-stream;q=0", false, "q=0 refuses"],
  ["text/event-stream; q=0.5", true, "any q above 0 accepts"],
  ["text/event-stream;q=0.000", false, "q=0.000 is zero"],
  ["text/event-stream;q=0.001", true, "the smallest q above zero"],
  ["text/event-stream;q=1.000", true, "q=1.000"],
  ["text/*", true, "the type wildcard"],
  ["text/*;q=0", false, "the type wildcard refusing"],
  ["*/*", true, "the full wildcard (fetch's default)"],
  ["*/*;q=0", false, "the full wildcard refusing"],
  ["application/json", false, "another type only"],
  ["application/json, text/html", false, "several other types"],
  ["text/html", false, "another text subtype"],
  ["text/html, */*;q=0.1", true, "a low-q wildcard still accepts"],
  [
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8",
    true,
    "a browser navigation",
  ],
  ["text/event-stream;q=0, */*", false, "a specific refusal beats an accepting wildcard"],
  ["*/*, text/event-stream;q=0", false, "a specific refusal wins whatever the order"],
  ["text/event-stream, */*;q=0", true, "a specific acceptance beats a refusing wildcard"],
  ["text/*;q=0, */*", false, "text/* is more specific than */*"],
  ["text/event-stream;q=0.1, text/*;q=0", true, "text/event-stream is more specific than text/*"],
  ["text/*;q=0.5, */*;q=0", true, "text/* beats */*"],
  ["TEXT/EVENT-STREAM", true, "media types are case-insensitive"],
  ["Text/Event-Stream;Q=0", false, "parameter names are case-insensitive"],
  ["text/event-stream;charset=utf-8", true, "other parameters are ignored"],
  ["text/event-stream;charset=utf-8;q=0", false, "q after another parameter"],
  ["text/event-stream ; q=0 ", false, "spaces around parameters"],
  ["  text/event-stream  ", true, "spaces around the range"],
  [",,text/event-stream,,", true, "empty list elements"],
  [
    'application/json;x="a,text/event-stream,b"',
    false,
    "a comma inside a quoted parameter does not split",
  ],
  ['text/event-stream;x="q=0,y"', true, "a quoted q=0 is a parameter value, not a q"],
  ['text/event-stream;x="a\\"b,c";q=0', false, "an escaped quote inside a quoted parameter"],
  ["garbage", true, "garbage accepts"],
  ["!!!, ;;;", true, "garbage list accepts"],
  ["text", true, "a type without a subtype is unparsable"],
  ["text/", true, "an empty subtype is unparsable"],
  ["/", true, "a bare slash is unparsable"],
  ["q=0", true, "a bare parameter is unparsable"],
  ["*/event-stream", true, "*/subtype is not a media range"],
  ["text/event-stream;q=2", true, "an out-of-range q makes the range unparsable"],
  ["text/event-stream;q=abc", true, "a non-numeric q makes the range unparsable"],
];

describe("acceptsEventStream (RFC 9110 proactive negotiation)", () => {
  test.each(table)("%j -> %s (%s)", (accept, accepts) => {
    expect(acceptsEventStream(accept)).toBe(accepts);
  });

  test.each(table)("a Request with Accept %j -> %s", (accept, accepts) => {
    const request = new Request("http://localhost/", { headers: { accept } });
    expect(acceptsEventStream(request)).toBe(accepts);
  });

  test.each([
    ["null", null],
    ["undefined", undefined],
    ["an empty string", ""],
    ["only spaces", "   "],
  ])("%s accepts", (_, value) => {
    expect(acceptsEventStream(value)).toBe(true);
  });

  test("a Request without an Accept header accepts", () => {
    expect(acceptsEventStream(new Request("http://localhost/"))).toBe(true);
  });

  test("garbage input never throws and accepts", () => {
    const broken = {
      headers: {
        get() {
          throw new Error("broken headers");
        },
      },
    };
    expect(acceptsEventStream(broken as unknown as Request)).toBe(true);
    expect(acceptsEventStream(42 as never)).toBe(true);
    expect(acceptsEventStream({} as never)).toBe(true);
    // Without a "/" no element can be a media range: the whole header is unparsable.
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (accept) => {
        expect(acceptsEventStream(accept.replaceAll("/", ""))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  test("unparsable elements around a refusal are ignored: the refusal still decides", () => {
    // Junk without "/", "," or '"' cannot form a range, split the list or open a quote.
    const junk = fc.string({ unit: "binary", maxLength: 20 }).map((s) => s.replace(/[/,"]/g, ""));
    fc.assert(
      fc.property(junk, junk, (before, after) => {
        expect(acceptsEventStream(`${before}, text/event-stream;q=0, ${after}`)).toBe(false);
        expect(acceptsEventStream(`${before}, text/event-stream;q=0.5, ${after}`)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test("a header of only unparsable ranges accepts; random tokens without text/ or a wildcard never accept", () => {
    const junk = fc.stringMatching(/^[a-z]{1,8}$/).filter((t) => t !== "text");
    fc.assert(
      fc.property(fc.array(fc.tuple(junk, junk), { minLength: 1, maxLength: 4 }), (ranges) => {
        const accept = ranges.map(([type, subtype]) => `${type}/${subtype}`).join(", ");
        expect(acceptsEventStream(accept)).toBe(false);
        expect(acceptsEventStream(ranges.map(([type]) => type).join(", "))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
