import { getEventListeners } from "node:events";
import { describe, expect, test } from "vitest";
import { sleep } from "../src/index.ts";
import { within } from "./helpers/core-sse.ts";

const PENDING = Symbol("pending");

/** What `promise` settled to after one macrotask turn, or PENDING. */
async function settledAfterATurn<T>(promise: Promise<T>): Promise<T | typeof PENDING> {
  const turn = new Promise<typeof PENDING>((resolve) => setTimeout(() => resolve(PENDING), 0));
  return Promise.race([promise, turn]);
}

const abortListeners = (signal: AbortSignal): number => getEventListeners(signal, "abort").length;

describe("sleep", () => {
  test("resolves with undefined once the time is up, not before", async () => {
    const started = performance.now();
    const wait = sleep(60);
    expect(await settledAfterATurn(wait)).toBe(PENDING);
    expect(await within(wait, 5000, "sleep(60)")).toBeUndefined();
    // Timers may fire a millisecond early after rounding; never much earlier.
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  test("resolves at once, without a timer or listener, when the signal has already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const wait = sleep(60_000, controller.signal);
    expect(abortListeners(controller.signal)).toBe(0);
    expect(await settledAfterATurn(wait)).toBeUndefined();
  });

  test("resolves (never rejects) as soon as the signal aborts mid-wait", async () => {
    const controller = new AbortController();
    const wait = sleep(60_000, controller.signal);
    expect(await settledAfterATurn(wait)).toBe(PENDING);
    controller.abort(new Error("the client left"));
    expect(await settledAfterATurn(wait)).toBeUndefined();
  });

  test("an abort mid-wait clears the timer, so nothing keeps the event loop busy", async () => {
    // Node's process.getActiveResourcesInfo() lists live timers by kind.
    const timers = (): number =>
      process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
    const before = timers();
    const controller = new AbortController();
    const wait = sleep(60_000, controller.signal);
    expect(timers()).toBe(before + 1);
    controller.abort();
    await wait;
    expect(timers()).toBe(before);
  });

  test("removes its abort listener when the time is up", async () => {
    const controller = new AbortController();
    const wait = sleep(10, controller.signal);
    expect(abortListeners(controller.signal)).toBe(1);
    await within(wait, 5000, "sleep(10)");
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test("many concurrent sleeps on one signal share one listener, all wake on abort, and leave none", async () => {
    const controller = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on("warning", onWarning);
    try {
      const waits = Array.from({ length: 1000 }, () => sleep(60_000, controller.signal));
      // One listener however many wait: Node warns past 10 listeners on one signal.
      expect(abortListeners(controller.signal)).toBe(1);
      controller.abort();
      expect(await within(Promise.all(waits), 5000, "1000 sleeps to wake")).toHaveLength(1000);
      expect(abortListeners(controller.signal)).toBe(0);
      // A warning is emitted on the next tick: give it one.
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(warnings.map(String)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });

  test("sleeps on one signal that end at different times leave no listener, and a later one adds it again", async () => {
    const controller = new AbortController();
    const short = sleep(5, controller.signal);
    const long = sleep(60_000, controller.signal);
    await within(short, 5000, "sleep(5)");
    expect(abortListeners(controller.signal)).toBe(1);
    controller.abort();
    await within(long, 5000, "the long sleep to wake");
    expect(abortListeners(controller.signal)).toBe(0);

    const other = new AbortController();
    await within(sleep(5, other.signal), 5000, "sleep(5)");
    expect(abortListeners(other.signal)).toBe(0);
    const again = sleep(60_000, other.signal);
    expect(abortListeners(other.signal)).toBe(1);
    other.abort();
    await within(again, 5000, "the second sleep to wake");
    expect(abortListeners(other.signal)).toBe(0);
  });

  test("Infinity with a signal waits until the signal aborts", async () => {
    const controller = new AbortController();
    const wait = sleep(Number.POSITIVE_INFINITY, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await settledAfterATurn(wait)).toBe(PENDING);
    controller.abort();
    expect(await settledAfterATurn(wait)).toBeUndefined();
    expect(abortListeners(controller.signal)).toBe(0);
  });

  test("a delay longer than one setTimeout can hold (2^31 - 1 ms) does not fire at once", async () => {
    const controller = new AbortController();
    const wait = sleep(2 ** 31 + 1000, controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await settledAfterATurn(wait)).toBe(PENDING);
    controller.abort();
    expect(await settledAfterATurn(wait)).toBeUndefined();
  });

  test("0 ms and fractional ms resolve on a later turn", async () => {
    await within(sleep(0), 5000, "sleep(0)");
    await within(sleep(1.5), 5000, "sleep(1.5)");
  });

  const invalid: [
    what: string,
    ms: unknown,
    signal: unknown,
    error: typeof Error,
    message: RegExp,
  ][] = [
    ["a negative ms", -1, undefined, RangeError, /"ms" must be >= 0 \(got -1\)/],
    ["-Infinity", Number.NEGATIVE_INFINITY, undefined, RangeError, /"ms" must be >= 0/],
    ["NaN", Number.NaN, undefined, RangeError, /"ms" must be >= 0 \(got NaN\)/],
    ["a string", "100", undefined, TypeError, /"ms" must be a number .*\(got "100"\)/],
    ["undefined ms", undefined, undefined, TypeError, /"ms" must be a number .*got undefined/],
    ["a bigint", 10n, undefined, TypeError, /got 10n\)/],
    ["Infinity without a signal", Number.POSITIVE_INFINITY, undefined, RangeError, /never/],
    [
      "a signal that is not one",
      10,
      { aborted: false },
      TypeError,
      /"signal" must be an AbortSignal/,
    ],
    ["a null signal", 10, null, TypeError, /"signal" must be an AbortSignal .*got null/],
  ];
  test.each(invalid)(
    "throws at the call for %s, naming the argument and the rule",
    (_what, ms, signal, error, message) => {
      const call = () => sleep(ms as number, signal as AbortSignal);
      expect(call).toThrow(error);
      expect(call).toThrow(message);
    },
  );

  test("an invalid call on an already-aborted signal still throws", () => {
    const controller = new AbortController();
    controller.abort();
    expect(() => sleep(-5, controller.signal)).toThrow(RangeError);
  });
});
