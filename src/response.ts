/**
 * `sseResponse`, and the Web `Response` shell of the front door's answers.
 *
 * @module
 */
import { type ResolvedOptions, resolveOptions, type SSEOptions } from "./options.ts";
import { type Answer, decide, resolveResponseOptions } from "./respond.ts";
import { checkSource, closeUnopened } from "./source.ts";
import { type SSESource, streamFrom } from "./stream.ts";

/**
 * A ready Response that streams `source` as Server-Sent Events: status 200
 * unless set, `Content-Type: text/event-stream; charset=utf-8`,
 * `Cache-Control: no-cache, no-transform` and `X-Accel-Buffering: no`, and no
 * connection headers (so it is valid over HTTP/2).
 *
 * `sseResponse` does not negotiate Accept (it answers whatever it is called
 * for); Hono's `sse()` and `hub.response()` do.
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
  const settings = resolveResponseOptions(options);
  checkSource(source, "sseResponse");
  const answer = decide({ method: resolved.request?.method ?? "GET", accept: undefined }, settings);
  return answerWith(answer, source, resolved);
}

/**
 * The Web Response of a front-door answer: the stream of `source` for
 * `"stream"`; otherwise no stream, and a source made for this request
 * (an iterable or ReadableStream) is closed unread, because nobody will read
 * a body: runtimes drop it, some only after pulling the source for a while.
 *
 * @param answer - From the front door (src/respond.ts).
 * @param source - A source already checked.
 * @param options - Stream options already resolved.
 * @returns The Response.
 *
 * @internal
 */
export function answerWith(answer: Answer, source: unknown, options: ResolvedOptions): Response {
  const init = { status: answer.status, headers: answer.headers };
  if (answer.kind === "stream") return new Response(streamFrom(source, options), init);
  const why = answer.kind === "head" ? "HEAD request" : `${answer.status} answer`;
  closeUnopened(source, new DOMException(`${why}: no stream`, "AbortError"));
  return new Response(answer.kind === "refuse" ? answer.body : null, init);
}
