/**
 * web-sse: Server-Sent Events on the Web Fetch API.
 *
 * Spec-exact encoding, backpressure, keepalive and clean shutdown for any fetch
 * handler on Node, Deno, Bun and Cloudflare Workers.
 *
 * @example A counter that resumes after a reconnect
 * ```ts
 * import { sleep, sseResponse } from "web-sse";
 *
 * export default {
 *   fetch: (request: Request) =>
 *     sseResponse(async function* ({ signal, lastEventId }) {
 *       // The client sends back whatever id it saw: count on only from a whole number.
 *       let n = Number(lastEventId);
 *       if (!Number.isSafeInteger(n)) n = 0;
 *       while (!signal.aborted) {
 *         yield { event: "tick", id: ++n, data: { n } };
 *         await sleep(1000, signal);
 *       }
 *     }, { request }),
 * };
 * ```
 * @module
 */

export {
  type EncodeOptions,
  encodeComment,
  encodeEvent,
  type SSEChunk,
  SSEEncodeError,
  type SSEField,
  type SSEMessage,
} from "./encode.ts";
export { EncodedEvent } from "./encoded.ts";
export { SSEEncoderStream } from "./encoder-stream.ts";
export { SSE_HEADERS, sseHeaders } from "./headers.ts";
export { lastEventId } from "./last-event-id.ts";
export { acceptsEventStream } from "./negotiate.ts";
export type {
  SSECloseReason,
  SSEOptions,
  SSEResponseOptions,
  SSEStreamOptions,
} from "./options.ts";
export { sseResponse } from "./response.ts";
export { sleep } from "./sleep.ts";
export type { SSEContext, SSEIterable, SSEYield } from "./source.ts";
export { type SSESource, sseStream } from "./stream.ts";
