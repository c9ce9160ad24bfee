/**
 * A subscription iterated by hand: the subscription writes to a
 * {@link PullSink} exactly as it writes to a stream's sink (one state machine
 * for both), and the sink hands what was written out one message per
 * `next()`, built from the records themselves.
 *
 * @module
 */
import type { SSEMessage } from "../encode.ts";
import type { SSECloseReason } from "../options.ts";
import { PUSH, type PushSink, type PushSource } from "../push.ts";
import type { SSEContext } from "../source.ts";
import { decodeFrames, messageOf } from "./decode.ts";
import type { Frame } from "./frame.ts";

/**
 * What one write carries besides its bytes: the frames they were made from
 * (read as records), or bytes that exist only as bytes (onGap's answer, an
 * end position), decoded.
 */
export type Part = Frame | Uint8Array;

const DONE: IteratorResult<SSEMessage> = Object.freeze({ done: true, value: undefined });

/**
 * The sink behind hand iteration: queues what is written, counts it as
 * `queued` (so `maxQueued` holds as for a stream), and calls `whenDrained`'s
 * wish when the consumer took everything and asks for more.
 */
export class PullSink implements PushSink, AsyncIterator<SSEMessage> {
  readonly #source: PushSource;
  readonly #ctx: SSEContext;
  #parts: Part[] = [];
  #queued = 0;
  #messages: SSEMessage[] = [];
  #at = 0;
  #started = false;
  #closed = false;
  /** "done" came: the iteration ends once what is queued is taken. */
  #ending = false;
  #error: { error: unknown } | undefined;
  #drained: (() => void) | undefined;
  #waiter:
    | { resolve: (result: IteratorResult<SSEMessage>) => void; reject: (error: unknown) => void }
    | undefined;
  #cleanup: ((reason: SSECloseReason) => void) | undefined;
  readonly #onAbort = (): void => this.#finish("abort");

  constructor(source: PushSource, ctx: SSEContext) {
    this.#source = source;
    this.#ctx = ctx;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  // ------------------------------------------------------------ PushSink

  get queued(): number {
    return this.#queued;
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(bytes: Uint8Array): void {
    this.writeParts(bytes, [bytes]);
  }

  /** Writes bytes with the frames (or raw bytes) they are made of; only the parts are read. */
  writeParts(bytes: Uint8Array, parts: readonly Part[]): void {
    if (this.#closed || this.#ending) return;
    for (const part of parts) this.#parts.push(part);
    this.#queued += bytes.length;
    this.#wake();
  }

  whenDrained(callback: () => void): void {
    if (this.#closed) return;
    this.#drained = callback;
    if (this.#parts.length === 0 && this.#waiter !== undefined) this.#drain();
  }

  end(reason: "done" | "slow" | "abort"): void {
    if (this.#closed || this.#ending) return;
    if (reason === "done") this.#ending = true;
    else {
      // An iterator cannot be told why: it ends, and what was queued goes with it.
      this.#parts = [];
      this.#queued = 0;
      this.#finish(reason);
    }
    this.#wake();
  }

  fail(error: unknown): void {
    if (this.#closed) return;
    this.#error = { error };
    this.#parts = [];
    this.#queued = 0;
    this.#finish("error");
    this.#wake();
  }

  // ------------------------------------------------------------ AsyncIterator

  next(): Promise<IteratorResult<SSEMessage>> {
    if (!this.#started) this.#start();
    const now = this.#answer();
    if (now !== undefined) return now;
    // Nothing queued: the source may have more to write once asked (a replay window).
    this.#drain();
    return (
      this.#answer() ??
      new Promise((resolve, reject) => {
        this.#waiter = { resolve, reject };
      })
    );
  }

  return(): Promise<IteratorResult<SSEMessage>> {
    this.#messages = [];
    this.#parts = [];
    this.#queued = 0;
    this.#finish("abort");
    return Promise.resolve(DONE);
  }

  #start(): void {
    this.#started = true;
    const signal = this.#ctx?.signal;
    if (signal?.aborted) {
      this.#closed = true;
      return;
    }
    signal?.addEventListener("abort", this.#onAbort);
    this.#cleanup = this.#source[PUSH](this, this.#ctx);
  }

  /** The next result when one is ready now: a message, the error, or the end. */
  #answer(): Promise<IteratorResult<SSEMessage>> | undefined {
    if (this.#at < this.#messages.length) {
      const value = this.#messages[this.#at++] as SSEMessage;
      return Promise.resolve({ done: false, value });
    }
    if (this.#error !== undefined) {
      const { error } = this.#error;
      this.#error = undefined;
      return Promise.reject(error);
    }
    if (this.#parts.length > 0) {
      this.#take();
      return this.#answer();
    }
    if (this.#closed || this.#ending) {
      this.#finish("done");
      return Promise.resolve(DONE);
    }
    return undefined;
  }

  /** Everything queued becomes messages at once: one wake per burst, not one per event. */
  #take(): void {
    const messages: SSEMessage[] = [];
    for (const part of this.#parts) {
      if (part instanceof Uint8Array) messages.push(...decodeFrames(part));
      else messages.push(messageOf(part.record));
    }
    this.#parts = [];
    this.#queued = 0;
    this.#messages = messages;
    this.#at = 0;
  }

  #drain(): void {
    const drained = this.#drained;
    this.#drained = undefined;
    drained?.();
  }

  /** Answers a waiting `next()` when there is something to answer. */
  #wake(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    const answer = this.#answer();
    if (answer === undefined) return;
    this.#waiter = undefined;
    answer.then(waiter.resolve, waiter.reject);
  }

  /** The iteration is over: the source lets go (once), the signal is no longer watched. */
  #finish(reason: SSECloseReason): void {
    this.#closed = true;
    this.#drained = undefined;
    this.#ctx?.signal?.removeEventListener("abort", this.#onAbort);
    const cleanup = this.#cleanup;
    this.#cleanup = undefined;
    cleanup?.(reason);
    if (reason === "abort" && this.#waiter !== undefined && this.#parts.length === 0) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve(DONE);
    }
  }
}
