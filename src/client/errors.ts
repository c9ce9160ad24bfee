/**
 * The one error `fetchEvents` adds: an answer that cannot be an event stream.
 *
 * @module
 */

/**
 * The server's answer cannot be an event stream (a status other than 200, 204
 * and the retried 429/502/503/504, or a 200 with another Content-Type), and
 * will not be retried. Its body is left unread on {@link SSEResponseError.response}
 * for the caller to read or cancel.
 *
 * @example Tell a refused login from a broken stream
 * ```ts
 * import { fetchEvents, SSEResponseError } from "web-sse/client";
 *
 * try {
 *   for await (const event of fetchEvents("/events")) console.log(event.data);
 * } catch (error) {
 *   if (error instanceof SSEResponseError && error.status === 401) location.assign("/login");
 *   else throw error;
 * }
 * ```
 */
export class SSEResponseError extends Error {
  /** The response's status. */
  readonly status: number;
  /** The response itself, its body unread. */
  readonly response: Response;

  /**
   * @param response - The answer that was refused.
   * @param message - Says what was wrong and what was expected.
   */
  constructor(response: Response, message: string) {
    super(message);
    this.name = "SSEResponseError";
    this.status = response.status;
    this.response = response;
  }
}
