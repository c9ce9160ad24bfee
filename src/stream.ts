/**
 * `sseStream`: a stream that ends the same way whatever ends it. The parts
 * each have their own file: the pull loop (`pull.ts`), the push path
 * (`push.ts`), the timer state (`timers.ts`) and its rules (`policy.ts`).
 *
 * @module
 */
import { concat } from "./check.ts";
import { StreamContext } from "./context.ts";
import { encodeEvent } from "./encode.ts";
import { EncodedEvent } from "./encoded.ts";
import { lastEventId } from "./last-event-id.ts";
import {
  type ResolvedOptions,
  resolveOptions,
  type SSECloseReason,
  type SSEStreamOptions,
} from "./options.ts";
import type { PolicyAction } from "./policy.ts";
import { systemClock } from "./policy.ts";
import { COMMENT, Puller, type PullHost } from "./pull.ts";
import { PUSH, type PushSink, type PushSource } from "./push.ts";
import { checkSource, type SSEContext, type SSEIterable } from "./source.ts";
import { StreamTimers, type TimerHost } from "./timers.ts";

/** What `sseStream` and `sseResponse` accept: an iterable of messages, or a function of ctx returning one. */
export type SSESource = SSEIterable | ((ctx: SSEContext) => SSEIterable | Promise<SSEIterable>);

const encoder = new TextEncoder();

/** What a connection holds while nothing is held: shared, never written to. */
const NO_BYTES: Uint8Array[] = [];

/** Counts a chunk's bytes, so `desiredSize` is minus the bytes the client has not taken. */
function byteLength(chunk: Uint8Array): number {
  return chunk.byteLength;
}

/** The push sink handed to a push source: a thin face over its connection. */
class Sink implements PushSink {
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  write(bytes: Uint8Array): void {
    const connection = this.#connection;
    if (!connection.closed) connection.pushWrite(bytes);
  }

  get queued(): number {
    return this.#connection.queued;
  }

  get closed(): boolean {
    return this.#connection.closed;
  }

  whenDrained(callback: () => void): void {
    this.#connection.whenDrained(callback);
  }

  end(reason: "done" | "slow" | "abort"): void {
    this.#connection.finish(reason);
  }

  fail(error: unknown): void {
    if (!this.#connection.closed) this.#connection.fail(error).catch(() => {});
  }
}

/**
 * One SSE connection: the ReadableStream's underlying source itself
 * (`start`/`pull`/`cancel`). It owns how the stream ends; the pull loop, the
 * push path and the timers report to it. A connection costs this object, its
 * ctx, one timer and the stream, plus a Puller (with its batch and watchdog)
 * while it pulls: no promise or closure per event. A push source lets go of
 * the Puller once it is open, and the ctx makes its AbortController only for
 * a source that reads `ctx.signal`: an idle hub subscriber holds neither.
 */
class Connection implements UnderlyingDefaultSource<Uint8Array>, PullHost, TimerHost {
  readonly #options: ResolvedOptions;
  readonly #ctx: StreamContext;
  readonly #timers: StreamTimers;
  /** Pulls the source; opens it too, and is let go of once a push source took over. */
  #puller: Puller | undefined;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  closed = false;
  wrote = false;
  /** A read is pending with nothing queued: the client waits on the source. */
  #clientWaiting = false;
  /** The stream has ended; the body closes when the client comes for the rest. */
  #closing = false;
  #pushing = false;
  /**
   * Push path: bytes written while the client was not waiting, handed over as
   * one chunk when it next asks. A fan-out delivers events one by one; a
   * runtime writes each chunk to the socket on its own (@hono/node-server: one
   * write per chunk), so a burst that reaches a busy client goes out in one
   * write instead of one per event.
   */
  #held: Uint8Array[] = NO_BYTES;
  #heldBytes = 0;
  #cleanup: ((reason: SSECloseReason) => void) | undefined;
  #drained: (() => void) | undefined;
  #reason: SSECloseReason | undefined;
  readonly #onSignal = (): void => this.finish("abort");

  constructor(source: unknown, options: ResolvedOptions) {
    this.#options = options;
    const request = options.request;
    this.#ctx = new StreamContext(request === undefined ? undefined : lastEventId(request));
    this.#timers = new StreamTimers(options, options.clock ?? systemClock, this);
    this.#puller = new Puller(this, source, this.#ctx, options.serialize);
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
    const { signal, request, retry } = this.#options;
    if (signal?.aborted || request?.signal?.aborted) {
      this.finish("abort");
      return;
    }
    signal?.addEventListener("abort", this.#onSignal);
    request?.signal?.addEventListener("abort", this.#onSignal);
    this.#timers.start();
    // The retry line doubles as the first chunk that makes every runtime send the head now.
    if (retry !== undefined) this.write(encoder.encode(`retry: ${retry}\n\n`));
  }

  pull(): Promise<void> | undefined {
    // A pull means the client took everything queued and asks for more.
    this.#clientWaiting = true;
    this.#timers.asked();
    if (this.#closing) {
      this.#closeBody();
      return;
    }
    if (this.closed) return;
    if (this.#pushing) {
      if (this.#heldBytes > 0) {
        // The client takes what came while it was busy, in one chunk; it has
        // not drained until it asks again.
        this.#release();
        return;
      }
      const drained = this.#drained;
      this.#drained = undefined;
      drained?.();
      return;
    }
    return this.#puller?.pull();
  }

  cancel(): void {
    if (this.closed) {
      // Ended already, its body waiting for the client to come for the rest:
      // the client is gone instead, so nothing is left to close or time.
      this.#closing = false;
      this.#timers.stop();
      return;
    }
    this.finish("cancel");
  }

  /** Hands bytes to the body: to a waiting read at once, or queued. */
  write(bytes: Uint8Array): void {
    try {
      this.#controller.enqueue(bytes);
    } catch {
      // The body was closed or errored under us (a runtime that tore it down
      // without cancel()): the client is gone, end like a cancel. This also
      // keeps the watchdog's microtask from ever rejecting.
      this.finish("cancel");
      return;
    }
    this.wrote = true;
    this.#clientWaiting = false;
    // With a high-water mark of 0, a chunk that went straight to a waiting read
    // leaves desiredSize at 0; below 0 it sits in the queue until the client reads.
    this.#timers.wrote((this.#controller.desiredSize ?? 0) < 0);
  }

  /** Push path: to a waiting read at once, else held until the client asks. */
  pushWrite(bytes: Uint8Array): void {
    if (this.#clientWaiting) {
      this.write(bytes);
      return;
    }
    if (this.#held.length === 0) this.#held = [bytes];
    else this.#held.push(bytes);
    this.#heldBytes += bytes.byteLength;
    this.wrote = true;
    this.#timers.wrote(true);
  }

  /** Hands the held bytes to the body as one chunk. */
  #release(): void {
    const held = this.#held;
    const size = this.#heldBytes;
    this.#held = NO_BYTES;
    this.#heldBytes = 0;
    this.write(concat(held, size));
  }

  /** Bytes written but not yet taken by the client. */
  get queued(): number {
    return Math.max(0, -(this.#controller.desiredSize ?? 0)) + this.#heldBytes;
  }

  owe(): void {
    if (!this.#clientWaiting) this.#timers.owe();
  }

  owed(): boolean {
    return (
      this.#closing ||
      this.#heldBytes > 0 ||
      this.#puller?.ready === true ||
      (this.#controller.desiredSize ?? 0) < 0
    );
  }

  done(): void {
    this.finish("done");
  }

  act(action: PolicyAction): void {
    if (action === "keepalive") this.write(COMMENT);
    else if (action === "drop") this.#drop("timeout");
    else this.finish(action);
  }

  push(source: PushSource): void {
    this.#pushing = true;
    // The source is open and pushes: the pull machinery (and the source
    // function, with whatever it holds) is garbage from here on.
    this.#puller = undefined;
    let cleanup: (reason: SSECloseReason) => void;
    try {
      cleanup = source[PUSH](new Sink(this), this.#ctx);
    } catch (error) {
      this.fail(error).catch(() => {});
      return;
    }
    if (this.closed) {
      // It ended the stream from inside [PUSH]: undo what it set up now.
      callOnce(cleanup, this.#reason as SSECloseReason);
      return;
    }
    this.#cleanup = cleanup;
    // Runtimes hold the head back until the first chunk.
    if (!this.wrote) this.write(COMMENT);
  }

  whenDrained(callback: () => void): void {
    if (this.closed) return;
    if (this.#clientWaiting) callback();
    else this.#drained = callback;
  }

  /** The source threw (or yielded what cannot be encoded): onError may send a last event. */
  async fail(error: unknown): Promise<void> {
    const onError = this.#options.onError;
    if (onError === undefined) {
      report(error);
    } else {
      let last: Uint8Array | undefined;
      try {
        const chunk = await onError(error);
        if (chunk !== undefined) {
          last =
            chunk instanceof EncodedEvent
              ? chunk.bytes
              : encoder.encode(encodeEvent(chunk as never, { serialize: this.#options.serialize }));
        }
      } catch {
        // onError threw or returned an invalid message: nothing more is sent.
      }
      if (this.closed) return;
      if (last !== undefined) {
        if (this.#heldBytes > 0) this.#release();
        this.write(last);
      }
    }
    this.finish("error");
  }

  /** Ends the stream once: timers, signals, source, ctx.signal, the body, onClose. */
  finish(reason: SSECloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.#reason = reason;
    const { signal, request, onClose } = this.#options;
    signal?.removeEventListener("abort", this.#onSignal);
    request?.signal?.removeEventListener("abort", this.#onSignal);
    const why = new DOMException(`The SSE stream ended (${reason})`, "AbortError");
    this.#ctx.end(why);
    this.#puller?.close(why);
    const cleanup = this.#cleanup;
    this.#cleanup = undefined;
    this.#drained = undefined;
    if (cleanup !== undefined) callOnce(cleanup, reason);
    if (reason === "cancel") {
      this.#held = NO_BYTES;
      this.#heldBytes = 0;
      this.#timers.stop();
    } else if (reason === "timeout" || reason === "slow") {
      this.#held = NO_BYTES;
      this.#heldBytes = 0;
      // The client takes nothing: drop what waits for it and let the runtime close the socket.
      this.#drop(reason);
    } else {
      // What was ready goes out, then the body closes when the client comes
      // for it; a client that never does is dropped after sendTimeout, so a
      // stalled client never holds its connection.
      this.#puller?.flush();
      if (this.#heldBytes > 0) this.#release();
      if (this.#clientWaiting || this.#options.sendTimeout === 0) this.#closeBody();
      else {
        this.#closing = true;
        this.#timers.end();
      }
    }
    try {
      onClose?.(reason);
    } catch {
      // An onClose that throws must not break the stream's end; nothing to report to.
    }
  }

  #closeBody(): void {
    this.#closing = false;
    this.#timers.stop();
    // One macrotask later, not now: Bun 1.4.5 answers a body that has already
    // closed when it writes the head with a Content-Length (`sseResponse([])`
    // would go out as `Content-Length: 0`, a header an event stream must never
    // carry); a microtask is not enough. Every other runtime streams it the
    // same either way.
    // A closure made now rather than a bound field: every connection ends once, most live long.
    setTimeout(() => this.#closeNow(), 0);
  }

  #closeNow(): void {
    try {
      this.#controller.close();
    } catch {
      // Already closed, cancelled or errored by the runtime.
    }
  }

  /**
   * Errors the body: the only way a body can make every runtime let go of a
   * socket that does not drain. (@hono/node-server logs the error with
   * console.error; the one error it logs quietly, a premature close, it does
   * not destroy the socket for, so the message is made to read as what happened.)
   */
  #drop(why: "timeout" | "slow"): void {
    this.#closing = false;
    this.#timers.stop();
    const message =
      why === "slow"
        ? "web-sse dropped a client too slow for its stream (maxQueued)"
        : `web-sse dropped a client that took no bytes for ${this.#options.sendTimeout} ms (sendTimeout)`;
    try {
      this.#controller.error(new DOMException(message, "TimeoutError"));
    } catch {
      // Already closed or errored by the runtime.
    }
  }
}

function callOnce(cleanup: (reason: SSECloseReason) => void, reason: SSECloseReason): void {
  try {
    cleanup(reason);
  } catch (error) {
    report(error);
  }
}

/** Without onError, a failing source is reported on the server; the client gets nothing of it. */
function report(error: unknown): void {
  console.error(
    "web-sse: the source failed and the stream ended (pass onError to handle it):",
    error,
  );
}

/**
 * The whole body of an SSE response: UTF-8 text/event-stream bytes pulled from
 * `source` only as fast as the client reads.
 *
 * The source may be an async generator, a sync iterable, a ReadableStream of
 * messages, or a function of `ctx` returning one (or a promise of one). Events
 * that are ready together share one chunk; an event yielded while the client
 * waits goes out at once. Client disconnect, `signal`, `sendTimeout` and
 * `maxDuration` all end the stream the same way: timers cleared, the source
 * returned or cancelled, `ctx.signal` aborted, `onClose` called once.
 *
 * @param source - What to stream.
 * @param options - See {@link SSEStreamOptions}. A body has no status or
 * headers: set them on the Response you build ({@link sseHeaders} gives the
 * event-stream defaults), or use {@link sseResponse}.
 * @returns A ReadableStream to use as a Response body.
 * @throws TypeError or RangeError for an invalid source or option, at the call.
 *
 * @example A body for any Response
 * ```ts
 * import { sleep, sseHeaders, sseStream } from "web-sse";
 *
 * export default {
 *   fetch(request: Request): Response {
 *     const body = sseStream(async function* ({ signal }) {
 *       for (let n = 1; !signal.aborted; n++) {
 *         yield { id: n, data: { n } };
 *         await sleep(1000, signal);
 *       }
 *     }, { request });
 *     return new Response(body, { headers: sseHeaders() });
 *   },
 * };
 * ```
 */
export function sseStream(
  source: SSESource,
  options?: SSEStreamOptions,
): ReadableStream<Uint8Array> {
  const resolved = resolveOptions(options);
  checkSource(source);
  return streamFrom(source, resolved);
}

/**
 * Builds the stream from options already checked (for callers that check once, early).
 *
 * @internal
 */
export function streamFrom(source: unknown, options: ResolvedOptions): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(new Connection(source, options), {
    highWaterMark: 0,
    size: byteLength,
  });
}
