/**
 * Frames: the bytes one record becomes, built once per record and shared by
 * every local subscriber.
 *
 * @module
 */
import { type EncodedEvent, trustedEvent } from "../encoded.ts";
import type { HubRecord } from "./backend.ts";
import { formatId } from "./ids.ts";

/** One record as subscribers receive it. */
export interface Frame {
  readonly seq: number;
  readonly topic: string;
  /** The topic's end marker: its bytes are the id-only position `id: <id>\n\n`. */
  readonly end: boolean;
  /** `id: <id>\n` + the record's body, UTF-8. Shared: never written to. */
  readonly bytes: Uint8Array;
  /** The record it was made from: hand iteration builds its message from it, not from the bytes. */
  readonly record: HubRecord;
}

const encoder = new TextEncoder();

/**
 * The frame of one record: built once, then shared by every local subscriber.
 *
 * @param record - A record from the live feed or a read.
 * @returns Its seq, topic, end flag and UTF-8 bytes with the hub id.
 */
export function frameOf(record: HubRecord): Frame {
  const id = formatId(record.epoch, record.seq);
  return {
    seq: record.seq,
    topic: record.topic,
    end: record.end,
    bytes: encoder.encode(record.end ? `id: ${id}\n\n` : `id: ${id}\n${record.body}`),
    record,
  };
}

/**
 * An id-only event: sets the client's last event id, dispatches nothing.
 *
 * @param epoch - The backend's epoch.
 * @param seq - The position.
 * @returns `id: <id>\n\n` as UTF-8.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#dispatchMessage
 */
export function positionBytes(epoch: string, seq: number): Uint8Array {
  return encoder.encode(`id: ${formatId(epoch, seq)}\n\n`);
}

/**
 * Wraps bytes that are already a valid event stream (the hub made them) in an
 * {@link EncodedEvent} without encoding anything again: what a pulled stream
 * passes through as is.
 *
 * @param bytes - A whole number of valid events.
 * @returns An EncodedEvent holding exactly those bytes.
 */
export function wrapBytes(bytes: Uint8Array): EncodedEvent {
  return trustedEvent(bytes);
}
