/**
 * Frames back to messages, for a subscription iterated by hand: a stream gets
 * the hub's bytes as they are (the push path), but code that loops over
 * `hub.subscribe(topic)(ctx)` itself gets what its type says, messages.
 *
 * Only the hub's own frames come through here (made by `encodeEvent` plus an
 * `id` line), so this reads that exact shape: blocks ending in a blank line,
 * `field: value` lines with the one space, `:` comment lines.
 *
 * @module
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import type { SSEMessage } from "../encode.ts";

const decoder = new TextDecoder();

/**
 * The messages in a run of whole frames, in order.
 *
 * @param bytes - UTF-8 frames, each ending in a blank line.
 * @returns One message per frame: `data` as the text sent (data lines joined
 * by LF), `event`, `id`, `retry` and `comment` when present. An id-only frame
 * (a position) is `{ id }`.
 */
export function decodeFrames(bytes: Uint8Array): SSEMessage[] {
  const text = decoder.decode(bytes);
  const messages: SSEMessage[] = [];
  for (const block of text.split("\n\n")) {
    if (block === "") continue;
    const message: {
      data?: string;
      event?: string;
      id?: string;
      retry?: number;
      comment?: string;
    } = {};
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) {
        const comment = line.startsWith(": ") ? line.slice(2) : line.slice(1);
        message.comment =
          message.comment === undefined ? comment : `${message.comment}\n${comment}`;
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(line[colon + 1] === " " ? colon + 2 : colon + 1);
      if (field === "data") {
        message.data = message.data === undefined ? value : `${message.data}\n${value}`;
      } else if (field === "event") message.event = value;
      else if (field === "id") message.id = value;
      else if (field === "retry") message.retry = Number(value);
    }
    messages.push(message);
  }
  return messages;
}
