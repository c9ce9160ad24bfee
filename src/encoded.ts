/**
 * Already-encoded events: encode once, write the same bytes to many streams.
 *
 * @module
 */
import { concat } from "./check.ts";
import { type EncodeOptions, encodeEvent, type SSEChunk } from "./encode.ts";

const encoder = new TextEncoder();

/**
 * One or more messages encoded once to UTF-8 bytes. Yield it from any source
 * (or write it to an {@link SSEEncoderStream}) and its bytes go out as they are,
 * with no further encoding: the building block for fan-out, where one event
 * reaches thousands of subscribers.
 *
 * The messages are checked as they are encoded, when the instance is made, so
 * a stream never sees a bad message through it. Treat `bytes` as read-only:
 * many streams share it.
 *
 * @example Encode once, send to every subscriber
 * ```ts
 * import { EncodedEvent } from "web-sse";
 *
 * const subscribers = new Set<WritableStreamDefaultWriter<EncodedEvent>>();
 * const tick = new EncodedEvent({ event: "tick", data: { at: Date.now() } });
 * for (const subscriber of subscribers) void subscriber.write(tick);
 * ```
 *
 * @example A snapshot already encoded, followed by one more event
 * ```ts
 * import { EncodedEvent } from "web-sse";
 *
 * const snapshot = new EncodedEvent([{ event: "user", data: "ada" }, { event: "user", data: "bob" }]);
 * const opening = new EncodedEvent([snapshot, { event: "ready", data: "" }]);
 * ```
 */
export class EncodedEvent {
  /** The UTF-8 text/event-stream bytes, ending in a blank line (empty for an empty list). */
  readonly bytes: Uint8Array;

  /**
   * @param messages - One message or a list of them, encoded in order. An
   * `EncodedEvent`, alone or in the list, contributes its bytes as they are.
   * @param options - `serialize` for non-string data (default `JSON.stringify`).
   * @throws {@link SSEEncodeError} for a message that cannot be encoded; no
   * instance is made.
   */
  constructor(
    messages: SSEChunk | EncodedEvent | readonly (SSEChunk | EncodedEvent)[],
    options?: EncodeOptions,
  ) {
    if (messages instanceof EncodedEvent || messages instanceof Trusted) {
      this.bytes = messages.bytes;
      return;
    }
    if (!Array.isArray(messages)) {
      this.bytes = encoder.encode(encodeEvent(messages as SSEChunk, options));
      return;
    }
    // Text is gathered and encoded in one go; an EncodedEvent in the list cuts
    // it into parts, joined once at the end.
    const parts: Uint8Array[] = [];
    let text = "";
    for (const message of messages as readonly (SSEChunk | EncodedEvent)[]) {
      if (message instanceof EncodedEvent) {
        if (text !== "") parts.push(encoder.encode(text));
        text = "";
        parts.push(message.bytes);
      } else text += encodeEvent(message, options);
    }
    if (parts.length === 0) {
      this.bytes = encoder.encode(text);
      return;
    }
    if (text !== "") parts.push(encoder.encode(text));
    this.bytes = concat(parts);
  }
}

/**
 * Bytes this library encoded itself (the hub encodes an event once, at
 * publish, with `encodeEvent`): the one way into {@link EncodedEvent} that
 * does not encode again. Not exported from any entry point, so a user's
 * bytes always go through the constructor's check.
 */
class Trusted {
  constructor(readonly bytes: Uint8Array) {}
}

/**
 * An EncodedEvent holding `bytes` as they are, for bytes already checked
 * when they were encoded (the hub's frames): no second encoding, no copy.
 *
 * @param bytes - A whole number of valid events, made by `encodeEvent`.
 * @returns The EncodedEvent.
 *
 * @internal
 */
export function trustedEvent(bytes: Uint8Array): EncodedEvent {
  return new EncodedEvent(new Trusted(bytes) as never);
}
