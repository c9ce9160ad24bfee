/**
 * web-sse: Server-Sent Events on the Web Fetch API.
 *
 * Spec-exact encoding, backpressure, keepalive and clean shutdown for any fetch
 * handler on Node, Deno, Bun and Cloudflare Workers.
 *
 * @example A counter that resumes after a reconnect
 * ```ts
 * import { sseResponse } from "web-sse";
 *
 * export default {
 *   fetch: (request: Request) =>
 *     sseResponse(async function* ({ signal, lastEventId }) {
 *       let n = Number(lastEventId ?? 0);
 *       while (!signal.aborted) {
 *         yield { event: "tick", id: ++n, data: { n } };
 *         await new Promise((r) => setTimeout(r, 1000));
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
export { lastEventId } from "./last-event-id.ts";
export { acceptsEventStream } from "./negotiate.ts";
export type { SSECloseReason, SSEOptions } from "./options.ts";
export { SSE_HEADERS, sseHeaders, sseResponse } from "./response.ts";
export type { SSEContext, SSEIterable, SSEYield } from "./source.ts";
export { type SSESource, sseStream } from "./stream.ts";
