/**
 * The user's `headers` option: checked wherever it is given, so a connection
 * header is a TypeError at the call of `sseStream` as of `sseResponse`.
 *
 * @module
 */

/**
 * Headers that describe a connection, not a response: they never go out.
 * HTTP/2 and HTTP/3 forbid every connection-specific field (RFC 9113, section
 * 8.2.2: Connection, Proxy-Connection, Keep-Alive, Transfer-Encoding, Upgrade,
 * and TE outside a request); a Content-Length would cut an endless stream short.
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
 * The user's `headers` option as a Headers object, checked.
 *
 * @throws TypeError for a connection header, or a header the Headers class refuses.
 */
export function userHeaders(init: HeadersInit): Headers {
  let user: Headers;
  try {
    user = new Headers(init);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new TypeError(`"headers" must be valid HTTP headers (${reason})`, { cause });
  }
  for (const name of user.keys()) {
    if (CONNECTION_HEADERS.has(name)) {
      throw new TypeError(
        `"headers" must not set "${name}": it describes the connection, which the server manages (HTTP/2 forbids Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade and TE in a response; Content-Length would cut the stream short)`,
      );
    }
  }
  return user;
}
