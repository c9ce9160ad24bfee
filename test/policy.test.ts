import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decide, LazyTimer, type PolicyConfig, type PolicyState } from "../src/policy.ts";
import { FakeClock } from "./helpers/core-sse.ts";

const config = (c: Partial<PolicyConfig>): PolicyConfig =>
  Object.freeze({ keepAlive: 0, sendTimeout: 0, maxDuration: 0, ...c });
const state = (s: Partial<PolicyState>): PolicyState =>
  Object.freeze({ startedAt: 0, lastWriteAt: 0, owedSince: undefined, ended: false, ...s });

describe("decide", () => {
  test("with every timer off there is nothing to do, ever", () => {
    expect(decide(config({}), state({}), 1e12)).toEqual({
      action: undefined,
      nextCheck: Number.POSITIVE_INFINITY,
    });
  });

  test("a keepalive is due exactly keepAlive ms after the last write", () => {
    const c = config({ keepAlive: 1000 });
    const s = state({ lastWriteAt: 500 });
    expect(decide(c, s, 1499)).toEqual({ action: undefined, nextCheck: 1500 });
    expect(decide(c, s, 1500)).toEqual({ action: "keepalive", nextCheck: 2500 });
  });

  test("a late timer still writes one keepalive and looks again keepAlive ms later", () => {
    expect(decide(config({ keepAlive: 1000 }), state({}), 3700)).toEqual({
      action: "keepalive",
      nextCheck: 4700,
    });
  });

  test("no keepalive is queued behind bytes already waiting for the client", () => {
    const c = config({ keepAlive: 1000, sendTimeout: 5000 });
    const s = state({ lastWriteAt: 100, owedSince: 100 });
    expect(decide(c, s, 1100)).toEqual({ action: undefined, nextCheck: 2100 });
  });

  test("sendTimeout fires when bytes have waited that long, not before", () => {
    const c = config({ keepAlive: 1000, sendTimeout: 5000 });
    const s = state({ lastWriteAt: 100, owedSince: 100 });
    expect(decide(c, s, 5099).action).toBeUndefined();
    expect(decide(c, s, 5099).nextCheck).toBeLessThanOrEqual(5100);
    expect(decide(c, s, 5100)).toEqual({ action: "timeout", nextCheck: Number.POSITIVE_INFINITY });
  });

  test("sendTimeout never fires while nothing waits, or when it is off", () => {
    expect(decide(config({ sendTimeout: 100 }), state({}), 1e9).action).toBeUndefined();
    expect(decide(config({ sendTimeout: 0 }), state({ owedSince: 0 }), 1e9).action).toBeUndefined();
  });

  test("the next check while waiting is the send deadline when it comes first", () => {
    const c = config({ keepAlive: 10_000, sendTimeout: 300 });
    expect(decide(c, state({ owedSince: 50 }), 100).nextCheck).toBe(350);
  });

  test("maxDuration fires at startedAt + maxDuration and wins over everything else", () => {
    const c = config({ keepAlive: 1000, sendTimeout: 1000, maxDuration: 3000 });
    const s = state({ startedAt: 0, lastWriteAt: 0, owedSince: 0 });
    expect(decide(c, s, 2999).action).toBe("timeout");
    expect(decide(config({ maxDuration: 3000 }), state({}), 2999)).toEqual({
      action: undefined,
      nextCheck: 3000,
    });
    expect(decide(c, s, 3000)).toEqual({
      action: "max-duration",
      nextCheck: Number.POSITIVE_INFINITY,
    });
  });

  test("the next check is the earliest deadline of all timers", () => {
    expect(decide(config({ keepAlive: 5000, maxDuration: 3000 }), state({}), 0).nextCheck).toBe(
      3000,
    );
    expect(decide(config({ keepAlive: 2000, maxDuration: 3000 }), state({}), 0).nextCheck).toBe(
      2000,
    );
  });

  const arbitraryCase = fc
    .record({
      keepAlive: fc.nat(10_000),
      sendTimeout: fc.nat(10_000),
      maxDuration: fc.nat(100_000),
      startedAt: fc.nat(1_000_000),
      sinceStart: fc.nat(100_000),
      sinceWrite: fc.nat(100_000),
      waiting: fc.option(fc.nat(100_000)),
    })
    .map((r) => {
      const now = r.startedAt + r.sinceStart;
      const lastWriteAt = Math.max(r.startedAt, now - r.sinceWrite);
      // Bytes start waiting at a write; later writes may add to them.
      const owedSince =
        r.waiting === null ? undefined : Math.max(r.startedAt, lastWriteAt - r.waiting);
      return {
        c: config({
          keepAlive: r.keepAlive,
          sendTimeout: r.sendTimeout,
          maxDuration: r.maxDuration,
        }),
        s: state({ startedAt: r.startedAt, lastWriteAt, owedSince }),
        now,
      };
    });

  test("the next check is always in the future unless the stream ends (no busy timer)", () => {
    fc.assert(
      fc.property(arbitraryCase, ({ c, s, now }) => {
        const { action, nextCheck } = decide(c, s, now);
        if (action === "timeout" || action === "max-duration" || action === "drop")
          expect(nextCheck).toBe(Number.POSITIVE_INFINITY);
        else expect(nextCheck).toBeGreaterThan(now);
      }),
      { numRuns: 2000 },
    );
  });

  test("silence never lasts longer than keepAlive without a keepalive (unless bytes wait or the stream ends)", () => {
    fc.assert(
      fc.property(arbitraryCase, ({ c, s, now }) => {
        const { action, nextCheck } = decide(c, s, now);
        if (c.keepAlive === 0 || s.owedSince !== undefined) return;
        if (action === "max-duration") return;
        if (now - s.lastWriteAt >= c.keepAlive) expect(action).toBe("keepalive");
        else expect(nextCheck).toBeLessThanOrEqual(s.lastWriteAt + c.keepAlive);
      }),
      { numRuns: 2000 },
    );
  });

  test("an ended stream whose client never comes for the rest is dropped sendTimeout after it stopped taking bytes", () => {
    const c = config({ keepAlive: 100, sendTimeout: 1000, maxDuration: 500 });
    const s = state({ lastWriteAt: 0, owedSince: 200, ended: true });
    // No keepalive and no max-duration any more: only the drop is left.
    expect(decide(c, s, 1199)).toEqual({ action: undefined, nextCheck: 1200 });
    expect(decide(c, s, 1200)).toEqual({ action: "drop", nextCheck: Number.POSITIVE_INFINITY });
  });

  test("an ended stream is never dropped with sendTimeout off, or while the client waits", () => {
    const never = { action: undefined, nextCheck: Number.POSITIVE_INFINITY };
    expect(decide(config({ sendTimeout: 0 }), state({ owedSince: 0, ended: true }), 1e9)).toEqual(
      never,
    );
    expect(decide(config({ sendTimeout: 10 }), state({ ended: true }), 1e9)).toEqual(never);
  });
});

describe("LazyTimer on a fake clock", () => {
  function timer() {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const lazy = new LazyTimer(clock, () => fired.push(clock.now()));
    return { clock, fired, lazy };
  }

  test("checkBy(t) fires once at t", () => {
    const { clock, fired, lazy } = timer();
    lazy.checkBy(100);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([100]);
    clock.advance(1000);
    expect(fired).toEqual([100]);
    expect(clock.live).toBe(0);
  });

  test("a later deadline leaves the armed timer alone (no clear/set pair)", () => {
    const { clock, fired, lazy } = timer();
    lazy.checkBy(100);
    lazy.checkBy(500);
    lazy.checkBy(100);
    expect(clock.delays).toEqual([100]);
    clock.advance(500);
    expect(fired).toEqual([100]);
  });

  test("an earlier deadline replaces the armed timer", () => {
    const { clock, fired, lazy } = timer();
    lazy.checkBy(500);
    lazy.checkBy(100);
    expect(clock.live).toBe(1);
    clock.advance(1000);
    expect(fired).toEqual([100]);
  });

  test("Infinity arms nothing, and stop() clears the armed timer", () => {
    const { clock, fired, lazy } = timer();
    lazy.checkBy(Number.POSITIVE_INFINITY);
    expect(clock.live).toBe(0);
    lazy.checkBy(100);
    lazy.stop();
    expect(clock.live).toBe(0);
    clock.advance(1000);
    expect(fired).toEqual([]);
  });

  test("it can be armed again after firing or stopping", () => {
    const { clock, fired, lazy } = timer();
    lazy.checkBy(100);
    clock.advance(100);
    lazy.checkBy(300);
    clock.advance(200);
    lazy.checkBy(400);
    lazy.stop();
    lazy.checkBy(450);
    clock.advance(1000);
    expect(fired).toEqual([100, 300, 450]);
  });

  test("a deadline in the past fires with no delay; a far one is capped to what setTimeout can hold", () => {
    const { clock, lazy } = timer();
    clock.advance(1000);
    lazy.checkBy(10);
    expect(clock.delays).toEqual([0]);
    lazy.stop();
    lazy.checkBy(1000 + 2 ** 40);
    expect(clock.delays[1]).toBe(2 ** 31 - 1);
  });

  test("a callback that re-arms the timer from inside works (the stream's tick does)", () => {
    const clock = new FakeClock(0);
    const fired: number[] = [];
    const lazy: LazyTimer = new LazyTimer(clock, () => {
      fired.push(clock.now());
      if (fired.length < 3) lazy.checkBy(clock.now() + 100);
    });
    lazy.checkBy(100);
    clock.advance(1000);
    expect(fired).toEqual([100, 200, 300]);
    expect(clock.live).toBe(0);
  });
});
