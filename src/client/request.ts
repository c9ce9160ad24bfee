/**
 * One fresh `Request` per attempt of `fetchEvents`: the caller's method,
 * headers and body every time, plus Accept and Last-Event-ID.
 *
 * @module
 */
import { encodeUtf8AsLatin1 } from "../last-event-id.ts";

/**
 * Builds the request of one attempt.
 *
 * @param input - What the caller passed; a `Request` is cloned, so every attempt can send its body.
 * @param init - The caller's RequestInit (fetchEvents' own options taken out).
 * @param lastEventId - Sent as Last-Event-ID when not empty (and any caller's one removed when empty).
 * @param signal - Aborts this attempt.
 * @returns A new Request.
 */
export function attemptRequest(
  input: string | URL | Request,
  init: RequestInit,
  lastEventId: string,
  signal: AbortSignal,
): Request {
  const source = input instanceof Request ? input.clone() : input;
  const requestInit: RequestInit & { duplex?: "half" } = { ...init, signal };
  // Node's fetch (undici) needs duplex "half" for a stream body; others ignore it.
  if (init.body instanceof ReadableStream && !("duplex" in init)) requestInit.duplex = "half";
  const request = new Request(source, requestInit);
  if (!request.headers.has("accept")) request.headers.set("accept", "text/event-stream");
  if (lastEventId === "") request.headers.delete("last-event-id");
  else request.headers.set("last-event-id", encodeUtf8AsLatin1(lastEventId));
  return request;
}

/**
 * True when `contentType` is text/event-stream (parameters ignored).
 *
 * @param contentType - A Content-Type header value, or null.
 * @returns Whether the body is an event stream.
 */
export function isEventStream(contentType: string | null): boolean {
  if (contentType === null) return false;
  const semicolon = contentType.indexOf(";");
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim();
  return type.toLowerCase() === "text/event-stream";
}
