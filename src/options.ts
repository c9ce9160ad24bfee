/**
 * The options of `sseStream` and `sseResponse`, checked once at the call.
 *
 * @module
 */
import { describe, isRetry, type SSEChunk } from "./encode.ts";
import type { Clock } from "./policy.ts";

/**
 * Why a stream ended; `onClose` receives it once. `"slow"` is the hub's: a
 * subscriber whose queue passed `maxQueued`.
 */
export type SSECloseReason =
  | "done"
  | "cancel"
  | "abort"
  | "error"
  | "timeout"
  | "max-duration"
  | "slow";

/** Options of {@link sseStream} and {@link sseResponse}. */
export interface SSEOptions {
  /** Aborting it ends the stream and returns the source. */
  signal?: AbortSignal | undefined;
  /**
   * The request being answered: its `signal` is honoured too (either aborting
   * ends the stream), and its `Last-Event-ID` goes to the source as
   * `ctx.lastEventId`. Where the request is already given (Hono's `sse()`,
   * `hub.response()`), passing it here again is a TypeError.
   */
  request?: Request | undefined;
  /**
   * Silence (ms) after which a keepalive comment is written; `false` (or `0`): never.
   *
   * @defaultValue 5000 — Bun.serve's default idle timeout cuts a silent connection
   * 8 to 12 s after its last write (it checks on a ~4 s tick); proxies cut at 60-100 s.
   */
  keepAlive?: number | false | undefined;
  /** Reconnection delay (ms) sent as the first line of the stream, before the source yields. */
  retry?: number | undefined;
  /**
   * If the client accepts no bytes for this long (ms) while the stream has
   * bytes for it (the source has more to send, or a keepalive is due), the
   * stream is closed and the source returned, with or without keepalive. A
   * stream that ended for another reason while its client stopped reading is
   * dropped this long after, so a stalled client never holds its connection.
   * `false` (or `0`): never.
   *
   * @defaultValue 30000
   */
  sendTimeout?: number | false | undefined;
  /**
   * Close the stream after this long (ms); clients reconnect with `Last-Event-ID`.
   * `false` (or `0`): never.
   *
   * @defaultValue false
   */
  maxDuration?: number | false | undefined;
  /** Turns non-string `data` into text. @defaultValue `JSON.stringify` */
  serialize?: ((data: unknown) => string) | undefined;
  /**
   * Called once when the source throws (or yields a message that cannot be
   * encoded). What it returns (if anything) is sent as a last event before the
   * stream closes; if it throws or returns an invalid message, nothing more is
   * sent. By default nothing of the error reaches the client, the stream just
   * ends, and the error is reported on the server with `console.error`.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: the contract's type: a callback may return nothing.
  onError?: ((error: unknown) => SSEChunk | void | Promise<SSEChunk | void>) | undefined;
  /** Called exactly once when the stream ends, whatever ended it. */
  onClose?: ((reason: SSECloseReason) => void) | undefined;
  /** Response status. @defaultValue 200 */
  status?: number | undefined;
  /**
   * Merged over the defaults (a user's value wins). `Connection`,
   * `Keep-Alive`, `Proxy-Connection`, `Transfer-Encoding`, `TE`, `Upgrade`
   * and `Content-Length` are dropped, not sent: the server manages them and
   * HTTP/2 forbids them, so a header set made for another library works as
   * given. An invalid header name or value is a TypeError.
   */
  headers?: HeadersInit | undefined;
}

/** Options after checking, with defaults filled in. Timers: 0 means off. */
export interface ResolvedOptions {
  signal: AbortSignal | undefined;
  request: Request | undefined;
  keepAlive: number;
  retry: number | undefined;
  sendTimeout: number;
  maxDuration: number;
  serialize: ((data: unknown) => string) | undefined;
  onError: SSEOptions["onError"];
  onClose: SSEOptions["onClose"];
  status: number;
  clock: Clock | undefined;
}

/** Internal: lets tests drive time. Not part of the public contract. */
export const CLOCK: unique symbol = Symbol("web-sse.clock");

function duration(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === false) return 0;
  if (typeof value !== "number") {
    throw new TypeError(
      `"${name}" must be a number of milliseconds or false (got ${describe(value)})`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `"${name}" must be a whole number of milliseconds >= 0, or false to turn it off (got ${describe(value)})`,
    );
  }
  return value;
}

function callback<T>(name: string, value: T): T {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`"${name}" must be a function (got ${describe(value)})`);
  }
  return value;
}

function isSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" &&
    typeof (value as AbortSignal).addEventListener === "function"
  );
}

/**
 * Checks options and fills in defaults.
 *
 * @throws TypeError or RangeError naming the option, the rule and the value.
 */
export function resolveOptions(options: SSEOptions | undefined): ResolvedOptions {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`options must be an object (got ${describe(options)})`);
  }
  const o: SSEOptions = options ?? {};
  if (o.signal !== undefined && !isSignal(o.signal)) {
    throw new TypeError(`"signal" must be an AbortSignal (got ${describe(o.signal)})`);
  }
  const request = o.request;
  if (
    request !== undefined &&
    (typeof request !== "object" ||
      request === null ||
      typeof (request as Request).headers?.get !== "function")
  ) {
    throw new TypeError(`"request" must be a Request (got ${describe(request)})`);
  }
  if (request !== undefined && request.signal !== undefined && !isSignal(request.signal)) {
    throw new TypeError(`"request.signal" must be an AbortSignal`);
  }
  if (o.retry !== undefined && !isRetry(o.retry)) {
    const Err = typeof o.retry === "number" ? RangeError : TypeError;
    throw new Err(`"retry" must be a safe integer >= 0 in milliseconds (got ${describe(o.retry)})`);
  }
  const status = o.status ?? 200;
  if (typeof status !== "number" || !Number.isInteger(status)) {
    throw new TypeError(`"status" must be an integer (got ${describe(status)})`);
  }
  if (status < 200 || status > 599 || status === 204 || status === 205 || status === 304) {
    throw new RangeError(
      `"status" must be 200-599 and allow a body (not 204, 205 or 304) (got ${status})`,
    );
  }
  return {
    signal: o.signal,
    request,
    keepAlive: duration("keepAlive", o.keepAlive, 5000),
    retry: o.retry,
    sendTimeout: duration("sendTimeout", o.sendTimeout, 30_000),
    maxDuration: duration("maxDuration", o.maxDuration, 0),
    serialize: callback("serialize", o.serialize),
    onError: callback("onError", o.onError),
    onClose: callback("onClose", o.onClose),
    status,
    clock: (o as { [CLOCK]?: Clock })[CLOCK],
  };
}
