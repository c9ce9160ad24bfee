/**
 * The `ctx` a stream hands to its source, with a `signal` made only when
 * someone asks for it.
 *
 * @module
 */
import { sharedAccessor } from "./heap.ts";
import type { SSEContext } from "./source.ts";

/** `signal`: one accessor shared by every context (see `heap.ts`). */
const SIGNAL: PropertyDescriptor = sharedAccessor(function (this: StreamContext): AbortSignal {
  return this.abortSignal();
});

/** A stream's reason before it has ended: no reason anyone can pass. */
const OPEN: unique symbol = Symbol("web-sse.open");

/**
 * One stream's ctx. Its AbortController is made on first use (see
 * `heap.ts`): a source that never reads `ctx.signal` (the hub's
 * subscriptions, which the stream ends itself) never pays for it. Read after
 * the stream ended, the signal is already aborted, with the same reason.
 */
export class StreamContext implements SSEContext {
  declare readonly signal: AbortSignal;
  declare readonly lastEventId: string | undefined;
  #abort: AbortController | undefined;
  /** Why the stream ended; {@link OPEN} until it does (one field for both, see `heap.ts`). */
  #reason: unknown = OPEN;

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
      if (this.#reason !== OPEN) abort.abort(this.#reason);
    }
    return abort.signal;
  }

  /**
   * The stream ended: aborts the signal (if it was made) with `reason`, once.
   *
   * @param reason - The abort reason `ctx.signal.reason` shows.
   */
  end(reason: unknown): void {
    if (this.#reason !== OPEN) return;
    this.#reason = reason;
    this.#abort?.abort(reason);
  }
}
