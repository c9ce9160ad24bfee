/**
 * The decoder's property check, runnable anywhere (vitest, Deno, Bun, workerd):
 * random valid event streams, cut into random chunks at random byte offsets,
 * must decode as eventsource-parser (the oracle, fed the whole text at once)
 * parses them, and the last event id must follow the blocks' id fields.
 *
 * @module
 */
import { createParser } from "eventsource-parser";
import fc from "fast-check";
import { decodeChunks, splitAt } from "./decode.ts";

/** Text without line breaks: any Unicode, with the field syntax's own characters made likely. */
const lineText = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.string({ unit: "grapheme", maxLength: 6 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          ":",
          " ",
          "  ",
          "\u0000",
          "\uFEFF",
          "data",
          "id",
          "é",
          "\u{1F600}",
        ),
      },
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join("").replace(/[\r\n]/g, ""));

const block = fc.record({
  comment: fc.option(lineText, { nil: undefined }),
  event: fc.option(lineText, { nil: undefined }),
  id: fc.option(lineText, { nil: undefined }),
  retry: fc.option(fc.oneof(fc.nat().map(String), lineText), { nil: undefined }),
  unknown: fc.option(lineText, { nil: undefined }),
  data: fc.array(lineText, { maxLength: 4 }),
  /** Write `field:value` instead of `field: value`. */
  tight: fc.boolean(),
  /** Write `data` with no colon for an empty first data line. */
  bare: fc.boolean(),
});

const stream = fc.record({
  blocks: fc.array(block, { maxLength: 8 }),
  eol: fc.array(fc.constantFrom("\n", "\r", "\r\n"), { minLength: 1, maxLength: 3 }),
});

/** One generated block. */
type Block = typeof block extends fc.Arbitrary<infer B> ? B : never;

/** Writes the blocks as one event stream, line endings taken in turn from `eol`. */
function write({ blocks, eol }: { blocks: Block[]; eol: string[] }): string {
  let n = 0;
  let text = "";
  const line = (content: string): void => {
    let end = eol[n++ % eol.length];
    // A CR then an empty line's LF would be one CRLF: the blank line must stay a line.
    if (content === "" && end === "\n" && text.endsWith("\r")) end = "\r";
    text += content + end;
  };
  for (const b of blocks) {
    const sep = b.tight ? ":" : ": ";
    if (b.comment !== undefined) line(`:${b.comment}`);
    if (b.event !== undefined) line(`event${sep}${b.event}`);
    if (b.id !== undefined) line(`id${sep}${b.id}`);
    if (b.retry !== undefined) line(`retry${sep}${b.retry}`);
    if (b.unknown !== undefined) line(`x-field${sep}${b.unknown}`);
    for (const [i, d] of b.data.entries()) {
      line(i === 0 && d === "" && b.bare ? "data" : `data${sep}${d}`);
    }
    line("");
  }
  // A lone CR at the very end waits for a possible LF in the oracle: end on a comment and LF.
  return `${text}:end\n`;
}

/** Throws with both sides shown when `actual` and `expected` differ (compared as JSON). */
function same(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${what} differ:\n  decoder: ${a}\n  oracle:  ${b}`);
}

/**
 * Runs the property `numRuns` times; throws fast-check's report (with the
 * shrunk counterexample) on the first stream that decodes differently.
 */
export async function checkDecoderProperty(numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      stream,
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
      async (s, cuts) => {
        const text = write(s);
        const oracle = {
          events: [] as [string, string, string | null][],
          retries: [] as number[],
          comments: [] as string[],
        };
        const parser = createParser({
          onEvent: (e) => oracle.events.push([e.event ?? "message", e.data, e.id ?? null]),
          onRetry: (ms) => oracle.retries.push(ms),
          onComment: (c) => oracle.comments.push(c),
        });
        parser.feed(text);

        const bytes = new TextEncoder().encode(text);
        const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort(
          (a, b) => a - b,
        );
        const decoded = await decodeChunks(splitAt(bytes, points));
        if (decoded.error !== undefined) throw decoded.error;
        same(
          decoded.events.map((e) => [e.event, e.data, e.id ?? null]),
          oracle.events,
          "events",
        );
        same(decoded.retries, oracle.retries, "retries");
        same(decoded.comments, oracle.comments, "comments");
        // The oracle does not keep the last event id: the blocks say what it must be.
        const expectedLast: string[] = [];
        let last = "";
        for (const b of s.blocks) {
          const id = b.id !== undefined && b.tight && b.id.startsWith(" ") ? b.id.slice(1) : b.id;
          if (id !== undefined && !id.includes("\0")) last = id;
          if (b.data.length > 0) expectedLast.push(last);
        }
        same(
          decoded.events.map((e) => e.lastEventId),
          expectedLast,
          "last event ids",
        );
      },
    ),
    { numRuns },
  );
}
