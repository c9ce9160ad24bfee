import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { lastEventId } from "../src/index.ts";
import { decodeLatin1AsUtf8 } from "../src/last-event-id.ts";

/** What Node, Deno, Bun and workerd hand over for UTF-8 header bytes: one code unit per byte. */
function asLatin1(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

function requestWith(value: string | undefined): Request {
  const headers = new Headers();
  if (value !== undefined) headers.set("Last-Event-ID", value);
  return new Request("http://localhost/", { headers });
}

describe("lastEventId", () => {
  test.each(["é", "évé-7", "€42", "日本語", "😀 emoji", "mixed ascii ü and 𝄞"])(
    "UTF-8 id %j handed over as Latin-1 code units comes back right",
    (id) => {
      const latin1 = asLatin1(id);
      expect(latin1).not.toBe(id);
      const request = requestWith(latin1);
      // The runtime really hands over the Latin-1 form.
      expect(request.headers.get("last-event-id")).toBe(latin1);
      expect(lastEventId(request)).toBe(id);
    },
  );

  test("any UTF-8 id without CR, LF or NUL comes back right", () => {
    const id = fc
      .string({ unit: "binary", minLength: 1, maxLength: 20 })
      .map((s) => s.replace(/[\r\n\0]/g, "").trim())
      .filter((s) => s !== "");
    fc.assert(
      fc.property(id, (value) => {
        expect(lastEventId(requestWith(asLatin1(value)))).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  test("an ASCII id passes through as it is", () => {
    expect(lastEventId(requestWith("42"))).toBe("42");
    expect(lastEventId(requestWith("abc-123_XYZ:~"))).toBe("abc-123_XYZ:~");
  });

  test("bytes that are not valid UTF-8 are returned as given", () => {
    for (const raw of ["\xff\xfe", "caf\xe9", "\xc3", "\xe2\x82", "\xed\xa0\x80"]) {
      expect(lastEventId(requestWith(raw))).toBe(raw);
    }
  });

  test("an absent or empty header gives undefined", () => {
    expect(lastEventId(requestWith(undefined))).toBeUndefined();
    expect(lastEventId(requestWith(""))).toBeUndefined();
  });

  test("the header name is case-insensitive", () => {
    const request = new Request("http://localhost/", { headers: { "last-event-id": "7" } });
    expect(lastEventId(request)).toBe("7");
  });

  test("a value a runtime already decoded (code units above 0xFF) is returned as given", () => {
    expect(decodeLatin1AsUtf8("日本 é")).toBe("日本 é");
    expect(decodeLatin1AsUtf8(asLatin1("日本"))).toBe("日本");
  });
});
