import { describe, expect, test } from "vitest";
import type { PolicyAction, PolicyConfig } from "../src/policy.ts";
import { StreamTimers } from "../src/timers.ts";
import { FakeClock } from "./helpers/core-sse.ts";

/** Records what the timers ask the stream to do, and answers owed() as told. */
class Recorder {
  readonly actions: [PolicyAction, number][] = [];
  stillOwed = true;
  constructor(readonly clock: FakeClock) {}
  owed(): boolean {
    return this.stillOwed;
  }
  act(action: PolicyAction): void {
    this.actions.push([action, this.clock.now() - 1_000_000]);
  }
}

function setup(config: Partial<PolicyConfig>) {
  const clock = new FakeClock(1_000_000);
  const host = new Recorder(clock);
  const timers = new StreamTimers(
    { keepAlive: 0, sendTimeout: 0, maxDuration: 0, ...config },
    clock,
    host,
  );
  timers.start();
  return { clock, host, timers };
}

describe("StreamTimers", () => {
  test("a write pushes the next keepalive back; silence gets one every keepAlive ms", () => {
    const { clock, host, timers } = setup({ keepAlive: 100 });
    clock.advance(60);
    timers.wrote(false);
    clock.advance(99);
    expect(host.actions).toEqual([]);
    clock.advance(1);
    clock.advance(100);
    expect(host.actions).toEqual([
      ["keepalive", 160],
      ["keepalive", 260],
    ]);
  });

  test("something owed to a client that does not ask ends the stream sendTimeout later; an ask in between resets it", () => {
    const { clock, host, timers } = setup({ sendTimeout: 500 });
    timers.owe();
    clock.advance(400);
    timers.asked();
    clock.advance(400);
    expect(host.actions).toEqual([]);
    timers.owe();
    clock.advance(500);
    expect(host.actions).toEqual([["timeout", 1300]]);
  });

  test("a queue the client drained without asking does not time out", () => {
    const { clock, host, timers } = setup({ sendTimeout: 500, keepAlive: 200 });
    timers.wrote(true);
    host.stillOwed = false;
    clock.advance(1000);
    expect(host.actions.map(([a]) => a)).not.toContain("timeout");
  });

  test("after end(), only the drop is left: no keepalive, no max-duration", () => {
    const { clock, host, timers } = setup({ keepAlive: 50, sendTimeout: 300, maxDuration: 100 });
    clock.advance(40);
    timers.end();
    clock.advance(1000);
    expect(host.actions).toEqual([["drop", 340]]);
    expect(clock.live).toBe(0);
  });

  test("end() keeps counting from when the client stopped taking bytes", () => {
    const { clock, host, timers } = setup({ sendTimeout: 300 });
    timers.owe();
    clock.advance(200);
    timers.end();
    clock.advance(100);
    expect(host.actions).toEqual([["drop", 300]]);
  });

  test("stop() clears the timer for good: nothing later arms it again", () => {
    const { clock, host, timers } = setup({ keepAlive: 50, sendTimeout: 100, maxDuration: 100 });
    timers.stop();
    expect(clock.live).toBe(0);
    timers.owe();
    timers.wrote(true);
    timers.end();
    clock.advance(1000);
    expect(host.actions).toEqual([]);
  });
});

describe("StreamTimers of many streams on one clock", () => {
  test("share one timer, each keeping its own keepalive schedule; none is left once all stop", () => {
    const clock = new FakeClock(1_000_000);
    const streams = [100, 100, 250].map((keepAlive) => {
      const host = new Recorder(clock);
      const timers = new StreamTimers({ keepAlive, sendTimeout: 0, maxDuration: 0 }, clock, host);
      timers.start();
      return { host, timers };
    });
    expect(clock.live).toBe(1);
    clock.advance(50);
    streams[1]?.timers.wrote(false);
    clock.advance(450);
    expect(streams.map(({ host }) => host.actions.map(([, at]) => at))).toEqual([
      [100, 200, 300, 400, 500],
      [150, 250, 350, 450],
      [250, 500],
    ]);
    expect(clock.live).toBe(1);
    for (const { timers } of streams) timers.stop();
    expect(clock.live).toBe(0);
  });
});
