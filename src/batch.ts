/**
 * The batch: encoded events that were ready together, sent as one chunk.
 *
 * @module
 */
import type { LongEvent } from "./encode.ts";

/**
 * Past this many UTF-16 units a batch is sent even if the source has more
 * ready: it bounds the memory one pull can take and keeps chunks near a
 * socket's write size.
 */
export const MAX_BATCH: number = 32 * 1024;

const encoder = new TextEncoder();

/** What the batch takes: an event's text, or a long event in its two pieces. */
export type BatchItem = string | LongEvent;

/**
 * Encoded text not yet sent. One string, appended to: cheaper than an array
 * joined later. A {@link LongEvent} is held alone, in its pieces, and makes
 * the batch full: it goes out as its own chunk.
 */
export class Batch {
  #text = "";
  #long: LongEvent | undefined;

  /** Nothing is waiting to be sent. */
  get empty(): boolean {
    return this.#text === "" && this.#long === undefined;
  }

  /** The batch has reached {@link MAX_BATCH}, or holds a long event: send it now. */
  get full(): boolean {
    return this.#long !== undefined || this.#text.length >= MAX_BATCH;
  }

  /**
   * Whether `item` cannot join a batch that already holds something: it
   * would push it past {@link MAX_BATCH}, or it or what is held is a long
   * event, which goes alone. Then what is held goes first. (Two 16 KiB events
   * joined in one 32 KiB string made Bun 1.4 4x slower than one per chunk.)
   */
  overflows(item: BatchItem): boolean {
    if (this.#long !== undefined) return true;
    if (this.#text === "") return false;
    return typeof item !== "string" || this.#text.length + item.length > MAX_BATCH;
  }

  /** Adds an event; a long one goes in its pieces only into an empty batch. */
  add(item: BatchItem): void {
    const long = this.#long;
    if (long !== undefined) {
      // Only when the caller ignored overflows(): still the same bytes.
      this.#long = undefined;
      this.#text = joined(long);
    }
    if (typeof item === "string") {
      this.#text += item;
    } else if (this.#text === "") {
      this.#long = item;
    } else {
      this.#text += joined(item);
    }
  }

  /** Empties the batch and returns its bytes; `undefined` when it was empty. */
  take(): Uint8Array | undefined {
    const long = this.#long;
    if (long !== undefined) {
      this.#long = undefined;
      return encodeLong(long);
    }
    if (this.#text === "") return undefined;
    const text = this.#text;
    this.#text = "";
    return encoder.encode(text);
  }
}

function joined(long: LongEvent): string {
  return `${long.head}${long.data}\n\n`;
}

/**
 * Whether encoding a long event's pieces pays here. Not on Bun (1.4): its
 * `encodeInto` into part of a fresh Uint8Array costs more than encoding the
 * joined string (about a quarter more for 16 KiB), where V8 (Node, Deno)
 * saves the copy it makes to flatten the joined string.
 */
const PIECES: boolean = typeof (globalThis as { Bun?: unknown }).Bun === "undefined";

/**
 * Encodes a long event's pieces straight into one buffer sized for ASCII (one
 * byte per UTF-16 unit). Text outside ASCII takes more bytes than that, and
 * `encodeInto` then stops short: such an event is joined and encoded whole.
 *
 * @param long - The event in its pieces.
 * @param pieces - Whether to encode the pieces (default: not on Bun).
 * @returns The event's bytes.
 */
export function encodeLong(long: LongEvent, pieces: boolean = PIECES): Uint8Array {
  if (!pieces) return encoder.encode(joined(long));
  const { head, data } = long;
  const size = head.length + data.length + 2;
  const bytes = new Uint8Array(size);
  const first = encoder.encodeInto(head, bytes);
  if (first.read === head.length && first.written === head.length) {
    const end = head.length + data.length;
    const second = encoder.encodeInto(data, bytes.subarray(head.length, end));
    if (second.read === data.length && second.written === data.length) {
      bytes[end] = 10;
      bytes[end + 1] = 10;
      return bytes;
    }
  }
  return encoder.encode(joined(long));
}
