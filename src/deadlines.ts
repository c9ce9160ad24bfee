/**
 * One timer for every stream on a clock. Each stream has at most one
 * deadline at a time (its {@link StreamTimers} asks the policy when to look
 * again); the deadlines wait in one queue ordered by time, and one lazily
 * moved timer ({@link LazyTimer}) is armed for the earliest. An idle
 * connection then costs a place in the queue instead of a runtime timer and
 * the callback it holds (see `heap.ts`).
 *
 * Times in the queue count from when the queue was made, so they stay small
 * integers that a stream keeps without boxing them.
 *
 * @module
 */
import { type Clock, LazyTimer } from "./policy.ts";

/** What waits in a {@link Deadlines} queue. */
export interface Timed {
  /** Its place in the queue, kept by the queue; -1 while it is not queued. */
  slot: number;
  /** Its deadline has come (it has already left the queue). */
  fire(): void;
}

/**
 * A queue of deadlines (a binary min-heap: adding, moving and removing one
 * cost a few swaps among thousands) under one timer. The timer is cleared
 * as soon as the queue is empty, so a process whose streams have all ended
 * holds no timer of ours and can exit.
 */
export class Deadlines {
  readonly #clock: Clock;
  /** Clock time of queue time 0. */
  readonly #origin: number;
  readonly #timer: LazyTimer;
  /** The heap of waiting items, earliest first; `#dues` holds their deadlines at the same places. */
  readonly #items: Timed[] = [];
  readonly #dues: number[] = [];
  /** Items are being fired: the timer is armed once, after. */
  #running = false;

  /** @param clock - Where time and the one timer come from. */
  constructor(clock: Clock) {
    this.#clock = clock;
    this.#origin = clock.now();
    this.#timer = new LazyTimer(clock, () => this.#run());
  }

  /** The time now, on the queue's scale. */
  now(): number {
    const now = this.#clock.now() - this.#origin;
    // `| 0` makes the engine store it as a small integer rather than a boxed
    // double, for as long as it fits (about 24 days on this scale).
    return (now | 0) === now ? now | 0 : now;
  }

  /** How many items wait. */
  get size(): number {
    return this.#items.length;
  }

  /**
   * When `item` is due.
   *
   * @param item - An item of this queue, or one not queued.
   * @returns Its deadline, or `Infinity` when it is not queued.
   */
  dueOf(item: Timed): number {
    return item.slot < 0 ? Number.POSITIVE_INFINITY : (this.#dues[item.slot] as number);
  }

  /**
   * Queues `item` to fire at `due` (queue time), or moves it there.
   *
   * @param item - The item; queued in no other queue.
   * @param due - A finite time on the queue's scale.
   */
  set(item: Timed, due: number): void {
    const slot = item.slot;
    if (slot < 0) {
      this.#items.push(item);
      this.#dues.push(due);
      this.#up(this.#items.length - 1);
    } else {
      const before = this.#dues[slot] as number;
      this.#dues[slot] = due;
      if (due < before) this.#up(slot);
      else this.#down(slot);
    }
    if (!this.#running) this.#timer.checkBy(this.#origin + due);
  }

  /**
   * Takes `item` out of the queue (nothing if it is not queued); the timer
   * is cleared when nothing is left to wait for.
   *
   * @param item - The item.
   */
  delete(item: Timed): void {
    const slot = item.slot;
    if (slot < 0) return;
    item.slot = -1;
    const items = this.#items;
    const last = items.pop() as Timed;
    const lastDue = this.#dues.pop() as number;
    if (slot < items.length) {
      items[slot] = last;
      this.#dues[slot] = lastDue;
      last.slot = slot;
      this.#up(slot);
      this.#down(last.slot);
    }
    // A deadline left earlier than the timer is harmless: the timer fires,
    // finds nothing due and is armed for the next one.
    if (items.length === 0) this.#timer.stop();
  }

  /** The timer fired: everything due fires, then the timer is armed for what is left. */
  #run(): void {
    const now = this.now();
    const items = this.#items;
    this.#running = true;
    try {
      while (items.length > 0 && (this.#dues[0] as number) <= now) {
        const item = items[0] as Timed;
        this.delete(item);
        item.fire();
      }
    } finally {
      this.#running = false;
      if (items.length > 0) this.#timer.checkBy(this.#origin + (this.#dues[0] as number));
    }
  }

  #up(slot: number): void {
    const items = this.#items;
    const dues = this.#dues;
    const item = items[slot] as Timed;
    const due = dues[slot] as number;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      const parentDue = dues[parent] as number;
      if (parentDue <= due) break;
      const above = items[parent] as Timed;
      items[slot] = above;
      dues[slot] = parentDue;
      above.slot = slot;
      slot = parent;
    }
    items[slot] = item;
    dues[slot] = due;
    item.slot = slot;
  }

  #down(slot: number): void {
    const items = this.#items;
    const dues = this.#dues;
    const count = items.length;
    const item = items[slot] as Timed;
    const due = dues[slot] as number;
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= count) break;
      if (child + 1 < count && (dues[child + 1] as number) < (dues[child] as number)) child++;
      const childDue = dues[child] as number;
      if (childDue >= due) break;
      const below = items[child] as Timed;
      items[slot] = below;
      dues[slot] = childDue;
      below.slot = slot;
      slot = child;
    }
    items[slot] = item;
    dues[slot] = due;
    item.slot = slot;
  }
}

/** One queue per clock: every stream on the real clock shares one. */
const queues = new WeakMap<Clock, Deadlines>();

/**
 * Whether streams may share a timer here. Not on Cloudflare Workers
 * (workerd): a timer belongs to the request that armed it, so it dies with
 * that request, and its callback may not write to another request's stream
 * (I/O on behalf of a different request is refused). There each stream keeps
 * a queue, and so a timer, of its own.
 */
const SHARED: boolean =
  (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent !==
  "Cloudflare-Workers";

/**
 * The deadline queue of `clock`, made on first use; on workerd a new queue
 * for each stream (see {@link SHARED}).
 *
 * @param clock - The clock.
 * @returns The queue to wait in.
 */
export function deadlinesOf(clock: Clock): Deadlines {
  if (!SHARED) return new Deadlines(clock);
  let queue = queues.get(clock);
  if (queue === undefined) {
    queue = new Deadlines(clock);
    queues.set(clock, queue);
  }
  return queue;
}
