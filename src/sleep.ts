/**
 * `sleep(ms, signal)`: the abortable wait a source parks in between events.
 *
 * @module
 */
import { signal as checkSignal, show } from "./check.ts";

// setTimeout stores its delay in a signed 32-bit int: a longer delay would fire
// at once (Node also warns), so a longer sleep is made of several timers.
const MAX_DELAY = 2 ** 31 - 1;

/** Everyone sleeping on one signal, woken by the one listener added for them. */
interface Sleepers {
  readonly wake: Set<() => void>;
  readonly onAbort: () => void;
}

// One abort listener per signal, however many sleeps wait on it: thousands of
// streams sleeping on one shutdown signal would otherwise add thousands of
// listeners (and Node warns past 10 on one AbortSignal).
const sleepersOf = new WeakMap<AbortSignal, Sleepers>();

/** Calls `wake` once when `signal` aborts; the returned function unregisters it. */
function onAbort(signal: AbortSignal, wake: () => void): () => void {
  let sleepers = sleepersOf.get(signal);
  if (sleepers === undefined) {
    const set = new Set<() => void>();
    const entry: Sleepers = {
      wake: set,
      onAbort: () => {
        sleepersOf.delete(signal);
        for (const fn of set) fn();
        set.clear();
      },
    };
    sleepersOf.set(signal, entry);
    signal.addEventListener("abort", entry.onAbort, { once: true });
    sleepers = entry;
  }
  const entry = sleepers;
  entry.wake.add(wake);
  return () => {
    entry.wake.delete(wake);
    if (entry.wake.size > 0 || sleepersOf.get(signal) !== entry) return;
    sleepersOf.delete(signal);
    signal.removeEventListener("abort", entry.onAbort);
  };
}

function checkArguments(ms: unknown, signal: unknown): void {
  if (typeof ms !== "number") {
    throw new TypeError(`sleep: "ms" must be a number of milliseconds (got ${show(ms)})`);
  }
  // NaN is a number outside every range: a RangeError, as for any option of a number.
  if (!(ms >= 0)) throw new RangeError(`sleep: "ms" must be >= 0 (got ${show(ms)})`);
  checkSignal({ where: "sleep", name: "signal" }, signal, " or undefined");
  if (ms === Number.POSITIVE_INFINITY && signal === undefined) {
    throw new RangeError(
      'sleep: "ms" is Infinity and there is no signal, so it would never resolve (pass a signal to wait until it aborts)',
    );
  }
}

/**
 * Resolves after `ms` milliseconds, or at once when `signal` aborts (or has
 * already aborted). It never rejects on abort: a source's loop checks
 * `signal.aborted` and ends, so its `finally` runs as soon as the client
 * leaves instead of at its next tick. Either way nothing is left behind: the
 * timer is cleared on abort, and the abort listener is removed when the time
 * is up.
 *
 * `ms` may be fractional (timers round it), and longer than the 24.8 days a
 * single `setTimeout` can wait. `Infinity` waits until `signal` aborts: it
 * needs a signal.
 *
 * @param ms - How long to wait, in milliseconds: a number >= 0, or `Infinity`
 * with a signal.
 * @param signal - Ends the wait early when it aborts; `ctx.signal` in a source.
 * @returns A promise that resolves (with `undefined`) when the time is up or
 * the signal aborts, whichever comes first.
 * @throws TypeError when `ms` is not a number or is NaN, or `signal` is not an
 * AbortSignal; RangeError when `ms` is negative, or `Infinity` without a signal.
 *
 * @example A clock that stops as soon as the client leaves
 * ```ts
 * import { sleep, sseResponse } from "web-sse";
 *
 * export default {
 *   fetch: (request: Request) =>
 *     sseResponse(async function* ({ signal }) {
 *       while (!signal.aborted) {
 *         yield { event: "time", data: new Date().toISOString() };
 *         await sleep(1000, signal);
 *       }
 *     }, { request }),
 * };
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  checkArguments(ms, signal);
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let remaining = ms;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unregister: (() => void) | undefined;
    const finish = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      unregister?.();
      resolve();
    };
    const arm = (): void => {
      if (remaining <= MAX_DELAY) {
        timer = setTimeout(finish, remaining);
        return;
      }
      remaining -= MAX_DELAY;
      timer = setTimeout(arm, MAX_DELAY);
    };
    if (signal !== undefined) unregister = onAbort(signal, finish);
    // Infinity: only the signal ends the wait (checked above: there is one).
    if (remaining !== Number.POSITIVE_INFINITY) arm();
  });
}
