/**
 * The `Last-Event-ID` request header, whose UTF-8 bytes travel as a byte
 * string (one code unit per byte): read back as UTF-8 on the server, written
 * that way by web-sse/client. Both directions live here so they stay inverses.
 *
 * @module
 */

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads the `Last-Event-ID` header a reconnecting client sends.
 *
 * Browsers send the id as UTF-8 bytes, but Node, Deno, Bun and workerd hand
 * header values over as Latin-1: one code unit per byte, so `"é"` arrives as
 * `"Ã©"`. This turns the code units back into bytes and decodes them as UTF-8;
 * when they are not valid UTF-8 (or a runtime already decoded them) the value
 * is returned as given.
 *
 * @param request - The incoming request.
 * @returns The id, or `undefined` when the header is absent or empty.
 *
 * @example Resuming a counter
 * ```ts
 * import { lastEventId } from "web-sse";
 *
 * function resumeFrom(request: Request): number {
 *   // The header is whatever the client sends back: check it before trusting it.
 *   const n = Number.parseInt(lastEventId(request) ?? "", 10);
 *   return Number.isSafeInteger(n) && n >= 0 ? n : 0;
 * }
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-last-event-id-header
 */
export function lastEventId(request: Request): string | undefined {
  const value = request.headers.get("last-event-id");
  if (value === null || value === "") return undefined;
  return decodeLatin1AsUtf8(value);
}

/**
 * Decodes a string of Latin-1 code units as the UTF-8 bytes they stand for.
 *
 * @internal
 */
export function decodeLatin1AsUtf8(value: string): string {
  let ascii = true;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    // Above 0xFF: already decoded by the runtime, not a byte string.
    if (code > 0xff) return value;
    if (code > 0x7f) ascii = false;
  }
  if (ascii) return value;
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
  try {
    return utf8.decode(bytes);
  } catch {
    return value;
  }
}

let unicodeHeaders: boolean | undefined;

/**
 * True where Headers take any Unicode value and write it as UTF-8 (workerd, as
 * of its 2026 releases); false where they take byte strings, one code unit
 * (<= 0xFF) per byte, and throw above U+00FF (browsers, Node, Deno, Bun).
 */
function headersTakeUnicode(): boolean {
  if (unicodeHeaders === undefined) {
    try {
      new Headers([["x", "\u2026"]]);
      unicodeHeaders = true;
    } catch {
      unicodeHeaders = false;
    }
  }
  return unicodeHeaders;
}

/**
 * A header value that puts `text`'s UTF-8 bytes on the wire, the inverse of
 * {@link decodeLatin1AsUtf8}: as a byte string (one code unit per byte) where
 * Fetch takes byte strings, as is where it writes values as UTF-8 itself.
 *
 * @param text - Any string without CR, LF or NUL.
 * @returns The value to set.
 *
 * @internal
 */
export function encodeUtf8AsLatin1(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii || headersTakeUnicode()) return text;
  let out = "";
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte);
  return out;
}
