/**
 * Runs chunks through SSEDecoderStream and collects what came out: events,
 * retries, comments, and the error that ended the stream, if any.
 *
 * @module
 */

import type { SSEEvent } from "../../src/client.ts";
import { SSEDecoderStream } from "../../src/client.ts";

/** Everything a decoder reported, in order per kind. */
export interface Decoded {
  events: SSEEvent[];
  retries: number[];
  comments: string[];
  error?: unknown;
}

/** Decodes `chunks` (bytes or text) with a fresh SSEDecoderStream. */
export async function decodeChunks(
  chunks: readonly (Uint8Array | string)[],
  maxEventSize?: number,
): Promise<Decoded> {
  const out: Decoded = { events: [], retries: [], comments: [] };
  const source = new ReadableStream<Uint8Array | string>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const decoder = new SSEDecoderStream({
    onRetry: (ms) => out.retries.push(ms),
    onComment: (text) => out.comments.push(text),
    maxEventSize,
  });
  try {
    for await (const event of source.pipeThrough(decoder)) out.events.push(event);
  } catch (error) {
    out.error = error;
  }
  return out;
}

/** `bytes` cut at each of `points` (ascending offsets). */
export function splitAt(bytes: Uint8Array, points: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}
