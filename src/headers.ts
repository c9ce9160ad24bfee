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
