/**
 * Records back to messages, for a subscription iterated by hand: a stream gets
 * the hub's bytes as they are (the push path), but code that loops over
 * `hub.subscribe(topic)(ctx)` itself gets what its type says, messages. A
 * record's message is read from its body text (the event as `encodeEvent`
 * made it); only what exists as bytes alone (onGap's answer, an end
 * position) is decoded from bytes.
 *
 * Only the hub's own text comes through here (made by `encodeEvent`, plus an
 * `id` line), so this reads that exact shape: blocks ending in a blank line,
 * `field: value` lines with the one space, `:` comment lines.
 *
 * @module
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import type { SSEMessage } from "../encode.ts";
import type { HubRecord } from "./backend.ts";
import { formatId } from "./ids.ts";

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
  return decodeText(decoder.decode(bytes));
}

/**
 * The message of one record, with its hub id: an end marker is an id-only message.
 *
 * @param record - An event or end marker of the hub.
 * @returns The message as the client would see it.
 */
export function messageOf(record: HubRecord): SSEMessage {
  const id = formatId(record.epoch, record.seq);
  if (record.end) return { id };
  const message = decodeText(record.body)[0] ?? {};
  return { ...message, id };
}

/**
 * The messages in whole text/event-stream blocks, in order.
 *
 * @param text - Blocks, each ending in a blank line.
 * @returns One message per block.
 */
export function decodeText(text: string): SSEMessage[] {
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
