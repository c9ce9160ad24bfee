import { createParser, type EventSourceMessage } from "eventsource-parser";
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  EncodedEvent,
  encodeEvent,
  type SSEChunk,
  SSEEncodeError,
  SSEEncoderStream,
} from "../src/index.ts";
import { parse, within } from "./helpers/core-sse.ts";

/** Writes `messages` into a new encoder and collects every byte chunk it gives. */
async function encodeAll(
  messages: readonly unknown[],
  options?: ConstructorParameters<typeof SSEEncoderStream>[0],
): Promise<Uint8Array[]> {
  const encoder = new SSEEncoderStream(options);
  const source = new ReadableStream<SSEChunk>({
    start(controller) {
      for (const m of messages) controller.enqueue(m as SSEChunk);
      controller.close();
    },
  });
  const chunks: Uint8Array[] = [];
  const reader = source.pipeThrough(encoder).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const unit = fc.oneof(
  fc.constantFrom("\n", "\r", "\r\n", " ", "\t", "\0", "\u2028", "😀", "é", "€"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);
const text = fc.string({ unit, maxLength: 30 });
const oneLine = text.map((s) => s.replace(/[\r\n\0]/g, ""));
const message = fc.oneof(
  text,
  fc.record(
    { data: fc.oneof(text, fc.jsonValue({ maxDepth: 2 })), event: oneLine, id: oneLine },
    { requiredKeys: ["data"] },
  ),
);

describe("SSEEncoderStream", () => {
  test("is a TransformStream of messages to UTF-8 bytes", async () => {
    const stream = new SSEEncoderStream();
    expect(stream).toBeInstanceOf(TransformStream);
    const chunks = await encodeAll(["a", { event: "e", id: 1, data: { n: 1 } }]);
    for (const chunk of chunks) expect(chunk).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(concat(chunks))).toBe(
      `${encodeEvent("a")}${encodeEvent({ event: "e", id: 1, data: { n: 1 } })}`,
    );
  });

  test("bytes split anywhere decode back, through a streaming decoder, to what a parser reads as sent", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(message, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (sent, cuts) => {
          const bytes = concat(await encodeAll(sent));
          const events: EventSourceMessage[] = [];
          const parser = createParser({ onEvent: (e) => events.push(e) });
          const decoder = new TextDecoder();
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          let from = 0;
          for (const to of [...points, bytes.length]) {
            parser.feed(decoder.decode(bytes.subarray(from, to), { stream: true }));
            from = to;
          }
          parser.feed(decoder.decode());
          expect(events.map((e) => e.data)).toEqual(
            sent.map((m) => {
              const data = typeof m === "string" ? m : m.data;
              const raw = typeof data === "string" ? data : JSON.stringify(data);
              return raw.replace(/\r\n|\r/g, "\n");
            }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test("writes no BOM and encodes astral characters as 4-byte UTF-8", async () => {
    const bytes = concat(await encodeAll(["😀"]));
    expect([...bytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    expect([...bytes]).toEqual([...new TextEncoder().encode("data: \u{1F600}\n\n")]);
    expect(bytes).toContain(0xf0);
  });

  test("a lone surrogate becomes U+FFFD, as with any UTF-8 writer", async () => {
    const bytes = concat(await encodeAll(["a\uD800b"]));
    expect(new TextDecoder().decode(bytes)).toBe("data: a\uFFFDb\n\n");
  });

  test("uses the serialize option for non-string data", async () => {
    const bytes = concat(
      await encodeAll([{ data: [1, 2] }], { serialize: (d) => `len=${(d as unknown[]).length}` }),
    );
    expect(new TextDecoder().decode(bytes)).toBe("data: len=2\n\n");
  });

  test("a serialize that is not a function throws a TypeError at construction", () => {
    expect(() => new SSEEncoderStream({ serialize: "json" as never })).toThrow(TypeError);
  });

  test("an EncodedEvent passes through as its bytes, and the writable side is typed to take one", async () => {
    const encoded = new EncodedEvent({ event: "shared", data: "x" });
    const stream = new SSEEncoderStream();
    const writer = stream.writable.getWriter();
    const reading = new Response(stream.readable).text();
    await writer.write("before");
    // Written straight to the writer: this line is a type error (TS2345) if the
    // stream's input type leaves EncodedEvent out.
    await writer.write(encoded);
    await writer.close();
    expect(await within(reading, 2000, "the readable side")).toBe(
      "data: before\n\nevent: shared\ndata: x\n\n",
    );
    const chunks = await encodeAll(["before", encoded, "after"]);
    expect(chunks).toContain(encoded.bytes);
    expect(new TextDecoder().decode(concat(chunks))).toBe(
      "data: before\n\nevent: shared\ndata: x\n\ndata: after\n\n",
    );
  });

  test.each([
    ["an event with LF", { event: "a\nb", data: "BAD-PAYLOAD" }, "event"],
    ["an id with NUL", { id: "\0", data: "BAD-PAYLOAD" }, "id"],
    ["a fractional retry", { retry: 0.5, data: "BAD-PAYLOAD" }, "retry"],
    ["a comment that is a number", { comment: 1, data: "BAD-PAYLOAD" }, "comment"],
    ["a byte chunk", new TextEncoder().encode("data: BAD-PAYLOAD\n\n"), "data"],
    ["an object that sets none of the five fields", { dat: "BAD-PAYLOAD" }, "data"],
    [
      "circular data",
      (() => {
        const o: Record<string, unknown> = { tag: "BAD-PAYLOAD" };
        o.o = o;
        return { data: o };
      })(),
      "data",
    ],
  ])(
    "%s errors the stream with SSEEncodeError; the messages before it are intact",
    async (_, bad, field) => {
      const encoder = new SSEEncoderStream();
      const writer = encoder.writable.getWriter();
      const reader = encoder.readable.getReader();
      const decoder = new TextDecoder();
      let received = "";
      const reading = (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received += decoder.decode(value, { stream: true });
        }
      })();
      await writer.write("good one");
      await writer.write({ id: 2, data: "good two" });
      const writeError = await writer.write(bad as SSEChunk).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(writeError).toBeInstanceOf(SSEEncodeError);
      expect((writeError as SSEEncodeError).field).toBe(field);
      const readError = await within(reading, 2000, "the readable side erroring").then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(readError).toBe(writeError);
      expect(received).toBe("data: good one\n\nid: 2\ndata: good two\n\n");
      expect(received).not.toContain("BAD-PAYLOAD");
      expect(parse(received).events.map((e) => e.data)).toEqual(["good one", "good two"]);
    },
  );
});
