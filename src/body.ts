/**
 * The sink interface between the stream engine and whatever carries its bytes
 * to the client: a Web `ReadableStream` (`web-body.ts`) or a Node response
 * (`node/body.ts`). The engine (the pull loop, the push path, the timers and
 * their policy) sees only these two small interfaces, so it never knows which
 * body it feeds.
 *
 * @module
 */

/** Where a connection's bytes go. */
export interface Body {
  /**
   * Hands bytes to the consumer: at once, or queued for a consumer that is
   * not taking them. A consumer that turns out to be gone is reported
   * through {@link BodyHost.cancel}.
   */
  write(bytes: Uint8Array): void;
  /** Bytes written that the consumer has not taken yet (0 while it keeps up). */
  readonly backlog: number;
  /** Ends the body normally, after what was written. */
  close(): void;
  /**
   * Ends the body at once for a consumer that takes nothing: what is queued
   * is thrown away and the runtime lets go of the connection.
   *
   * @param message - Why, for a runtime that logs it.
   */
  drop(message: string): void;
}

/** What a body reports to the connection it carries. */
export interface BodyHost {
  /**
   * The consumer has taken everything written and wants more: the one
   * "can I write more?" signal. Returns a promise only when the answer waits
   * on the source; the body asks again after it settles, not before.
   */
  pull(): Promise<void> | undefined;
  /** The consumer left before the end. */
  cancel(): void;
}
