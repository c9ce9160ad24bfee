/**
 * The gap path's bytes: what `onGap` returns (by default a reset event),
 * the last event carrying the client's new position.
 *
 * @module
 */

import { concat } from "../check.ts";
import { encodeEvent, type SSEChunk } from "../encode.ts";
import { EncodedEvent } from "../encoded.ts";
import type { GapAnswer } from "./types.ts";

/** The default answer when no `onGap` is given. */
export const RESET: SSEChunk = Object.freeze({ event: "reset", data: "" });

/** An answer with nothing to send: `{}` (no field at all) means the same as returning nothing. */
function isEmpty(sent: GapAnswer): boolean {
  if (typeof sent !== "object" || sent === null || Array.isArray(sent)) return false;
  if (sent instanceof EncodedEvent) return false;
  for (const value of Object.values(sent)) if (value !== undefined) return false;
  return true;
}

/**
 * onGap's answer as bytes, the last event carrying the new position's id. An
 * `EncodedEvent` goes out as its bytes (it cannot take an id), so the
 * position follows it as an id-only event; so does an answer of nothing.
 *
 * @param sent - What onGap returned (undefined: nothing).
 * @param id - The id of the client's new position.
 * @param serialize - The hub's serializer for non-string data.
 * @returns The UTF-8 bytes to send.
 * @throws SSEEncodeError when an answer cannot be encoded.
 */
export function encodeGap(
  sent: GapAnswer | undefined,
  id: string,
  serialize: ((data: unknown) => string) | undefined,
): Uint8Array {
  const list: readonly (SSEChunk | EncodedEvent)[] =
    sent === undefined || isEmpty(sent)
      ? []
      : Array.isArray(sent)
        ? sent
        : [sent as SSEChunk | EncodedEvent];
  const options = serialize === undefined ? undefined : { serialize };
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let text = "";
  const flush = (): void => {
    if (text === "") return;
    parts.push(encoder.encode(text));
    text = "";
  };
  let positioned = false;
  for (let i = 0; i < list.length; i++) {
    const chunk = list[i] as SSEChunk | EncodedEvent;
    if (chunk instanceof EncodedEvent) {
      flush();
      parts.push(chunk.bytes);
    } else if (i < list.length - 1) text += encodeEvent(chunk, options);
    else {
      const message =
        typeof chunk === "object" && chunk !== null && !Array.isArray(chunk)
          ? { ...chunk, id }
          : typeof chunk === "string"
            ? { data: chunk, id }
            : chunk;
      text += encodeEvent(message, options);
      positioned = true;
    }
  }
  if (!positioned) text += `id: ${id}\n\n`;
  flush();
  let size = 0;
  for (const part of parts) size += part.length;
  return parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, size);
}
