/**
 * `SSEDecoderStream`: text/event-stream bytes (or text) in, events out.
 *
 * @module
 */
import { callback, show } from "../check.ts";
import type { SSEEvent } from "./event.ts";
import { checkMaxEventSize, EventStreamParser } from "./parse.ts";

/** Options of {@link SSEDecoderStream}. */
export interface SSEDecoderOptions {
  /** Called with each `retry` field whose value is all ASCII digits. */
  onRetry?: ((ms: number) => void) | undefined;
  /** The comment's text, one leading space removed. */
  onComment?: ((text: string) => void) | undefined;
  /**
   * A line or event larger than this (bytes) errors the stream with a
   * RangeError: an upstream that never sends a newline cannot exhaust memory.
   * Counted in UTF-16 code units of the decoded text (the byte count for ASCII,
   * never more than it otherwise).
   *
   * @defaultValue 64 MiB
   */
  maxEventSize?: number | undefined;
}

/**
 * Decodes a text/event-stream by the WHATWG parsing rules, exactly: one
 * leading BOM stripped; CRLF, LF and lone CR end lines, also when split across
 * chunks; a line without a colon is a field with an empty value; one space
 * after the colon removed; comments ignored; data lines joined with "\n"; an
 * event without data is not dispatched; an `id` containing NUL is ignored;
 * `retry` counts only when it is all ASCII digits; unknown fields ignored. A
 * stream that ends mid-event drops that event.
 *
 * Bytes are decoded as UTF-8 (invalid sequences become U+FFFD); text chunks
 * are taken as they are. Memory holds the current line and event only.
 *
 * @example Read an upstream response's events
 * ```ts
 * import { SSEDecoderStream } from "web-sse/client";
 *
 * const response = await fetch("https://example.com/events", {
 *   headers: { accept: "text/event-stream" },
 * });
 * for await (const event of response.body!.pipeThrough(new SSEDecoderStream())) {
 *   console.log(event.event, event.data, event.lastEventId);
 * }
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export class SSEDecoderStream extends TransformStream<Uint8Array | string, SSEEvent> {
  /**
   * @param options - Callbacks for `retry` fields and comments, and the size bound.
   * @throws TypeError for a callback that is not a function or a
   * `maxEventSize` that is not a number; RangeError for a `maxEventSize` that
   * is not a whole number >= 1.
   */
  constructor(options: SSEDecoderOptions = {}) {
    const max = checkMaxEventSize(options.maxEventSize, "SSEDecoderStream");
    const onRetry = callback({ where: "SSEDecoderStream", name: "onRetry" }, options.onRetry);
    const onComment = callback({ where: "SSEDecoderStream", name: "onComment" }, options.onComment);
    // The parser strips the BOM itself, so byte and text chunks are treated alike.
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    let pendingBytes = false;
    let controller!: TransformStreamDefaultController<SSEEvent>;
    const parser = new EventStreamParser(
      {
        onEvent: (event) => controller.enqueue(event),
        onRetry,
        onComment,
      },
      max,
    );
    // A size error is raised on the next chunk (or at the end), not at once:
    // erroring the stream drops what is queued, and the events before the
    // oversized one were enqueued by the same feed. Backpressure holds the next
    // chunk back until the reader has taken them.
    let failure: unknown;
    const feed = (text: string): void => {
      try {
        parser.feed(text);
      } catch (error) {
        failure = error;
      }
    };
    super({
      start(c) {
        controller = c;
      },
      transform(chunk) {
        if (failure !== undefined) throw failure;
        if (typeof chunk === "string") {
          // Bytes left over from an earlier chunk end before this text starts.
          if (pendingBytes) {
            pendingBytes = false;
            feed(decoder.decode());
          }
          feed(chunk);
          return;
        }
        if (!(chunk instanceof Uint8Array)) {
          throw new TypeError(
            `SSEDecoderStream: chunks must be Uint8Array or string (got ${show(chunk)})`,
          );
        }
        pendingBytes = true;
        feed(decoder.decode(chunk, { stream: true }));
      },
      flush() {
        if (failure === undefined && pendingBytes) feed(decoder.decode());
        if (failure !== undefined) throw failure;
        parser.end();
      },
    });
  }
}
