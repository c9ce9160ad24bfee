/**
 * Accept header negotiation for text/event-stream (RFC 9110, section 12.5.1).
 *
 * @module
 */

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

// token = 1*tchar (RFC 9110, section 5.6.2)
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** Splits on `sep` outside double-quoted strings (a quoted parameter may hold commas). */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === "\\") i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Parses one media range; `undefined` when it is not well formed. */
function parseRange(text: string): MediaRange | undefined {
  const [mediaType = "", ...params] = splitOutsideQuotes(text, ";");
  const slash = mediaType.indexOf("/");
  if (slash < 0) return undefined;
  const type = mediaType.slice(0, slash).trim().toLowerCase();
  const subtype = mediaType
    .slice(slash + 1)
    .trim()
    .toLowerCase();
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  // "*/json" is not a media range: only "*/*" and "type/*" are.
  if (type === "*" && subtype !== "*") return undefined;
  let q = 1;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0) {
      if (param.trim() === "") continue;
      return undefined;
    }
    if (param.slice(0, eq).trim().toLowerCase() !== "q") continue;
    const value = param.slice(eq + 1).trim();
    if (!QVALUE.test(value)) return undefined;
    q = Number(value);
  }
  return { type, subtype, q };
}

/** 2 for text/event-stream, 1 for text/*, 0 for * / *, -1 when the range does not match. */
function specificity(range: MediaRange): number {
  if (range.type === "*") return 0;
  if (range.type !== "text") return -1;
  if (range.subtype === "*") return 1;
  return range.subtype === "event-stream" ? 2 : -1;
}

/**
 * Tells whether a request (or an Accept header value) accepts
 * `text/event-stream`, by RFC 9110 proactive negotiation: the most specific
 * matching range decides (`text/event-stream` over `text/*` over `*\/*`), then
 * its q; `q=0` refuses. Media types and parameter names are case-insensitive;
 * parameters other than q are ignored.
 *
 * A missing, empty or unparsable header accepts (RFC 9110: a server may ignore
 * an Accept it cannot read). This function never throws.
 *
 * @param requestOrAccept - A Request, an Accept header value, or null/undefined.
 * @returns `false` only when the header refuses text/event-stream.
 *
 * @example Answering 406
 * ```ts
 * import { acceptsEventStream, sseResponse } from "web-sse";
 *
 * export default {
 *   fetch(request: Request): Response {
 *     if (!acceptsEventStream(request)) {
 *       return new Response("Not Acceptable", { status: 406, headers: { vary: "Accept" } });
 *     }
 *     return sseResponse(["hello"], { request });
 *   },
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1
 */
export function acceptsEventStream(requestOrAccept: Request | string | null | undefined): boolean {
  try {
    const header =
      typeof requestOrAccept === "string"
        ? requestOrAccept
        : requestOrAccept == null
          ? null
          : requestOrAccept.headers.get("accept");
    if (header == null || header.trim() === "") return true;
    let parsed = 0;
    let best = -1;
    let bestQ = 0;
    for (const part of splitOutsideQuotes(header, ",")) {
      if (part.trim() === "") continue;
      const range = parseRange(part);
      if (range === undefined) continue;
      parsed++;
      const rank = specificity(range);
      if (rank > best) {
        best = rank;
        bestQ = range.q;
      } else if (rank === best && range.q > bestQ) {
        // Two ranges equally specific (they differ only in ignored parameters): the kinder one.
        bestQ = range.q;
      }
    }
    if (parsed === 0) return true;
    return best >= 0 && bestQ > 0;
  } catch {
    return true;
  }
}
