/**
 * The stream options of `sseStream` (and of every path that makes a stream),
 * checked once at the call. The response options (`status`, `headers`) are
 * checked by the front door, src/respond.ts.
 *
 * @module
 */
import { callback, duration, integer, type Named, show, signal } from "./check.ts";
import type { SSEChunk } from "./encode.ts";
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

/**
 * What shapes the stream itself: its source's signals, timers, encoding and
 * callbacks. {@link sseStream} takes these; {@link sseResponse} and the
 * adapters take them together with {@link SSEResponseOptions}.
 */
export interface SSEStreamOptions {
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
}

/** What shapes the Response around the stream: its status and headers. */
export interface SSEResponseOptions {
  /**
   * Response status: 200-599, one that allows a body (not 204, 205 or 304).
   *
   * @defaultValue 200
   */
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

/**
 * Options of {@link sseResponse}, Hono's `sse()` and `hub.response()`: the
 * stream options and the response options together.
 */
export interface SSEOptions extends SSEStreamOptions, SSEResponseOptions {}

/**
 * Options after checking, with defaults filled in. Timers: 0 means off.
 *
 * @internal
 */
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
  clock: Clock | undefined;
}

/**
 * Internal: lets tests drive time. Not part of the public contract.
 *
 * @internal
 */
export const CLOCK: unique symbol = Symbol("web-sse.clock");

/** The core's own options are named without a prefix; an adapter adds its own (`sse: ...`). */
function at(name: string): Named {
  return { where: "", name };
}

/**
 * Checks options and fills in defaults.
 *
 * @throws TypeError or RangeError naming the option, the rule and the value.
 *
 * @internal
 */
export function resolveOptions(options: SSEStreamOptions | undefined): ResolvedOptions {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`options must be an object (got ${show(options)})`);
  }
  const o: SSEStreamOptions = options ?? {};
  signal(at("signal"), o.signal);
  const request = o.request;
  if (
    request !== undefined &&
    (typeof request !== "object" ||
      request === null ||
      typeof (request as Request).headers?.get !== "function")
  ) {
    throw new TypeError(`"request" must be a Request (got ${show(request)})`);
  }
  if (request !== undefined) signal(at("request.signal"), request.signal);
  if (o.retry !== undefined) integer(at("retry"), o.retry, 0, 0, " in milliseconds");
  return {
    signal: o.signal,
    request,
    keepAlive: duration(at("keepAlive"), o.keepAlive, 5000),
    retry: o.retry,
    sendTimeout: duration(at("sendTimeout"), o.sendTimeout, 30_000),
    maxDuration: duration(at("maxDuration"), o.maxDuration, 0),
    serialize: callback(at("serialize"), o.serialize),
    onError: callback(at("onError"), o.onError),
    onClose: callback(at("onClose"), o.onClose),
    clock: (o as { [CLOCK]?: Clock })[CLOCK],
  };
}

/** The options {@link shareOptions} last kept, held weakly: they hold the user's callbacks. */
let lastShared: WeakRef<ResolvedOptions> | undefined;

/**
 * The same options object for every stream resolved to the same options
 * (the usual server passes the same settings and callbacks on every call):
 * a stream holds its options for its whole life, so equal ones are one
 * object, not one per connection (see `heap.ts`). Options with a signal or a
 * request belong to one stream and are kept as they are.
 *
 * @param options - Options just resolved; not written to afterwards.
 * @returns `options`, or an equal object already in use.
 *
 * @internal
 */
export function shareOptions(options: ResolvedOptions): ResolvedOptions {
  if (options.signal !== undefined || options.request !== undefined) return options;
  const last = lastShared?.deref();
  if (
    last !== undefined &&
    last.keepAlive === options.keepAlive &&
    last.retry === options.retry &&
    last.sendTimeout === options.sendTimeout &&
    last.maxDuration === options.maxDuration &&
    last.serialize === options.serialize &&
    last.onError === options.onError &&
    last.onClose === options.onClose &&
    last.clock === options.clock
  ) {
    return last;
  }
  if (typeof WeakRef === "function") lastShared = new WeakRef(options);
  return options;
}
