/**
 * The Web body: a `ReadableStream<Uint8Array>` fed by a connection, what
 * `sseStream`, `sseResponse`, Hono's `sse()` and `hub.response()` return.
 *
 * @module
 */
import type { Body, BodyHost } from "./body.ts";

/** Counts a chunk's bytes, so `desiredSize` is minus the bytes the client has not taken. */
function byteLength(chunk: Uint8Array): number {
  return chunk.byteLength;
}

/**
 * The stream's underlying source and the connection's body in one object.
 * With a high-water mark of 0, `pull()` means exactly "the client took
 * everything and asks for more".
 */
class WebBody implements UnderlyingDefaultSource<Uint8Array>, Body {
  readonly #host: BodyHost & { open(body: Body): void };
  #controller!: ReadableStreamDefaultController<Uint8Array>;

  constructor(host: BodyHost & { open(body: Body): void }) {
    this.#host = host;
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
    this.#host.open(this);
  }

  pull(): Promise<void> | undefined {
    return this.#host.pull();
  }

  cancel(): void {
    this.#host.cancel();
  }

  write(bytes: Uint8Array): void {
    try {
      this.#controller.enqueue(bytes);
    } catch {
      // The body was closed or errored under us (a runtime that tore it down
      // without cancel()): the client is gone, end like a cancel. This also
      // keeps the watchdog's microtask from ever rejecting.
      this.#host.cancel();
    }
  }

  get backlog(): number {
    // A chunk that went straight to a waiting read leaves desiredSize at 0;
    // below 0 it sits in the queue until the client reads.
    return Math.max(0, -(this.#controller.desiredSize ?? 0));
  }

  close(): void {
    // One macrotask later, not now: Bun answers a body that has already
    // closed when it writes the head with a Content-Length (`sseResponse([])`
    // would go out as `Content-Length: 0`, a header an event stream must never
    // carry); a
    // microtask is not enough. Every other runtime streams it the same either way.
    // A closure made now rather than a bound field: every connection ends once, most live long.
    setTimeout(() => this.#closeNow(), 0);
  }

  #closeNow(): void {
    try {
      this.#controller.close();
    } catch {
      // Already closed, cancelled or errored by the runtime.
    }
  }

  /**
   * Errors the body: the only way a body can make every runtime let go of a
   * socket that does not drain. (@hono/node-server logs the error with
   * console.error; the one error it logs quietly, a premature close, it does
   * not destroy the socket for, so the message reads as what happened.)
   */
  drop(message: string): void {
    try {
      this.#controller.error(new DOMException(message, "TimeoutError"));
    } catch {
      // Already closed or errored by the runtime.
    }
  }
}

/**
 * A ReadableStream body for a connection.
 *
 * @param host - The connection; opened when the stream starts.
 * @returns The stream, pulled only as fast as its reader reads.
 */
export function webBody(host: BodyHost & { open(body: Body): void }): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(new WebBody(host), { highWaterMark: 0, size: byteLength });
}
