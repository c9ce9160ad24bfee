/**
 * web-sse/hub: publish an event once, every subscriber of its topic gets the
 * same bytes, and a client that reconnects with `Last-Event-ID` gets exactly
 * what it missed.
 *
 * @example A room with replay
 * ```ts
 * import { createHub } from "web-sse/hub";
 *
 * const hub = createHub({ history: 500 });
 * await hub.publish("room:1", { event: "message", data: { text: "hi" } });
 * // In a fetch handler: return hub.response(request, "room:1");
 * ```
 * @module
 */

export type {
  BackendOpenOptions,
  BackendSnapshot,
  HubBackend,
  HubRecord,
  TopicSnapshot,
} from "./hub/backend.ts";
export { createHub } from "./hub/hub.ts";
export { type MemoryBackendOptions, memoryBackend } from "./hub/memory.ts";
export type { Hub, HubGap, HubOptions, SubscribeOptions } from "./hub/types.ts";
