import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeEvent, type SSEMessage } from "../../src/encode.ts";
import { decodeFrames, messageOf } from "../../src/hub/decode.ts";

const encoder = new TextEncoder();

/** Text without CR, LF or NUL: what event names and ids may hold. */
const field = fc.string().filter((s) => !/[\r\n\0]/.test(s));

describe("decodeFrames", () => {
  it("turns hub frames back into the messages that made them (data as LF-joined text)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record(
            {
              id: field,
              event: field.filter((s) => s !== ""),
              data: fc.string({ unit: "grapheme" }),
              retry: fc.nat(),
              comment: fc.string(),
            },
            { requiredKeys: ["id"] },
          ),
          { minLength: 1, maxLength: 5 },
        ),
        (messages) => {
          const text = messages.map((m) => encodeEvent(m as SSEMessage)).join("");
          const decoded = decodeFrames(encoder.encode(text));
          expect(decoded).toEqual(
            messages.map((m) => {
              const expected: Record<string, unknown> = { ...m };
              // CRLF and lone CR become LF: the data lines are joined with LF.
              if (m.data !== undefined) expected.data = m.data.replace(/\r\n|\r/g, "\n");
              if (m.comment !== undefined) expected.comment = m.comment.replace(/\r\n|\r/g, "\n");
              return expected;
            }),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it("an id-only frame (a position) is a message with just the id", () => {
    expect(decodeFrames(encoder.encode("id: e1-7\n\n"))).toEqual([{ id: "e1-7" }]);
  });

  it("messageOf reads a record's message from its body text, with the hub id; an end marker is a position", () => {
    const base = { epoch: "e1", prev: 0, topic: "t", time: 0 };
    const body = encodeEvent({ event: "note", data: "a\nb", retry: 5 });
    expect(messageOf({ ...base, seq: 7, body, end: false })).toEqual({
      id: "e1-7",
      event: "note",
      data: "a\nb",
      retry: 5,
    });
    expect(messageOf({ ...base, seq: 8, body: "", end: true })).toEqual({ id: "e1-8" });
  });
});
