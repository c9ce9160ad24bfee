/**
 * The microtask watchdog: tells a source that answers at once (its events are
 * ready together and may share a chunk) from one that waits on I/O or a timer
 * (its last event must go out now).
 *
 * @module
 */
import { RESOLVED } from "./heap.ts";

/**
 * How many microtasks a pending `next()` gets before the batch so far is sent.
 * An async generator that yields without awaiting anything else answers in 2
 * to 4 (measured on Node 20, Deno 2.9 and Bun 1.4: 2 for a plain `yield`, 3
 * for `yield*` or `yield await`, 4 for `for await` over a sync iterable). A
 * source that waits on I/O or a timer does not, and its last event goes out at
 * once: events ready together share a chunk, with no timer batching.
 */
export const READY_HOPS = 8;

/** What the watchdog tells when the source has been quiet: the pull loop. */
export interface QuietHost {
  /** The source has been quiet for {@link READY_HOPS} microtasks. */
  quiet(): void;
}

/**
 * Watches the source side: while the pull loop waits on the source, it hops
 * from microtask to microtask; when the source has not answered for
 * {@link READY_HOPS} hops in a row, it calls `host.quiet()` once and stops. One
 * bound function per stream, no promise per event: on Bun that is the
 * difference between matching and beating a hand-written stream.
 */
export class Watchdog {
  readonly #host: QuietHost;
  /** True while the pull loop waits on the source. */
  #waiting = false;
  /** How many times the source answered; compared between hops. */
  #answers = 0;
  #seenAnswers = 0;
  #quietHops = 0;
  #watching = false;

  /**
   * @param host - Told when the source has been quiet for {@link READY_HOPS}
   * microtasks (an object, not a callback: no closure per stream).
   */
  constructor(host: QuietHost) {
    this.#host = host;
  }

  /** The pull loop starts waiting on the source (the source side is busy). */
  sourceBusy(): void {
    this.#waiting = true;
  }

  /** The source answered (or the wait was given up). */
  sourceAnswered(): void {
    this.#waiting = false;
    this.#answers++;
  }

  /** Starts hopping unless a chain of hops runs already (it may be left over from an earlier pull). */
  watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    this.#seenAnswers = this.#answers;
    this.#quietHops = 0;
    RESOLVED.then(this.#hop);
  }

  readonly #hop = (): void => {
    // Not waiting on the source: the pull loop has returned; the next pull that
    // has something to send starts watching again.
    if (!this.#waiting) {
      this.#watching = false;
      return;
    }
    if (this.#answers !== this.#seenAnswers) {
      this.#seenAnswers = this.#answers;
      this.#quietHops = 0;
    } else if (++this.#quietHops >= READY_HOPS) {
      this.#watching = false;
      this.#host.quiet();
      return;
    }
    RESOLVED.then(this.#hop);
  };
}

/**
 * What a pull that waits on a quiet source sends: the batch, or the opening
 * comment while nothing has gone out yet (runtimes hold the head back until
 * the first chunk), or nothing. Only a chunk actually sent answers the pull:
 * a watchdog chain with nothing to send (one left over from an earlier pull
 * in an older engine) must leave the pull waiting, or the event the source
 * yields next sits in the batch with no pull to send it.
 *
 * @param batchEmpty - Nothing is batched.
 * @param wrote - Bytes have gone out since the stream started.
 * @returns What to send; `"wait"`: nothing, the pull goes on waiting.
 */
export function whenQuiet(batchEmpty: boolean, wrote: boolean): "batch" | "comment" | "wait" {
  if (!batchEmpty) return "batch";
  return wrote ? "wait" : "comment";
}
