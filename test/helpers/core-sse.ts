/**
 * Helpers for the core tests: an independent SSE parser (eventsource-parser),
 * bounded stream readers, a clock that counts live timers, and a fake clock.
 *
 * @module
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { Clock } from "../../src/policy.ts";

/** What a WHATWG-conformant parser makes of a text/event-stream. */
export interface Parsed {
  events: EventSourceMessage[];
  comments: string[];
  retries: number[];
  errors: Error[];
}

/** Feeds `text` (in one piece or several) to eventsource-parser and collects what it reports. */
export function parse(text: string | readonly string[]): Parsed {
  const parsed: Parsed = { events: [], comments: [], retries: [], errors: [] };
  const parser = createParser({
    onEvent: (event) => parsed.events.push(event),
    onComment: (comment) => parsed.comments.push(comment),
    onRetry: (retry) => parsed.retries.push(retry),
    onError: (error) => parsed.errors.push(error),
  });
  for (const piece of typeof text === "string" ? [text] : text) parser.feed(piece);
  return parsed;
}

/** Rejects with a clear message when `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves after `ms`; with a signal, resolves early when it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done);
  });
}

/** Polls `condition` every few ms; fails with `what` after `ms`. */
export async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets pending microtasks and I/O callbacks run (one macrotask turn). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const PENDING: unique symbol = Symbol("pending");

/** Tells whether `promise` is still pending after a macrotask turn. */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const result = await Promise.race([
    promise.then(
      () => "settled",
      () => "settled",
    ),
    turn().then(() => PENDING),
  ]);
  return result === PENDING;
}

/** A chunk as the reader saw it, with when it arrived (performance.now()). */
export interface Received {
  text: string;
  at: number;
}

/** A bounded reader of a byte stream that decodes UTF-8 and keeps every chunk. */
export class StreamReader {
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly chunks: Received[] = [];
  readonly #decoder = new TextDecoder();
  done = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  /** All text read so far. */
  get text(): string {
    return this.chunks.map((chunk) => chunk.text).join("");
  }

  /** Reads one chunk; `undefined` at the end. Fails after `ms`. */
  async read(ms = 5000): Promise<string | undefined> {
    const { done, value } = await within(this.reader.read(), ms, "reading a chunk");
    if (done) {
      this.done = true;
      return undefined;
    }
    const text = this.#decoder.decode(value, { stream: true });
    this.chunks.push({ text, at: performance.now() });
    return text;
  }

  /** Reads until the stream ends. Fails when that takes longer than `ms` in all. */
  async readAll(ms = 5000): Promise<string> {
    const deadline = performance.now() + ms;
    while (!this.done) await this.read(Math.max(1, deadline - performance.now()));
    return this.text;
  }

  /** Reads until the text so far satisfies `until`. */
  async readUntil(until: (text: string) => boolean, ms = 5000): Promise<string> {
    const deadline = performance.now() + ms;
    while (!until(this.text)) {
      if (this.done)
        throw new Error(`stream ended before the condition held; got ${JSON.stringify(this.text)}`);
      await this.read(Math.max(1, deadline - performance.now()));
    }
    return this.text;
  }
}

/** Reads a whole stream as text, bounded by `ms`. */
export function readText(stream: ReadableStream<Uint8Array>, ms = 5000): Promise<string> {
  return new StreamReader(stream).readAll(ms);
}

/** The real clock, counting the timers it has armed and not yet fired or cleared. */
export class CountingClock implements Clock {
  readonly #live = new Set<ReturnType<typeof setTimeout>>();
  armed = 0;

  get live(): number {
    return this.#live.size;
  }

  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, ms: number): unknown {
    this.armed++;
    const handle = setTimeout(() => {
      this.#live.delete(handle);
      callback();
    }, ms);
    this.#live.add(handle);
    return handle;
  }

  clearTimeout(handle: unknown): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
    this.#live.delete(handle as ReturnType<typeof setTimeout>);
  }
}

interface FakeTimer {
  id: number;
  due: number;
  callback: () => void;
}

/** A clock that moves only when told to; timers fire in `advance`. */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();
  /** Every delay passed to setTimeout, in order. */
  readonly delays: number[] = [];

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  get live(): number {
    return this.#timers.size;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.delays.push(ms);
    this.#timers.set(id, { id, due: this.#now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const timer of this.#timers.values())
        if (timer.due <= end && (next === undefined || timer.due < next.due)) next = timer;
      if (next === undefined) break;
      this.#timers.delete(next.id);
      this.#now = Math.max(this.#now, next.due);
      next.callback();
    }
    this.#now = end;
  }
}

/** Collects unhandled rejections while installed. */
export class RejectionWatch {
  readonly reasons: unknown[] = [];
  readonly #listener = (reason: unknown): void => {
    this.reasons.push(reason);
  };

  install(): void {
    process.on("unhandledRejection", this.#listener);
  }

  uninstall(): void {
    process.off("unhandledRejection", this.#listener);
  }
}
