/**
 * The pull loop: the WHATWG `ReadableStreamFromIterable` steps (pull = `next()`,
 * then enqueue or close; cancel = `return()`), plus batching of what is ready
 * together.
 *
 * @module
 */

import { Batch, type BatchItem } from "./batch.ts";
import { encodeComment, encodeForStream } from "./encode.ts";
import { EncodedEvent } from "./encoded.ts";
import { isPushSource, type PushSource } from "./push.ts";
import {
  type Cursor,
  closeOpened,
  closeUnopened,
  type Opened,
  openSource,
  type SSEContext,
} from "./source.ts";
import { type QuietHost, Watchdog, whenQuiet } from "./watchdog.ts";

/** A comment: the first bytes when the source has nothing yet, so every runtime sends the head. */
export const COMMENT: Uint8Array = new TextEncoder().encode(encodeComment());

/** What the pull loop writes to and ends: the stream. */
export interface PullHost {
  /** The stream has ended: nothing more is written. */
  readonly ended: boolean;
  /** Bytes have been written since the stream started. */
  readonly wrote: boolean;
  write(bytes: Uint8Array): void;
  /** Something is ready for a client that has not asked for it (the send timeout counts). */
  owe(): void;
  /** The source finished. */
  done(): void;
  /** The source threw, or yielded what cannot be encoded. */
  fail(error: unknown): Promise<void>;
  /** The source turned out to push (see `push.ts`): the stream takes it from here. */
  push(source: PushSource): void;
}

type Step = IteratorResult<unknown> | Promise<IteratorResult<unknown>>;

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

function noop(): void {}

/**
 * Pulls a source as fast as the client reads. One pull sends one chunk: the
 * events the source has ready, until it makes the pull loop wait (then the
 * {@link Watchdog} sends what is batched) or the batch is full.
 *
 * Which side waits: in `pull()` the client waits and the loop waits on the
 * source; between pulls the source may be ahead (an event ready, or one step
 * taken ahead) while the client has not asked, which is what the send
 * timeout counts.
 */
export class Puller implements QuietHost {
  readonly #host: PullHost;
  readonly #source: unknown;
  readonly #ctx: SSEContext;
  readonly #encodeOptions: { serialize: (data: unknown) => string } | undefined;
  readonly #batch = new Batch();
  /** Made the first time the loop waits on the source: a push source never needs one. */
  #watchdog: Watchdog | undefined;
  #cursor: Cursor | undefined;
  #opening = false;
  /** A pull is in progress: the client waits for a chunk. */
  #pulling = false;
  #resolvePull: (() => void) | undefined;
  /** A `next()` that has not answered yet (awaited by a pull, or taken ahead of one). */
  #inFlight = false;
  /** A step that answered while no pull waited for it: ready for the client's next read. */
  #ready: IteratorResult<unknown> | undefined;
  #readyError: { error: unknown } | undefined;
  /** Inside a synchronous `next()`: a generator running now cannot be returned until it yields. */
  #inNext = false;
  #closeAfterNext = false;
  #closeReason: unknown;

  constructor(
    host: PullHost,
    source: unknown,
    ctx: SSEContext,
    serialize: ((data: unknown) => string) | undefined,
  ) {
    this.#host = host;
    this.#source = source;
    this.#ctx = ctx;
    this.#encodeOptions = serialize === undefined ? undefined : { serialize };
  }

  /** Whether something is ready for the client and waits for its next read. */
  get ready(): boolean {
    return !this.#batch.empty || this.#ready !== undefined || this.#readyError !== undefined;
  }

  /**
   * The client asks for more: answers with one chunk, or ends the stream.
   * Returns a promise only when the source makes it wait.
   */
  pull(): Promise<void> | undefined {
    this.#pulling = true;
    if (this.#cursor === undefined) {
      if (this.#opening) return this.#parked();
      this.#open();
    } else {
      this.#resume();
    }
    return this.#pulling ? this.#parked() : undefined;
  }

  /** Sends what is batched. */
  flush(): void {
    const bytes = this.#batch.take();
    if (bytes !== undefined) this.#host.write(bytes);
  }

  /**
   * The stream ended: returns the iterator or cancels the stream, whether it
   * was opened or not (a source function not yet called is not called).
   */
  close(reason: unknown): void {
    this.#closeReason = reason;
    if (this.#cursor !== undefined) {
      if (this.#inNext) this.#closeAfterNext = true;
      else this.#cursor.close(reason);
    } else if (!this.#opening) {
      closeUnopened(this.#source, reason);
    }
    // While opening, #opened closes what arrives.
    this.#answer();
  }

  #parked(): Promise<void> {
    // A short-lived executor per wait: only the resolve function outlives it.
    return new Promise<void>((resolve) => {
      this.#resolvePull = resolve;
    });
  }

  /** The pull is answered: a chunk went out, or the stream ended. */
  #answer(): void {
    this.#pulling = false;
    const resolve = this.#resolvePull;
    this.#resolvePull = undefined;
    resolve?.();
  }

  /** Opens the source on the first pull. */
  #open(): void {
    let opened: Opened | Promise<Opened>;
    try {
      opened = openSource(this.#source, this.#ctx);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (!isPromise(opened)) {
      this.#opened(opened);
      return;
    }
    // A source function that awaits before returning its source must not
    // hold the head back either: the watchdog writes the opening comment.
    this.#opening = true;
    const watchdog = this.#dog();
    if (!this.#host.wrote) watchdog.watch();
    watchdog.sourceBusy();
    // Closures, not bound fields: an opening happens once, and most sources open synchronously.
    opened.then(
      (late) => this.#openedLate(late),
      (error: unknown) => this.#openFailed(error),
    );
  }

  #openedLate(opened: Opened): void {
    this.#opening = false;
    this.#watchdog?.sourceAnswered();
    if (this.#host.ended) closeOpened(opened, this.#closeReason);
    else this.#opened(opened);
  }

  #openFailed(error: unknown): void {
    this.#opening = false;
    this.#watchdog?.sourceAnswered();
    if (!this.#host.ended) this.#fail(error);
  }

  #opened(opened: Opened): void {
    // A source function that ended the stream while it ran (it aborted the signal).
    if (this.#host.ended) {
      closeOpened(opened, this.#closeReason);
      this.#answer();
      return;
    }
    if (isPushSource(opened)) {
      this.#answer();
      this.#host.push(opened);
      return;
    }
    this.#cursor = opened;
    if (this.#pulling) this.#resume();
  }

  /** A pull takes what is ready first, then waits on a step in flight, then asks the source. */
  #resume(): void {
    const error = this.#readyError;
    if (error !== undefined) {
      this.#readyError = undefined;
      this.#fail(error.error);
      return;
    }
    const ready = this.#ready;
    if (ready !== undefined) {
      this.#ready = undefined;
      if (!this.#take(ready)) return;
    }
    if (this.#inFlight) this.#waitOnSource();
    else this.#run();
  }

  /** The loop: steps while the source answers synchronously; subscribes to the first that does not. */
  #run(): void {
    const host = this.#host;
    const cursor = this.#cursor as Cursor;
    for (;;) {
      let step: Step;
      try {
        step = this.#next(cursor);
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (isPromise(step)) {
        this.#inFlight = true;
        step.then(this.#onStep, this.#onStepFailed);
        this.#waitOnSource();
        return;
      }
      // The source ended the stream from inside its next().
      if (host.ended) {
        this.#answer();
        return;
      }
      if (!this.#take(step)) return;
    }
  }

  /**
   * The pull waits on the source. Something to send (or nothing sent yet,
   * while some runtimes hold the head back until the first chunk): the
   * watchdog sends it if the source does not answer within a few microtasks.
   */
  #waitOnSource(): void {
    const watchdog = this.#dog();
    if (!this.#batch.empty || !this.#host.wrote) watchdog.watch();
    watchdog.sourceBusy();
  }

  #dog(): Watchdog {
    let watchdog = this.#watchdog;
    if (watchdog === undefined) watchdog = this.#watchdog = new Watchdog(this);
    return watchdog;
  }

  readonly #onStep = (step: IteratorResult<unknown>): void => {
    this.#inFlight = false;
    this.#watchdog?.sourceAnswered();
    if (this.#host.ended) return;
    if (!this.#pulling) {
      // Answered after the pull did (the watchdog sent a chunk) or ahead of
      // one: it waits for the client's next read, and the send timeout counts.
      this.#ready = step;
      this.#host.owe();
      return;
    }
    if (this.#take(step)) this.#run();
  };

  readonly #onStepFailed = (error: unknown): void => {
    this.#inFlight = false;
    this.#watchdog?.sourceAnswered();
    if (this.#host.ended) return;
    if (!this.#pulling) {
      this.#readyError = { error };
      this.#host.owe();
      return;
    }
    this.#fail(error);
  };

  /**
   * Takes one answered step into the batch. Returns true to go on pulling,
   * false when this pull is answered (or the stream ended).
   */
  #take(step: IteratorResult<unknown>): boolean {
    const host = this.#host;
    if (step.done) {
      this.flush();
      this.#answer();
      host.done();
      return false;
    }
    const value = step.value;
    if (value instanceof EncodedEvent) {
      this.flush();
      host.write(value.bytes);
      this.#answerAhead();
      return false;
    }
    let text: BatchItem;
    try {
      text = encodeForStream(value as never, this.#encodeOptions);
    } catch (error) {
      this.#fail(error);
      return false;
    }
    const batch = this.#batch;
    if (batch.overflows(text)) {
      // What is held goes first, alone; this event waits for the next read.
      this.flush();
      batch.add(text);
      this.#answer();
      host.owe();
      return false;
    }
    batch.add(text);
    if (batch.full) {
      this.flush();
      this.#answerAhead();
      return false;
    }
    return true;
  }

  /**
   * Answers the pull, then takes the next step before the client asks, so a
   * source with more to send and a client that does not read show as such
   * (the send timeout counts) even with keepalive off. One step ahead only:
   * backpressure holds.
   */
  #answerAhead(): void {
    this.#answer();
    const host = this.#host;
    if (host.ended) return;
    let step: Step;
    try {
      step = this.#next(this.#cursor as Cursor);
    } catch (error) {
      this.#readyError = { error };
      host.owe();
      return;
    }
    if (isPromise(step)) {
      if (host.ended) {
        step.catch(noop);
        return;
      }
      this.#inFlight = true;
      step.then(this.#onStep, this.#onStepFailed);
    } else if (!host.ended) {
      this.#ready = step;
      host.owe();
    }
  }

  /** The source threw, or yielded what cannot be encoded: what was ready goes out, then onError. */
  #fail(error: unknown): void {
    if (this.#host.ended) {
      this.#answer();
      return;
    }
    this.flush();
    const answer = (): void => this.#answer();
    this.#host.fail(error).then(answer, answer);
  }

  /** `next()`, closing the cursor right after when the stream ended from inside it. */
  #next(cursor: Cursor): Step {
    this.#inNext = true;
    try {
      return cursor.next();
    } finally {
      this.#inNext = false;
      if (this.#closeAfterNext) {
        this.#closeAfterNext = false;
        cursor.close(this.#closeReason);
      }
    }
  }

  /**
   * The source has been quiet for a few microtasks while a pull waits on it:
   * what is batched goes out and answers the pull. Only a chunk actually sent
   * answers it; with nothing to send (a chain left over from an earlier pull)
   * the pull just goes on waiting.
   */
  quiet(): void {
    const host = this.#host;
    if (host.ended || !this.#pulling) return;
    const send = whenQuiet(this.#batch.empty, host.wrote);
    if (send === "wait") return;
    if (send === "batch") this.flush();
    else host.write(COMMENT);
    this.#answer();
  }
}
