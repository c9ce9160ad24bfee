/**
 * `SSEEncoderStream`: the streaming building block.
 *
 * @module
 */
import { type EncodeOptions, encodeEvent, type SSEChunk } from "./encode.ts";
import { EncodedEvent } from "./encoded.ts";

const encoder = new TextEncoder();

/**
 * Messages in, UTF-8 text/event-stream bytes out. A message that cannot be
 * encoded errors the stream with an {@link SSEEncodeError}; nothing of it is
 * written. An {@link EncodedEvent} passes through as its bytes.
 *
 * It does no keepalive, timeouts or shutdown: for a whole response body use
 * {@link sseStream}.
 *
 * @example Piping a stream of messages into a Response
 * ```ts
 * import { type SSEChunk, SSEEncoderStream } from "web-sse";
 *
 * const messages = new ReadableStream<SSEChunk>({
 *   start(controller) {
 *     controller.enqueue({ event: "greeting", data: { text: "hello" } });
 *     controller.enqueue("bye");
 *     controller.close();
 *   },
 * });
 * const body = messages.pipeThrough(new SSEEncoderStream());
 * const response = new Response(body, { headers: { "content-type": "text/event-stream" } });
 * ```
 */
export class SSEEncoderStream extends TransformStream<SSEChunk | EncodedEvent, Uint8Array> {
  /**
   * @param options - `serialize` for non-string data (default `JSON.stringify`).
   */
  constructor(options?: EncodeOptions) {
    const serialize = options?.serialize;
    if (serialize !== undefined && typeof serialize !== "function") {
      throw new TypeError('"serialize" must be a function');
    }
    const encodeOptions = serialize === undefined ? undefined : { serialize };
    super({
      transform(chunk, controller) {
        if (chunk instanceof EncodedEvent) {
          controller.enqueue(chunk.bytes);
          return;
        }
        controller.enqueue(encoder.encode(encodeEvent(chunk, encodeOptions)));
      },
    });
  }
}
