/**
 * `sseResponse` and the event-stream headers.
 *
 * @module
 */
import { CONNECTION_HEADERS, userHeaders } from "./headers.ts";
import { type ResolvedOptions, resolveOptions, type SSEOptions } from "./options.ts";
import { checkSource, closeUnopened } from "./source.ts";
import { type SSESource, streamFrom } from "./stream.ts";

export { CONNECTION_HEADERS, userHeaders };

/** The headers every SSE response carries; a user's value for any of them wins. */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  // no-transform: a compressing proxy would otherwise buffer the stream.
  "cache-control": "no-cache, no-transform",
  // nginx buffers proxied responses unless told not to.
  "x-accel-buffering": "no",
});

/**
 * Writes `user` over `target`: each name the user sets replaces the target's
 * values, except Set-Cookie, whose cookies are added (each is its own cookie).
 */
export function mergeHeaders(target: Headers, user: Headers): void {
  for (const name of user.keys()) if (name !== "set-cookie") target.delete(name);
  // append, not set: several Set-Cookie headers must all survive.
  for (const [name, value] of user) target.append(name, value);
}

/**
 * The SSE response headers with `init` merged over them.
 *
 * @param init - The user's headers; their values win (Set-Cookie values are added).
 * @returns A new Headers object.
 * `Connection`, `Transfer-Encoding`, `Keep-Alive`, `Content-Length`,
 * `Upgrade`, `Proxy-Connection` and `TE` in `init` are dropped: the server
 * manages the connection, and HTTP/2 forbids them.
 * @throws TypeError for a header name or value the Headers class refuses.
 *
 * @example CORS on an event stream
 * ```ts
 * import { sseHeaders } from "web-sse";
 *
 * const headers = sseHeaders({ "access-control-allow-origin": "https://app.example" });
 * headers.get("content-type"); // "text/event-stream; charset=utf-8"
 * ```
 */
export function sseHeaders(init?: HeadersInit): Headers {
  const headers = new Headers(SSE_HEADERS);
  if (init !== undefined) mergeHeaders(headers, userHeaders(init));
  return headers;
}

/**
 * A ready Response that streams `source` as Server-Sent Events: status 200
 * unless set, `Content-Type: text/event-stream; charset=utf-8`,
 * `Cache-Control: no-cache, no-transform` and `X-Accel-Buffering: no`, and no
 * connection headers (so it is valid over HTTP/2).
 *
 * @param source - An async generator, iterable, ReadableStream of messages, or
 * a function of `ctx` returning one.
 * @param options - See {@link SSEOptions}; pass `request` so the client's
 * disconnect and `Last-Event-ID` reach the source. When that request is a
 * HEAD, the Response has the same status and headers and no body: a source
 * function is not called, an iterable or ReadableStream source is closed
 * unread, and `onClose` is not called (there is no stream).
 * @returns The Response, to return from any fetch handler.
 * @throws TypeError or RangeError for an invalid source or option, before any Response exists.
 *
 * @example A clock on any runtime
 * ```ts
 * import { sleep, sseResponse } from "web-sse";
 *
 * export default {
 *   fetch: (request: Request) =>
 *     sseResponse(async function* ({ signal }) {
 *       while (!signal.aborted) {
 *         yield { event: "time", data: new Date().toISOString() };
 *         await sleep(1000, signal);
 *       }
 *     }, { request }),
 * };
 * ```
 */
export function sseResponse(source: SSESource, options?: SSEOptions): Response {
  const resolved = resolveOptions(options);
  checkSource(source, "sseResponse");
  return responseFrom(source, resolved, responseHeaders(options?.headers));
}

/**
 * The headers of an SSE response: the shared record when the user adds
 * nothing (@hono/node-server keeps a plain record as is instead of a Headers
 * object per connection: 0.4-0.7 KiB of heap each), else {@link sseHeaders}.
 *
 * @param init - The user's `headers` option.
 * @returns What to pass as the Response's headers.
 * @throws TypeError as {@link sseHeaders} does.
 */
export function responseHeaders(init: HeadersInit | undefined): HeadersInit {
  return init === undefined ? SSE_HEADERS : sseHeaders(init);
}

/**
 * The Response for a source and options already checked (for callers that
 * check once, early, as the hub does).
 *
 * @param source - A source already checked.
 * @param options - Options already resolved.
 * @param headers - From {@link responseHeaders}.
 * @returns The Response: the stream, or for a HEAD request the headers alone.
 */
export function responseFrom(
  source: unknown,
  options: ResolvedOptions,
  headers: HeadersInit,
): Response {
  if (options.request?.method === "HEAD") {
    // Nobody will read a body: runtimes drop it, some only after pulling the
    // source for a while. A source made for this request is closed unread.
    closeUnopened(source, new DOMException("HEAD request: no stream", "AbortError"));
    return new Response(null, { status: options.status, headers });
  }
  return new Response(streamFrom(source, options), { status: options.status, headers });
}
