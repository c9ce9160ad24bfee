/**
 * Reads an SSE response body the way a fetch()-based client does: bytes
 * through TextDecoderStream into eventsource-parser's EventSourceParserStream.
 *
 * @module
 */
import { type EventSourceMessage, EventSourceParserStream } from "eventsource-parser/stream";

/** What the parser saw, in order. */
export interface Read {
  events: EventSourceMessage[];
  retries: number[];
  comments: string[];
  /** True when the body ended (the server closed the stream). */
  ended: boolean;
}

/**
 * Parses `response`'s body until `enough(read)` is true or the body ends, then
 * cancels the body (if it has not ended). Rejects after `ms` with what it had.
 */
export async function readEvents(
  response: Response,
  enough: (read: Read) => boolean = () => false,
  ms = 5000,
): Promise<Read> {
  if (response.body === null) throw new Error("the response has no body");
  const read: Read = { events: [], retries: [], comments: [], ended: false };
  // Retries and comments arrive through callbacks, not reads: they wake the loop too.
  let wake: () => void = () => {};
  const woken = (): Promise<"woken"> =>
    new Promise((resolve) => {
      wake = () => resolve("woken");
    });
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(
      new EventSourceParserStream({
        onRetry: (retry) => {
          read.retries.push(retry);
          wake();
        },
        onComment: (comment) => {
          read.comments.push(comment);
          wake();
        },
        onError: "terminate",
      }),
    )
    .getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  let pending: ReturnType<typeof reader.read> | undefined;
  try {
    while (!enough(read)) {
      pending ??= reader.read();
      const next = await Promise.race([pending, woken(), timeout]);
      if (next === "timeout") {
        throw new Error(`no end within ${ms} ms; read so far: ${JSON.stringify(read)}`);
      }
      if (next === "woken") continue;
      pending = undefined;
      if (next.done) {
        read.ended = true;
        break;
      }
      read.events.push(next.value);
    }
    return read;
  } finally {
    clearTimeout(timer);
    if (!read.ended) await reader.cancel().catch(() => {});
  }
}
