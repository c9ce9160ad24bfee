/**
 * Every accepted source kind, turned into one pull interface.
 *
 * @module
 */
import { show } from "./check.ts";
import type { SSEChunk } from "./encode.ts";
import type { EncodedEvent } from "./encoded.ts";
import { isPushSource, type PushSource } from "./push.ts";

/** What the stream hands to a source function. */
export interface SSEContext {
  /**
   * Aborts when the stream ends, whatever ended it (client gone, `options.signal`
   * or `request.signal` aborted, timeout, max duration, error, or the source
   * finished). Tie every wait in the source to it, so the source stops at once.
   */
  signal: AbortSignal;
  /** The `Last-Event-ID` the client reconnected with, decoded as UTF-8; `undefined` if none. */
  lastEventId: string | undefined;
}

/** What a source may yield: a message, a bare string, or bytes already encoded once. */
export type SSEYield = SSEChunk | EncodedEvent;

/** Anything a stream can read messages from. */
export type SSEIterable = AsyncIterable<SSEYield> | Iterable<SSEYield> | ReadableStream<SSEYield>;

/**
 * A cursor over a source: `next()` may answer synchronously (sync iterables).
 *
 * @internal
 */
export interface Cursor {
  next(): IteratorResult<unknown> | Promise<IteratorResult<unknown>>;
  /** Returns the iterator or cancels the stream. Never throws; never leaves a rejection unhandled. */
  close(reason: unknown): void;
}

function noop(): void {}

function kindOf(value: unknown): "stream" | "async" | "sync" | undefined {
  if (value === null || (typeof value !== "object" && typeof value !== "function"))
    return undefined;
  const candidate = value as Record<PropertyKey, unknown>;
  // ReadableStream first: some runtimes make it async-iterable too, but a reader
  // can be cancelled even while a read is pending.
  if (typeof candidate.getReader === "function") return "stream";
  if (typeof candidate[Symbol.asyncIterator] === "function") return "async";
  if (typeof candidate[Symbol.iterator] === "function") return "sync";
  return undefined;
}

/**
 * Checks a source when the stream is created, so a wrong kind fails at the call.
 * A function is checked later, on what it returns.
 *
 * @param source - What the caller passed.
 * @param where - The public function that was called, for the error message.
 * @throws TypeError for a bare string, a promise or anything not iterable.
 *
 * @internal
 */
export function checkSource(source: unknown, where = "sseStream"): void {
  if (typeof source === "function") return;
  if (typeof source === "string") {
    throw new TypeError(
      `${where}: the source must not be a bare string (it would be sent one character per event); pass [text] or a generator`,
    );
  }
  if (kindOf(source) === undefined) {
    const hint =
      typeof (source as { then?: unknown } | null)?.then === "function"
        ? "; for a source that needs to await first, pass a function: async (ctx) => source"
        : "";
    throw new TypeError(
      `${where}: the source must be an async iterable, an iterable, a ReadableStream or a function of ctx returning one (got ${show(source)})${hint}`,
    );
  }
}

// The cursors are small classes, not object literals of closures: a stream
// holds its cursor as long as it lives, and two closures with their context
// cost about 0.15 KiB more per connection than one object.

class StreamCursor implements Cursor {
  readonly #reader: ReadableStreamDefaultReader<unknown>;

  constructor(stream: ReadableStream<unknown>) {
    this.#reader = stream.getReader();
  }

  next(): Promise<IteratorResult<unknown>> {
    return this.#reader.read() as Promise<IteratorResult<unknown>>;
  }

  close(reason: unknown): void {
    this.#reader.cancel(reason).catch(noop);
  }
}

class AsyncCursor implements Cursor {
  readonly #iterator: AsyncIterator<unknown>;

  constructor(iterable: AsyncIterable<unknown>) {
    this.#iterator = iterable[Symbol.asyncIterator]();
  }

  next(): Promise<IteratorResult<unknown>> {
    return this.#iterator.next();
  }

  close(): void {
    // An async generator parked in an await runs this return() only when that
    // await settles; the stream does not wait for it.
    try {
      const returned = this.#iterator.return?.();
      if (returned) Promise.resolve(returned).catch(noop);
    } catch {
      // A custom iterator whose return() throws: nothing left to clean up.
    }
  }
}

class SyncCursor implements Cursor {
  readonly #iterator: Iterator<unknown>;

  constructor(iterable: Iterable<unknown>) {
    this.#iterator = iterable[Symbol.iterator]();
  }

  next(): IteratorResult<unknown> {
    return this.#iterator.next();
  }

  close(): void {
    try {
      this.#iterator.return?.();
    } catch {
      // "Generator is already running" when the generator itself ended the stream.
    }
  }
}

/**
 * Turns an already-resolved source value into a cursor, or throws a TypeError.
 *
 * @internal
 */
export function toCursor(value: unknown): Cursor {
  switch (kindOf(value)) {
    case "stream":
      return new StreamCursor(value as ReadableStream<unknown>);
    case "async":
      return new AsyncCursor(value as AsyncIterable<unknown>);
    case "sync":
      if (typeof value === "string") break;
      return new SyncCursor(value as Iterable<unknown>);
  }
  throw new TypeError(
    `sseStream: the source function must return an async iterable, an iterable or a ReadableStream, or a promise of one (got ${show(value)})`,
  );
}

/**
 * An opened source: a cursor to pull from, or a source that pushes.
 *
 * @internal
 */
export type Opened = Cursor | PushSource;

function open(value: unknown): Opened {
  return isPushSource(value) ? value : toCursor(value);
}

/**
 * Opens a source: calls a source function with `ctx` and awaits what it returns.
 * Synchronous when it can be, so a sync iterable starts without a microtask.
 * A push source (see `push.ts`) is handed back as it is.
 *
 * @internal
 */
export function openSource(source: unknown, ctx: SSEContext): Opened | Promise<Opened> {
  if (typeof source !== "function") return open(source);
  const made: unknown = source(ctx);
  if (typeof (made as { then?: unknown } | null)?.then === "function") {
    return Promise.resolve(made).then(open);
  }
  return open(made);
}

/**
 * Closes a source the stream never opened: an iterator is returned, a
 * ReadableStream cancelled (an `events.on()` iterator's listener goes with
 * it). A source function is not called just to be closed, and a push source
 * that was never started has nothing to undo. Never throws.
 *
 * @internal
 */
export function closeUnopened(source: unknown, reason: unknown): void {
  if (typeof source === "function" || isPushSource(source)) return;
  try {
    toCursor(source).close(reason);
  } catch {
    // A stream locked by someone else, or an iterator that throws on creation: nothing of ours to close.
  }
}

/**
 * Closes whatever a source function produced after the stream had ended. Never throws.
 *
 * @internal
 */
export function closeOpened(opened: Opened, reason: unknown): void {
  if (!isPushSource(opened)) opened.close(reason);
}
