/**
 * The reconnection policy of `fetchEvents`: which delay after which attempt.
 * Pure functions; the random source is a parameter so tests can pin it.
 *
 * @module
 */

/** Statuses that mean "not now": retried, after Retry-After when given. */
export const RETRIED_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * The delay before the next attempt.
 *
 * @param base - The server's last `retry:`, else `options.retry`.
 * @param maxRetry - Cap for the doubling.
 * @param empty - Attempts in a row, this one included, that delivered no event
 * (0 when this attempt delivered one).
 * @param random - A number in [0, 1).
 * @returns `base` after an attempt that delivered an event or after the first
 * empty one; then `base` doubled once per further empty attempt, capped at
 * `maxRetry` (or at `base` when the server asked for more), with jitter: a
 * random point in the upper half of that, never below `base`.
 */
export function reconnectDelay(
  base: number,
  maxRetry: number,
  empty: number,
  random: number,
): number {
  if (empty <= 1) return base;
  const cap = Math.max(maxRetry, base);
  // A base of 0 (retry: 0) still backs off from 1 ms rather than spinning.
  const doubled = Math.min(Math.max(base, 1) * 2 ** Math.min(empty - 1, 40), cap);
  const jittered = doubled / 2 + random * (doubled / 2);
  return Math.round(Math.max(base, Math.min(jittered, cap)));
}

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date.
 *
 * @param value - The header's value, or null.
 * @param now - The current time (ms since the epoch).
 * @returns The delay in ms (0 for a date in the past); undefined when absent or unreadable.
 */
export function retryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
