/**
 * `sseResponse` and the event-stream headers.
 *
 * @module
 */
import { resolveOptions, type SSEOptions } from "./options.ts";
import { checkSource } from "./source.ts";
import { type SSESource, streamFrom } from "./stream.ts";

/**
 * Headers that describe a connection, not a response: HTTP/2 and HTTP/3 forbid
 * the first three, and a Content-Length would cut an endless stream short.
 */
const FORBIDDEN = new Set(["connection", "transfer-encoding", "keep-alive", "content-length"]);

/** The headers every SSE response carries; a user's value for any of them wins. */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  // no-transform: a compressing proxy would otherwise buffer the stream.
  "cache-control": "no-cache, no-transform",
  // nginx buffers proxied responses unless told not to.
  "x-accel-buffering": "no",
});

/**
 * The SSE response headers with `init` merged over them.
 *
 * @param init - The user's headers; their values win.
 * @returns A new Headers object.
 * @throws TypeError for `Connection`, `Transfer-Encoding`, `Keep-Alive` or
 * `Content-Length`, or a header the Headers class refuses.
 */
export function sseHeaders(init?: HeadersInit): Headers {
  const headers = new Headers(SSE_HEADERS);
  if (init === undefined) return headers;
  const user = new Headers(init);
  for (const name of user.keys()) {
    if (FORBIDDEN.has(name)) {
      throw new TypeError(
        `"headers" must not set "${name}": it describes the connection, which the server manages (HTTP/2 forbids Connection, Transfer-Encoding and Keep-Alive; Content-Length would cut the stream short)`,
      );
    }
    headers.delete(name);
  }
  // append, not set: several Set-Cookie headers must all survive.
  for (const [name, value] of user) headers.append(name, value);
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
 * disconnect and `Last-Event-ID` reach the source.
 * @returns The Response, to return from any fetch handler.
 * @throws TypeError or RangeError for an invalid source or option, before any Response exists.
 *
 * @example A clock on any runtime
 * ```ts
 * export default {
 *   fetch: (request: Request) =>
 *     sseResponse(async function* ({ signal }) {
 *       while (!signal.aborted) {
 *         yield { event: "time", data: new Date().toISOString() };
 *         await new Promise((r) => setTimeout(r, 1000));
 *       }
 *     }, { request }),
 * };
 * ```
 */
export function sseResponse(source: SSESource, options?: SSEOptions): Response {
  const resolved = resolveOptions(options);
  checkSource(source);
  // A plain record when the user adds nothing: @hono/node-server keeps it as is
  // instead of a Headers object per connection (0.4-0.7 KiB of heap each).
  const headers = options?.headers === undefined ? SSE_HEADERS : sseHeaders(options.headers);
  return new Response(streamFrom(source, resolved), { status: resolved.status, headers });
}
