/**
 * web-sse/client: the consuming side of Server-Sent Events, on Web APIs only
 * (browsers, Node >= 20, Deno, Bun, workerd).
 *
 * - {@link SSEDecoderStream}: text/event-stream bytes in, events out, by the
 *   WHATWG parsing rules exactly; for passing an upstream stream on.
 * - {@link fetchEvents}: what `EventSource` does (reconnect with
 *   Last-Event-ID), plus what it cannot: any method, headers and body, and a
 *   chosen retry policy with backoff and stall detection.
 *
 * @example Follow a stream with a POST body, resuming after drops
 * ```ts
 * import { fetchEvents } from "web-sse/client";
 *
 * const events = fetchEvents("https://example.com/jobs", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ job: "report" }),
 * });
 * for await (const event of events) {
 *   console.log(event.event, event.data);
 *   if (event.event === "done") break; // aborts the request
 * }
 * ```
 * @module
 */

export { type SSEDecoderOptions, SSEDecoderStream } from "./client/decoder-stream.ts";
export { SSEResponseError } from "./client/errors.ts";
export type { SSEEvent } from "./client/event.ts";
export { type EventStream, fetchEvents } from "./client/fetch-events.ts";
export type { FetchEventsOptions } from "./client/options.ts";
