/**
 * A clock whose time moves only when a test says so: TTL tests skip ahead
 * instead of sleeping. Timers stay real (the streams' keepalives are not
 * what these tests are about).
 *
 * @module
 */
import type { Clock } from "../../src/policy.ts";

export class FakeClock implements Clock {
  #time = Date.now();

  now(): number {
    return this.#time;
  }

  /** Moves time forward by `ms`. */
  advance(ms: number): void {
    this.#time += ms;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    return setTimeout(callback, ms);
  }

  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}
