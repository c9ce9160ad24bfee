/**
 * One SSE connection: how a stream ends, whatever ends it. The pull loop
 * (`pull.ts`), the push path (`push.ts`) and the timers (`timers.ts`) report
 * to it; it writes to a {@link Body} without knowing which one.
 *
 * @module
 */
import type { Body, BodyHost } from "./body.ts";
import { concat } from "./check.ts";
import { StreamContext } from "./context.ts";
import { encodeEvent } from "./encode.ts";
import { EncodedEvent } from "./encoded.ts";
import { NO_BYTES } from "./heap.ts";
import { type ResolvedOptions, type SSECloseReason, shareOptions } from "./options.ts";
import { type PolicyAction, systemClock } from "./policy.ts";
import { COMMENT, Puller, type PullHost } from "./pull.ts";
import { PUSH, type PushSink, type PushSource } from "./push.ts";
import { StreamTimers, type TimerHost } from "./timers.ts";

const encoder = new TextEncoder();

/**
 * Where a connection is in its life:
 * - `open`: streaming;
 * - `ending`: the stream has ended (`onClose` was called) and the body waits
 *   for the client to take the last bytes, or for `sendTimeout` to drop it;
 * - `closed`: the body is closed or dropped, or the client left; no timer is left.
 */
export type ConnectionState = "open" | "ending" | "closed";

/** Bytes have been handed to the body (or held for the client). */
const WROTE = 1;
/** The client has taken everything and waits on the source. */
const CLIENT_WAITING = 2;
/** A push source took over from the pull loop. */
const PUSHING = 4;

/** The push sink handed to a push source: a thin face over its connection. */
class Sink implements PushSink {
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  write(bytes: Uint8Array): void {
    const connection = this.#connection;
    if (!connection.ended) connection.pushWrite(bytes);
  }

  get queued(): number {
    return this.#connection.queued;
  }

  get closed(): boolean {
    return this.#connection.ended;
  }

  whenDrained(callback: () => void): void {
    this.#connection.whenDrained(callback);
  }

  end(reason: "done" | "slow" | "abort"): void {
    this.#connection.finish(reason);
  }

  fail(error: unknown): void {
    if (!this.#connection.ended) this.#connection.fail(error).catch(() => {});
  }
}

/**
 * One SSE connection. It costs this object, its ctx, its timer state and the
 * body, plus a Puller (with its batch and watchdog) while it pulls: no
 * promise or closure per event (see `heap.ts` for the rules that keep it so).
 */
export class Connection implements BodyHost, PullHost, TimerHost {
  readonly #options: ResolvedOptions;
  readonly #ctx: StreamContext;
  readonly #timers: StreamTimers;
  /** Pulls the source; opens it too, and is let go of once a push source took over. */
  #puller: Puller | undefined;
  #body!: Body;
  #state: ConnectionState = "open";
  /** Which of {@link WROTE}, {@link CLIENT_WAITING}, {@link PUSHING} hold: one field, not three (see `heap.ts`). */
  #flags = 0;
  /**
   * Push path: bytes written while the client was not waiting, handed over as
   * one chunk when it next asks. A fan-out delivers events one by one; a
   * runtime writes each chunk to the socket on its own, so a burst that
   * reaches a busy client goes out in one write instead of one per event.
   */
  #held: Uint8Array[] = NO_BYTES;
  #heldBytes = 0;
  #cleanup: ((reason: SSECloseReason) => void) | undefined;
  #drained: (() => void) | undefined;
  #reason: SSECloseReason | undefined;
  /** Made only for a stream with a signal to listen to (see `heap.ts`). */
  #onSignal: (() => void) | undefined;

  /**
   * @param source - A source already checked.
   * @param options - Options already resolved.
   * @param lastEventId - The client's `Last-Event-ID`, decoded.
   */
  constructor(source: unknown, options: ResolvedOptions, lastEventId: string | undefined) {
    this.#options = shareOptions(options);
    this.#ctx = new StreamContext(lastEventId);
    this.#timers = new StreamTimers(this.#options, options.clock ?? systemClock, this);
    this.#puller = new Puller(this, source, this.#ctx, options.serialize);
  }

  /** Bytes have been handed to the body (or held for the client). */
  get wrote(): boolean {
    return (this.#flags & WROTE) !== 0;
  }

  /** Where the connection is in its life. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The stream has ended (whatever ended it): nothing more is written. */
  get ended(): boolean {
    return this.#state !== "open";
  }

  /** The body is ready: the stream starts. */
  open(body: Body): void {
    this.#body = body;
    const { signal, request, retry } = this.#options;
    if (signal?.aborted || request?.signal?.aborted) {
      this.finish("abort");
      return;
    }
    if (signal !== undefined || request?.signal !== undefined) {
      const onSignal = (): void => this.finish("abort");
      this.#onSignal = onSignal;
      signal?.addEventListener("abort", onSignal);
      request?.signal?.addEventListener("abort", onSignal);
    }
    this.#timers.start();
    // The retry line doubles as the first chunk that makes every runtime send the head now.
    if (retry !== undefined) this.write(encoder.encode(`retry: ${retry}\n\n`));
  }

  pull(): Promise<void> | undefined {
    this.#flags |= CLIENT_WAITING;
    this.#timers.asked();
    const state = this.#state;
    if (state === "ending") {
      this.closeBody();
      return;
    }
    if (state === "closed") return;
    if ((this.#flags & PUSHING) !== 0) {
      if (this.#heldBytes > 0) {
        // The client takes what came while it was busy, in one chunk; it has
        // not drained until it asks again.
        this.release();
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
    if (this.#state === "ending") {
      // Its body waited for the client to take the rest: the client is gone
      // instead, so nothing is left to close or time.
      this.#state = "closed";
      this.#timers.stop();
      return;
    }
    this.finish("cancel");
  }

  /** Hands bytes to the body. */
  write(bytes: Uint8Array): void {
    this.#flags = (this.#flags & ~CLIENT_WAITING) | WROTE;
    this.#body.write(bytes);
    // The body may have found its consumer gone (and cancelled) while writing.
    if (this.#state === "closed") return;
    this.#timers.wrote(this.#body.backlog > 0);
  }

  /** Push path: to a waiting client at once, else held until it asks. */
  pushWrite(bytes: Uint8Array): void {
    if ((this.#flags & CLIENT_WAITING) !== 0) {
      this.write(bytes);
      return;
    }
    if (this.#held.length === 0) this.#held = [bytes];
    else this.#held.push(bytes);
    this.#heldBytes += bytes.byteLength;
    this.#flags |= WROTE;
    this.#timers.wrote(true);
  }

  /** Hands the held bytes to the body as one chunk. */
  private release(): void {
    const chunk = concat(this.#held, this.#heldBytes);
    this.#held = NO_BYTES;
    this.#heldBytes = 0;
    this.write(chunk);
  }

  /** Bytes written but not yet taken by the client. */
  get queued(): number {
    return this.#body.backlog + this.#heldBytes;
  }

  owe(): void {
    if ((this.#flags & CLIENT_WAITING) === 0) this.#timers.owe();
  }

  owed(): boolean {
    return (
      this.#state === "ending" ||
      this.#heldBytes > 0 ||
      this.#puller?.ready === true ||
      this.#body.backlog > 0
    );
  }

  done(): void {
    this.finish("done");
  }

  act(action: PolicyAction): void {
    if (action === "keepalive") this.write(COMMENT);
    else if (action === "drop") this.drop("timeout");
    else this.finish(action);
  }

  push(source: PushSource): void {
    this.#flags |= PUSHING;
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
    if (this.ended) {
      // It ended the stream from inside [PUSH]: undo what it set up now.
      callOnce(cleanup, this.#reason as SSECloseReason);
      return;
    }
    this.#cleanup = cleanup;
    // Runtimes hold the head back until the first chunk.
    if (!this.wrote) this.write(COMMENT);
  }

  whenDrained(callback: () => void): void {
    if (this.ended) return;
    if ((this.#flags & CLIENT_WAITING) !== 0) callback();
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
      if (this.ended) return;
      if (last !== undefined) {
        if (this.#heldBytes > 0) this.release();
        this.write(last);
      }
    }
    this.finish("error");
  }

  /** Ends the stream once: timers, signals, source, ctx.signal, the body, onClose. */
  finish(reason: SSECloseReason): void {
    if (this.#state !== "open") return;
    this.#state = "ending";
    this.#reason = reason;
    const { signal, request, onClose } = this.#options;
    const onSignal = this.#onSignal;
    if (onSignal !== undefined) {
      this.#onSignal = undefined;
      signal?.removeEventListener("abort", onSignal);
      request?.signal?.removeEventListener("abort", onSignal);
    }
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
      this.#state = "closed";
      this.#timers.stop();
    } else if (reason === "timeout" || reason === "slow") {
      this.#held = NO_BYTES;
      this.#heldBytes = 0;
      // The client takes nothing: drop what waits for it and let the runtime close the socket.
      this.drop(reason);
    } else {
      // What was ready goes out, then the body closes when the client comes
      // for it; a client that never does is dropped after sendTimeout, so a
      // stalled client never holds its connection.
      this.#puller?.flush();
      if (this.#heldBytes > 0) this.release();
      if (this.#state === "ending") {
        if ((this.#flags & CLIENT_WAITING) !== 0 || this.#options.sendTimeout === 0) {
          this.closeBody();
        } else this.#timers.end();
      }
    }
    try {
      onClose?.(reason);
    } catch {
      // An onClose that throws must not break the stream's end; nothing to report to.
    }
  }

  private closeBody(): void {
    this.#state = "closed";
    this.#timers.stop();
    this.#body.close();
  }

  private drop(why: "timeout" | "slow"): void {
    this.#state = "closed";
    this.#timers.stop();
    this.#body.drop(
      why === "slow"
        ? "web-sse dropped a client too slow for its stream (maxQueued)"
        : `web-sse dropped a client that took no bytes for ${this.#options.sendTimeout} ms (sendTimeout)`,
    );
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
