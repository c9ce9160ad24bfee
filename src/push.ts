/**
 * The push path into a stream: how a broadcast (the hub) hands the same bytes
 * to thousands of streams without a promise, generator step or closure per
 * stream per event. Internal to the package: not exported from `web-sse`.
 *
 * A source that carries a `[PUSH]` method is still an ordinary async iterable
 * (anyone may iterate it by hand); `sseStream` calls `[PUSH]` instead and gets
 * a {@link PushSink} that writes straight into the body, under the same policy
 * as a pulled source: keepalive, sendTimeout, maxDuration, signals, ctx.signal
 * and onClose behave alike.
 *
 * @module
 */
import type { SSECloseReason } from "./options.ts";
import type { SSEContext } from "./source.ts";

/** The method name `sseStream` looks for. `Symbol.for`, so two copies of the package agree. */
export const PUSH: unique symbol = Symbol.for("web-sse.push") as never;

/** What a push source writes to: one per stream. */
export interface PushSink {
  /**
   * Hands encoded bytes to the body now: to a waiting read at once, or queued
   * for a client that is not reading. Never waits. Does nothing once the
   * stream has ended.
   */
  write(bytes: Uint8Array): void;
  /** Bytes written but not yet taken by the client. */
  readonly queued: number;
  /** Whether the stream has ended (whatever ended it). */
  readonly closed: boolean;
  /**
   * Asks to be called once, the next time the client has taken everything
   * queued and asks for more (for a source that writes a long replay in
   * windows, with backpressure): at once when the client is already waiting.
   * At most one wish is held; a new one replaces it. Never called once the
   * stream has ended.
   */
  whenDrained(callback: () => void): void;
  /**
   * Ends the stream: "done" closes it normally after what is queued; "abort"
   * ends it like a `signal` abort (what is queued still goes out); "slow"
   * drops what is queued and errors the body, as a send timeout does, so the
   * runtime lets go of the connection at once. `onClose` and the cleanup get
   * the reason. Does nothing once the stream has ended.
   */
  end(reason: "done" | "slow" | "abort"): void;
  /** The source failed: the `onError` path, as when a pulled source throws. */
  fail(error: unknown): void;
}

/** A source that pushes. */
export interface PushSource {
  /**
   * Called once, when the stream starts reading the source, with the sink
   * and the stream's ctx.
   *
   * @returns Called once when the stream ends, whatever ended it (the
   * source's own `end()`/`fail()` included), with the close reason: where
   * the source unsubscribes.
   */
  [PUSH](sink: PushSink, ctx: SSEContext): (reason: SSECloseReason) => void;
}

/** Whether `value` is a push source. */
export function isPushSource(value: unknown): value is PushSource {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { [PUSH]?: unknown })[PUSH] === "function"
  );
}
