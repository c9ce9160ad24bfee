/**
 * `sseStream`: the engine (`connection.ts`) feeding the Web body
 * (`web-body.ts`). The engine's parts each have their own file: the pull
 * loop (`pull.ts`), the push path (`push.ts`), the timer state (`timers.ts`)
 * and its rules (`policy.ts`); `body.ts` is the sink interface between them
 * and the bodies.
 *
 * @module
 */
import { Connection } from "./connection.ts";
import { lastEventId } from "./last-event-id.ts";
import {
  type ResolvedOptions,
  resolveOptions,
  type SSEOptions,
  type SSEStreamOptions,
} from "./options.ts";
import { checkSource, type SSEContext, type SSEIterable } from "./source.ts";
import { webBody } from "./web-body.ts";

/** What `sseStream` and `sseResponse` accept: an iterable of messages, or a function of ctx returning one. */
export type SSESource = SSEIterable | ((ctx: SSEContext) => SSEIterable | Promise<SSEIterable>);

/**
 * The whole body of an SSE response: UTF-8 text/event-stream bytes pulled from
 * `source` only as fast as the client reads.
 *
 * The source may be an async generator, a sync iterable, a ReadableStream of
 * messages, or a function of `ctx` returning one (or a promise of one). Events
 * that are ready together share one chunk; an event yielded while the client
 * waits goes out at once. Client disconnect, `signal`, `sendTimeout` and
 * `maxDuration` all end the stream the same way: timers cleared, the source
 * returned or cancelled, `ctx.signal` aborted, `onClose` called once.
 *
 * @param source - What to stream.
 * @param options - See {@link SSEOptions}; only its stream options
 * ({@link SSEStreamOptions}) apply. A body has no status or headers, so
 * `status` and `headers` are not read here: set them on the Response you
 * build ({@link sseHeaders} gives the event-stream defaults), or use
 * {@link sseResponse}. (The parameter takes the whole `SSEOptions` so one
 * options object serves both functions.)
 * @returns A ReadableStream to use as a Response body.
 * @throws TypeError or RangeError for an invalid source or option, at the call.
 *
 * @example A body for any Response
 * ```ts
 * import { sleep, sseHeaders, sseStream } from "web-sse";
 *
 * export default {
 *   fetch(request: Request): Response {
 *     const body = sseStream(async function* ({ signal }) {
 *       for (let n = 1; !signal.aborted; n++) {
 *         yield { id: n, data: { n } };
 *         await sleep(1000, signal);
 *       }
 *     }, { request });
 *     return new Response(body, { headers: sseHeaders() });
 *   },
 * };
 * ```
 */
export function sseStream(source: SSESource, options?: SSEOptions): ReadableStream<Uint8Array> {
  const resolved = resolveOptions(options);
  checkSource(source);
  return streamFrom(source, resolved);
}

/**
 * Builds the stream from options already checked (for callers that check once, early).
 *
 * @internal
 */
export function streamFrom(source: unknown, options: ResolvedOptions): ReadableStream<Uint8Array> {
  const request = options.request;
  return webBody(
    new Connection(source, options, request === undefined ? undefined : lastEventId(request)),
  );
}
