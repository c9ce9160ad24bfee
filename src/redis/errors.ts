/**
 * The one error `web-sse/redis` throws for Redis trouble, and the bounded wait
 * that turns a hung command into that error.
 *
 * @module
 */

/**
 * Thrown (a rejected promise) when Redis did not answer in time or refused a
 * command. `stored` says what is known of an append: `false` when Redis
 * refused the script (nothing was written), `undefined` when it is unknown
 * (no answer in time, or the connection broke: it may have been stored).
 *
 * @example Telling a publish that failed apart
 * ```ts
 * import { RedisBackendError } from "web-sse/redis";
 *
 * function report(error: unknown): string {
 *   if (error instanceof RedisBackendError) return `Redis: ${error.message}`;
 *   return String(error);
 * }
 * ```
 */
export class RedisBackendError extends Error {
  /** Whether the record was stored: false (it was not) or undefined (unknown). */
  readonly stored: false | undefined;

  /**
   * @param message - What failed and what the caller may assume.
   * @param stored - What is known of the write.
   * @param cause - The client's own error, if any.
   */
  constructor(message: string, stored: false | undefined, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "RedisBackendError";
    this.stored = stored;
  }
}

/**
 * Thrown by {@link bounded} when the time is up.
 *
 * @internal
 */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer from Redis within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/**
 * `promise`, or a {@link TimeoutError} after `ms`. The late outcome of a
 * timed-out promise is swallowed, so it never becomes an unhandled rejection.
 *
 * @internal
 */
export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
