/**
 * The Node body: a connection's bytes written straight to a `ServerResponse`
 * or `Http2ServerResponse`, with Node's own backpressure (a `write()` that
 * returns false parks the source until `drain`) and its own way of saying
 * the client left (`close` before the end).
 *
 * @module
 */
import type { Body, BodyHost } from "../body.ts";
import { RESOLVED } from "../heap.ts";
import type { NodeResponse } from "./types.ts";

/** Where a response's listeners find their body: one listener function for every response (see `heap.ts`). */
const BODY: unique symbol = Symbol("web-sse.node-body");

type Carrier = NodeResponse & { [BODY]?: NodeBody | undefined };

/**
 * Whether the response can no longer reach its client: it was destroyed, or
 * (HTTP/2) its stream closed.
 *
 * @param res - The response.
 * @returns true when the client has gone.
 */
export function clientGone(res: NodeResponse): boolean {
  if (res.destroyed === true) return true;
  const stream = res.stream;
  return stream !== undefined && (stream.destroyed || stream.closed);
}

/** Bodies whose consumer is ready for more, pulled in one microtask for all of them. */
let due: NodeBody[] = [];

function pullDue(): void {
  const bodies = due;
  due = [];
  for (const body of bodies) body.pump();
}

function onDrain(this: Carrier): void {
  this.removeListener("drain", onDrain);
  this[BODY]?.drained();
}

function onClose(this: Carrier): void {
  const body = this[BODY];
  if (body === undefined) return;
  this[BODY] = undefined;
  this.removeListener("drain", onDrain);
  this.removeListener("close", onClose);
  this.removeListener("finish", onClose);
  body.closed();
}

/** A write was refused: nothing more until `drain`. */
const NEED_DRAIN = 1;
/** A pump is queued in the shared microtask. */
const SCHEDULED = 2;
/** A pull waits on the source; a write while it does asks again once it settles. */
const PULLING = 4;
/** Ask again once the pending pull settles. */
const AGAIN = 8;

/**
 * One response's body. The consumer "wants more" whenever a write was
 * accepted (`write()` returned true) or the response drained; the body then
 * asks the connection for more in a microtask, as a Web stream's reader would.
 */
export class NodeBody implements Body {
  readonly #res: Carrier;
  readonly #host: BodyHost;
  readonly #resolve: () => void;
  /** Which of {@link NEED_DRAIN}, {@link SCHEDULED}, {@link PULLING}, {@link AGAIN} hold: one field, not four (see `heap.ts`). */
  #flags = 0;

  /**
   * @param res - The response, its head already written.
   * @param host - The connection it carries.
   * @param resolve - Called once the response has closed.
   */
  constructor(res: NodeResponse, host: BodyHost, resolve: () => void) {
    this.#res = res;
    this.#host = host;
    this.#resolve = resolve;
    this.#res[BODY] = this;
    // One listener while idle: `drain` is listened for only while a write
    // waits for it, and `finish` only once the response ends.
    res.on("close", onClose);
  }

  write(bytes: Uint8Array): void {
    const res = this.#res;
    if (res.writableEnded || clientGone(res)) {
      this.#host.cancel();
      return;
    }
    const accepted = res.write(bytes);
    // Behind compression(), nothing reaches the client until flushed.
    res.flush?.();
    if (accepted) this.ask();
    else if ((this.#flags & NEED_DRAIN) === 0) {
      this.#flags |= NEED_DRAIN;
      res.on("drain", onDrain);
    }
  }

  get backlog(): number {
    return (this.#flags & NEED_DRAIN) !== 0 ? this.#res.writableLength : 0;
  }

  close(): void {
    const res = this.#res;
    if (res.writableEnded) return;
    // Bun's and Deno's node:http may report the end only as `finish`.
    res.on("finish", onClose);
    res.end();
  }

  drop(): void {
    // Destroys the socket (HTTP/1.1) or resets the stream (HTTP/2).
    this.#res.destroy();
  }

  /** The consumer is ready for the first bytes. */
  start(): void {
    this.ask();
  }

  /** The response drained: the consumer wants more. */
  drained(): void {
    this.#flags &= ~NEED_DRAIN;
    this.ask();
  }

  /** The response closed: the client left, or the end went out. */
  closed(): void {
    this.#host.cancel();
    this.#resolve();
  }

  private ask(): void {
    if ((this.#flags & SCHEDULED) !== 0) return;
    this.#flags |= SCHEDULED;
    if (due.push(this) === 1) RESOLVED.then(pullDue);
  }

  /** Asks the connection for more (from the shared microtask). */
  pump(): void {
    const flags = this.#flags & ~SCHEDULED;
    this.#flags = flags;
    if ((flags & NEED_DRAIN) !== 0 || this.#res[BODY] !== this) return;
    if ((flags & PULLING) !== 0) {
      this.#flags = flags | AGAIN;
      return;
    }
    const waiting = this.#host.pull();
    if (waiting === undefined) return;
    this.#flags |= PULLING;
    waiting.then(() => {
      const again = (this.#flags & AGAIN) !== 0;
      this.#flags &= ~(PULLING | AGAIN);
      if (again) this.pump();
    });
  }
}
