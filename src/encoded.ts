/**
 * Already-encoded events: encode once, write the same bytes to many streams.
 *
 * @module
 */
import { type EncodeOptions, encodeEvent, type SSEChunk } from "./encode.ts";

const encoder = new TextEncoder();

/**
 * One or more messages encoded once to UTF-8 bytes. Yield it from any source
 * (or write it to an {@link SSEEncoderStream}) and its bytes go out as they are,
 * with no further encoding: the building block for fan-out, where one event
 * reaches thousands of subscribers.
 *
 * The bytes are checked when the instance is made, so a stream never sees a bad
 * message through it. Treat `bytes` as read-only: many streams share it.
 *
 * @example Encode once, send to every subscriber
 * ```ts
 * const tick = new EncodedEvent({ event: "tick", data: { at: Date.now() } });
 * for (const subscriber of subscribers) subscriber.push(tick);
 * ```
 */
export class EncodedEvent {
  /** The UTF-8 text/event-stream bytes, ending in a blank line. */
  readonly bytes: Uint8Array;

  /**
   * @param messages - One message or a list of them, encoded in order.
   * @param options - `serialize` for non-string data (default `JSON.stringify`).
   * @throws {@link SSEEncodeError} for a message that cannot be encoded.
   */
  constructor(messages: SSEChunk | readonly SSEChunk[], options?: EncodeOptions) {
    let text = "";
    if (Array.isArray(messages))
      for (const message of messages) text += encodeEvent(message, options);
    else text = encodeEvent(messages as SSEChunk, options);
    this.bytes = encoder.encode(text);
  }
}
