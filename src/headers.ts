/**
 * The user's `headers` option, checked and cleaned the same way wherever it
 * is given.
 *
 * @module
 */

/**
 * Headers that describe a connection, not a response: they never go out,
 * whoever set them. HTTP/2 and HTTP/3 forbid every connection-specific field
 * (RFC 9113, section 8.2.2: Connection, Proxy-Connection, Keep-Alive,
 * Transfer-Encoding, Upgrade, and TE outside a request); a Content-Length
 * would cut an endless stream short. They are dropped rather than refused so
 * that header sets made for other libraries (an AI SDK's sets
 * `Connection: keep-alive`) work as given: the server frames the connection
 * itself either way.
 *
 * @internal
 */
export const CONNECTION_HEADERS: ReadonlySet<string> = new Set([
  "connection",
  "transfer-encoding",
  "keep-alive",
  "content-length",
  "upgrade",
  "proxy-connection",
  "te",
]);

/**
 * Whether `name` (any case) is one of {@link CONNECTION_HEADERS}.
 *
 * @param name - A header name.
 * @returns true for a header that must never go out.
 *
 * @internal
 */
export function isConnectionHeader(name: string): boolean {
  return CONNECTION_HEADERS.has(name.toLowerCase());
}

/**
 * The user's `headers` option as a Headers object, without the connection
 * headers.
 *
 * @param init - What the user passed.
 * @returns A new Headers object.
 * @throws TypeError naming the `headers` option for a name or value the
 * Headers class refuses.
 *
 * @internal
 */
export function userHeaders(init: HeadersInit): Headers {
  let user: Headers;
  try {
    user = new Headers(init);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TypeError(`"headers" must be valid HTTP headers (${reason})`, { cause });
  }
  for (const name of CONNECTION_HEADERS) user.delete(name);
  return user;
}

/**
 * The headers every event stream carries, lowercase, as one shared frozen
 * record (a server that keeps a plain record as is, such as
 * `@hono/node-server`, then needs no Headers object per connection). A
 * user's value for any of them wins.
 *
 * @example Headers for a body made with sseStream
 * ```ts
 * import { SSE_HEADERS, sseStream } from "web-sse";
 *
 * const response = new Response(sseStream(["hello"]), { headers: SSE_HEADERS });
 * response.headers.get("content-type"); // "text/event-stream; charset=utf-8"
 * ```
 */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-type": "text/event-stream; charset=utf-8",
  // no-transform: a compressing proxy would otherwise buffer the stream.
  "cache-control": "no-cache, no-transform",
  // nginx buffers proxied responses unless told not to.
  "x-accel-buffering": "no",
});

/**
 * Writes `over` onto `target`: each name `over` sets replaces the target's
 * values, except Set-Cookie, whose cookies are added (each is its own cookie).
 * Connection headers in `over` are skipped.
 *
 * @param target - Changed in place.
 * @param over - The headers that win.
 *
 * @internal
 */
export function mergeHeaders(target: Headers, over: Iterable<readonly [string, string]>): void {
  const replaced = new Set<string>();
  for (const [rawName, value] of over) {
    const name = rawName.toLowerCase();
    if (CONNECTION_HEADERS.has(name)) continue;
    if (name !== "set-cookie" && !replaced.has(name)) {
      replaced.add(name);
      target.delete(name);
    }
    // append, not set: several Set-Cookie headers (or a repeated name) must all survive.
    target.append(name, value);
  }
}

/**
 * The event-stream headers ({@link SSE_HEADERS}) with `init` merged over
 * them: what to give a Response whose body comes from `sseStream`.
 * `Connection`, `Transfer-Encoding`, `Keep-Alive`, `Content-Length`,
 * `Upgrade`, `Proxy-Connection` and `TE` in `init` are dropped: the server
 * manages the connection, and HTTP/2 forbids them.
 *
 * @param init - The user's headers; their values win (Set-Cookie values are added).
 * @returns A new Headers object.
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
