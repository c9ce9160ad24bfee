/**
 * The event a client sees.
 *
 * @module
 */

/**
 * One event as a client sees it. Assignable to `SSEMessage`, so a decoded
 * stream can be handed to `sseResponse` (or `hub.publish`, without its `id`) as is.
 */
export interface SSEEvent {
  /** The event type: "message" when the stream set none. */
  event: string;
  /** The data lines joined with "\n". */
  data: string;
  /** This event's own `id` field ("" when it reset the id); undefined when it had none. */
  id: string | undefined;
  /**
   * The last event id after this event (ids persist across events): what a
   * reconnect sends as Last-Event-ID.
   */
  lastEventId: string;
}
