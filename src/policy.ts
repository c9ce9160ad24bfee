/**
 * Timing policy: keepalive, send timeout and max duration. The only place
 * timers and the clock live.
 *
 * The decision is a pure function of a few timestamps ({@link decide}); the
 * stream keeps one timer per connection and moves it lazily, so a write costs a
 * timestamp, never a clearTimeout/setTimeout pair.
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
  /** Since when bytes have been waiting for a client that does not read; `undefined` when none wait. */
  waitingSince: number | undefined;
}

/** What to do now, and when to look again (`Infinity`: never). */
export interface Decision {
  action: "keepalive" | "timeout" | "max-duration" | undefined;
  nextCheck: number;
}

/**
 * Decides what a connection's timer should do at `now`.
 *
 * A keepalive is due after `keepAlive` ms without a write, so the longest
 * silence on the wire is `keepAlive` (plus timer lag), never twice that. While
 * bytes are already waiting for the client there is no silence to fill, so no
 * keepalive is queued behind them.
 *
 * @param config - The timer settings; 0 turns a timer off.
 * @param state - The connection's timestamps.
 * @param now - The current time.
 * @returns The action to take now (if any) and when to check again.
 */
export function decide(config: PolicyConfig, state: PolicyState, now: number): Decision {
  const { keepAlive, sendTimeout, maxDuration } = config;
  if (maxDuration > 0 && now >= state.startedAt + maxDuration) {
    return { action: "max-duration", nextCheck: Number.POSITIVE_INFINITY };
  }
  const waiting = state.waitingSince !== undefined;
  if (sendTimeout > 0 && waiting && now >= (state.waitingSince as number) + sendTimeout) {
    return { action: "timeout", nextCheck: Number.POSITIVE_INFINITY };
  }
  let action: Decision["action"];
  let nextCheck = Number.POSITIVE_INFINITY;
  if (keepAlive > 0) {
    let due = state.lastWriteAt + keepAlive;
    if (now >= due) {
      if (!waiting) action = "keepalive";
      due = now + keepAlive;
    }
    nextCheck = due;
  }
  if (sendTimeout > 0 && waiting)
    nextCheck = Math.min(nextCheck, (state.waitingSince as number) + sendTimeout);
  if (maxDuration > 0) nextCheck = Math.min(nextCheck, state.startedAt + maxDuration);
  return { action, nextCheck };
}

// setTimeout stores its delay in a signed 32-bit int: a longer delay fires at once.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * One lazily moved timer. `checkBy(t)` makes sure the timer fires no later than
 * `t`; a later deadline is left to the callback, which asks again.
 */
export class LazyTimer {
  #clock: Clock;
  #onFire: () => void;
  #handle: unknown;
  #due = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, onFire: () => void) {
    this.#clock = clock;
    this.#onFire = onFire;
  }

  checkBy(due: number): void {
    if (due >= this.#due) return;
    this.stop();
    if (!Number.isFinite(due)) return;
    this.#due = due;
    const delay = Math.min(Math.max(0, due - this.#clock.now()), MAX_DELAY);
    this.#handle = this.#clock.setTimeout(() => {
      this.#handle = undefined;
      this.#due = Number.POSITIVE_INFINITY;
      this.#onFire();
    }, delay);
  }

  stop(): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#due = Number.POSITIVE_INFINITY;
  }
}
