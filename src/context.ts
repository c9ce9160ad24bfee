/**
 * The `ctx` a stream hands to its source, with a `signal` made only when
 * someone asks for it.
 *
 * @module
 */
import type { SSEContext } from "./source.ts";

/**
 * `signal` is an own, enumerable accessor (so `{ ...ctx }` copies it, as it
 * would a plain property) that every context shares: V8 keeps one hidden
 * class for them all.
 */
const SIGNAL: PropertyDescriptor = {
  get(this: StreamContext): AbortSignal {
    return this.abortSignal();
  },
  enumerable: true,
};

/**
 * One stream's ctx. An AbortController with its AbortSignal costs about
 * 0.4 KiB of heap on Node (the signal is an EventTarget with two Maps); a
 * source that never reads `ctx.signal` (the hub's subscriptions, which the
 * stream ends itself) never pays for it. Read after the stream ended, the
 * signal is already aborted, with the same reason.
 */
export class StreamContext implements SSEContext {
  declare readonly signal: AbortSignal;
  declare readonly lastEventId: string | undefined;
  #abort: AbortController | undefined;
  #reason: unknown;
  #ended = false;

  /** @param lastEventId - The client's `Last-Event-ID`, if any. */
  constructor(lastEventId: string | undefined) {
    Object.defineProperty(this, "signal", SIGNAL);
    (this as { lastEventId: string | undefined }).lastEventId = lastEventId;
  }

  /**
   * The signal, made on first use.
   *
   * @returns The same AbortSignal every time.
   */
  abortSignal(): AbortSignal {
    let abort = this.#abort;
    if (abort === undefined) {
      abort = this.#abort = new AbortController();
      if (this.#ended) abort.abort(this.#reason);
    }
    return abort.signal;
  }

  /**
   * The stream ended: aborts the signal (if it was made) with `reason`, once.
   *
   * @param reason - The abort reason `ctx.signal.reason` shows.
   */
  end(reason: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reason = reason;
    this.#abort?.abort(reason);
  }
}
