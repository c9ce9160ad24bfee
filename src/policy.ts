/**
 * Timing policy: keepalive, send timeout and max duration. The only place
 * timers and the clock live.
 *
 * The decision is a pure function of a few timestamps ({@link decide}); each
 * stream keeps one deadline, moved lazily ({@link rearmDelay}), in a queue
 * that every stream on the clock shares under one timer (`deadlines.ts`), so
 * a write costs a timestamp, never a clearTimeout/setTimeout pair.
 *
 * @module
 */

/** Where time enters: swap it in tests to control time. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now` and the global timers of whatever runtime this is. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Timer settings in ms; `0` means off. */
export interface PolicyConfig {
  keepAlive: number;
  sendTimeout: number;
  maxDuration: number;
}

/** What a connection knows about itself when its timer fires. */
export interface PolicyState {
  /** When the stream started. */
  startedAt: number;
  /** When bytes were last handed to the stream. */
  lastWriteAt: number;
  /**
   * Since when the stream has had something for a client that has not asked
   * for it (the client side waits: bytes queued, an event ready, or the end of
   * the stream); `undefined` while the client is waiting for the source.
   */
  owedSince: number | undefined;
  /** The stream has ended; only the body is left to close (after the client takes what it is owed). */
  ended: boolean;
}

/**
 * What the timer should do: write a keepalive, end the stream (`timeout`,
 * `max-duration`), or `drop` the body of a stream that already ended because
 * the client never came for its last bytes.
 */
export type PolicyAction = "keepalive" | "timeout" | "max-duration" | "drop";

/** What to do now, and when to look again (`Infinity`: never). */
export interface Decision {
  action: PolicyAction | undefined;
  nextCheck: number;
}

const NEVER = Number.POSITIVE_INFINITY;

/**
 * Decides what a connection's timer should do at `now`. Every timing rule of a
 * stream lives here.
 *
 * - A keepalive is due after `keepAlive` ms without a write, so the longest
 *   silence on the wire is `keepAlive` (plus timer lag), never twice that.
 *   While something is already owed to the client there is no silence to
 *   fill, so no keepalive is queued behind it.
 * - The send timeout: when something has been owed to the client for
 *   `sendTimeout` ms (it takes nothing), the stream ends as `timeout`, with or
 *   without keepalive. Once the stream has ended for another reason, the same
 *   rule drops a body whose last bytes the client never comes for, so a
 *   stalled client never holds its connection past `sendTimeout`.
 * - `maxDuration` after the start, the stream ends as `max-duration`.
 *
 * @param config - The timer settings; 0 turns a timer off.
 * @param state - The connection's timestamps.
 * @param now - The current time.
 * @returns The action to take now (if any) and when to check again.
 */
export function decide(config: PolicyConfig, state: PolicyState, now: number): Decision {
  const { keepAlive, sendTimeout, maxDuration } = config;
  const owedSince = state.owedSince;
  const sendBy = sendTimeout > 0 && owedSince !== undefined ? owedSince + sendTimeout : NEVER;
  if (state.ended) {
    return now >= sendBy
      ? { action: "drop", nextCheck: NEVER }
      : { action: undefined, nextCheck: sendBy };
  }
  if (maxDuration > 0 && now >= state.startedAt + maxDuration) {
    return { action: "max-duration", nextCheck: NEVER };
  }
  if (now >= sendBy) return { action: "timeout", nextCheck: NEVER };
  let action: Decision["action"];
  let nextCheck = sendBy;
  if (keepAlive > 0) {
    let due = state.lastWriteAt + keepAlive;
    if (now >= due) {
      if (owedSince === undefined) action = "keepalive";
      due = now + keepAlive;
    }
    nextCheck = Math.min(nextCheck, due);
  }
  if (maxDuration > 0) nextCheck = Math.min(nextCheck, state.startedAt + maxDuration);
  return { action, nextCheck };
}

// setTimeout stores its delay in a signed 32-bit int: a longer delay fires at once.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * The delay to arm a timer with so that it fires by `due`, or `undefined`
 * when the timer armed for `armed` already fires in time (a later deadline
 * is left to the callback, which asks again): the rule that makes a write
 * cost a timestamp, never a clearTimeout/setTimeout pair.
 *
 * @param due - When the timer must fire at the latest.
 * @param armed - When the armed timer fires (`Infinity`: none is armed).
 * @param now - The current time.
 * @returns The delay in ms (clamped to what setTimeout takes), or `undefined`: leave the timer be.
 */
export function rearmDelay(due: number, armed: number, now: number): number | undefined {
  if (due >= armed || !Number.isFinite(due)) return undefined;
  return Math.min(Math.max(0, due - now), MAX_DELAY);
}

/**
 * One lazily moved timer. `checkBy(t)` makes sure the timer fires no later
 * than `t`; a later deadline is left to the callback, which asks again.
 */
export class LazyTimer {
  readonly #clock: Clock;
  readonly #onFire: () => void;
  #handle: unknown;
  #due = Number.POSITIVE_INFINITY;
  /** Bound once: arming the timer makes no closure. */
  readonly #fired = (): void => {
    this.#handle = undefined;
    this.#due = Number.POSITIVE_INFINITY;
    this.#onFire();
  };

  /**
   * @param clock - Where time and timers come from.
   * @param onFire - Called when the timer fires.
   */
  constructor(clock: Clock, onFire: () => void) {
    this.#clock = clock;
    this.#onFire = onFire;
  }

  /** Makes sure the timer fires no later than `due` (a time on the clock). */
  checkBy(due: number): void {
    const delay = rearmDelay(due, this.#due, this.#clock.now());
    if (delay === undefined) return;
    this.stop();
    this.#due = due;
    this.#handle = this.#clock.setTimeout(this.#fired, delay);
  }

  /** Clears the timer. */
  stop(): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#due = Number.POSITIVE_INFINITY;
  }
}
