import { describe, expect, test } from "vitest";
import { Deadlines, deadlinesOf, type Timed } from "../src/deadlines.ts";
import { FakeClock } from "./helpers/core-sse.ts";

/** An item that records when it fired (on the clock) and may act from inside. */
class Item implements Timed {
  slot = -1;
  readonly fired: number[] = [];
  constructor(
    readonly clock: FakeClock,
    readonly onFire: (item: Item) => void = () => {},
  ) {}
  fire(): void {
    this.fired.push(this.clock.now());
    this.onFire(this);
  }
}

function setup() {
  const clock = new FakeClock(0);
  return { clock, queue: new Deadlines(clock) };
}

describe("Deadlines: one timer for many deadlines", () => {
  test("many items fire at their own deadlines, in order, under one timer", () => {
    const { clock, queue } = setup();
    const order: number[] = [];
    const dues = [500, 100, 300, 100, 900, 200, 700, 400, 800, 600];
    const items = dues.map((due, i) => {
      const item = new Item(clock, () => order.push(i));
      queue.set(item, due);
      return item;
    });
    expect(clock.live).toBe(1);
    clock.advance(99);
    expect(order).toEqual([]);
    clock.advance(1000);
    expect(items.map((item) => item.fired)).toEqual(dues.map((due) => [due]));
    expect(order.map((i) => dues[i])).toEqual([...dues].sort((a, b) => a - b));
    expect(queue.size).toBe(0);
    expect(clock.live).toBe(0);
  });

  test("a deleted item never fires; the timer is cleared when the last one leaves", () => {
    const { clock, queue } = setup();
    const a = new Item(clock);
    const b = new Item(clock);
    const c = new Item(clock);
    queue.set(a, 100);
    queue.set(b, 200);
    queue.set(c, 300);
    queue.delete(b);
    expect(queue.dueOf(b)).toBe(Number.POSITIVE_INFINITY);
    clock.advance(250);
    expect([a.fired, b.fired, c.fired]).toEqual([[100], [], []]);
    queue.delete(c);
    queue.delete(c);
    expect(queue.size).toBe(0);
    expect(clock.live).toBe(0);
    clock.advance(1000);
    expect(c.fired).toEqual([]);
  });

  test("an item moved earlier fires then, and the timer moves with it", () => {
    const { clock, queue } = setup();
    const a = new Item(clock);
    const b = new Item(clock);
    queue.set(a, 500);
    queue.set(b, 400);
    queue.set(a, 50);
    expect(queue.dueOf(a)).toBe(50);
    clock.advance(60);
    expect(a.fired).toEqual([50]);
    expect(clock.live).toBe(1);
    clock.advance(1000);
    expect(b.fired).toEqual([400]);
  });

  test("an item may set itself again and delete others from inside fire()", () => {
    const { clock, queue } = setup();
    const other = new Item(clock);
    const ticking = new Item(clock, (item) => {
      if (item.fired.length < 3) queue.set(item, clock.now() + 100);
      else queue.delete(other);
    });
    queue.set(ticking, 100);
    queue.set(other, 1000);
    clock.advance(2000);
    expect(ticking.fired).toEqual([100, 200, 300]);
    expect(other.fired).toEqual([]);
    expect(clock.live).toBe(0);
  });

  test("a timer that fires before anything is due is armed again for the earliest deadline", () => {
    const { clock, queue } = setup();
    const a = new Item(clock);
    const b = new Item(clock);
    queue.set(a, 100);
    queue.set(b, 300);
    // The armed timer (for 100) is left alone when its item leaves.
    queue.delete(a);
    clock.advance(100);
    expect(clock.live).toBe(1);
    clock.advance(200);
    expect(b.fired).toEqual([300]);
    expect(clock.live).toBe(0);
  });

  test("thousands of items in random order fire in deadline order, each once", () => {
    const { clock, queue } = setup();
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const fired: number[] = [];
    const items = Array.from(
      { length: 3000 },
      () => new Item(clock, (i) => fired.push(i.fired[0] as number)),
    );
    for (const item of items) queue.set(item, 1 + Math.floor(random() * 10_000));
    // Some move earlier, some leave.
    for (let i = 0; i < 3000; i += 7) queue.set(items[i] as Item, Math.floor(random() * 100) + 1);
    for (let i = 3; i < 3000; i += 11) queue.delete(items[i] as Item);
    const left = queue.size;
    clock.advance(20_000);
    expect(fired).toHaveLength(left);
    expect(fired).toEqual([...fired].sort((a, b) => a - b));
    expect(clock.live).toBe(0);
  });

  test("times count from the queue's start, as small integers", () => {
    const clock = new FakeClock(1_700_000_000_000);
    const queue = new Deadlines(clock);
    clock.advance(1234);
    expect(queue.now()).toBe(1234);
  });

  test("deadlinesOf gives one queue per clock", () => {
    const one = new FakeClock(0);
    expect(deadlinesOf(one)).toBe(deadlinesOf(one));
    expect(deadlinesOf(one)).not.toBe(deadlinesOf(new FakeClock(0)));
  });
});
