/**
 * One subscriber: replay, then live, through one state machine that either
 * pushes into a stream's sink (the fast path) or is pulled as an async
 * iterator (anyone iterating by hand, or a stream without the push path).
 *
 * @module
 */

import { concat } from "../check.ts";
import { encodeEvent, type SSEChunk, type SSEMessage } from "../encode.ts";
import { EncodedEvent } from "../encoded.ts";
import type { SSECloseReason } from "../options.ts";
import { PUSH, type PushSink } from "../push.ts";
import type { SSEContext } from "../source.ts";
import type { BackendSnapshot, HubRecord } from "./backend.ts";
import { decodeFrames } from "./decode.ts";
import { type Frame, frameOf, positionBytes, wrapBytes } from "./frame.ts";
import { formatId, parseId } from "./ids.ts";
import type { GapAnswer, SubscribeOptions } from "./types.ts";

/** What a subscription needs from its hub. */
export interface HubCore {
  readonly maxQueued: number;
  readonly historyTtl: number;
  readonly serialize: ((data: unknown) => string) | undefined;
  readonly closed: boolean;
  /** The backend's epoch and the newest seq the live feed delivered. */
  readonly epoch: string;
  readonly head: number;
  /** Resolves once the backend is open. */
  ready(): Promise<void>;
  read(topics: readonly string[], after: number): Promise<BackendSnapshot>;
  /** Adds to the live feed's recipients; from now on every record of its topics reaches `deliver`. */
  register(subscriber: Subscriber): void;
  unregister(subscriber: Subscriber): void;
}

/** Replay goes out in pieces of about this many bytes, each after the client took the last. */
const WINDOW = 64 * 1024;

const IDLE = 0;
/** Registered; the history is read and written; live frames wait in the replay's `buffer`. */
const REPLAY = 1;
const LIVE = 2;
/** Iterator only: everything is queued, the iterator finishes once it is taken. */
const ENDING = 3;
const CLOSED = 4;

const DONE: IteratorResult<EncodedEvent> = Object.freeze({ done: true, value: undefined });
const DONE_MESSAGE: IteratorResult<SSEMessage> = Object.freeze({ done: true, value: undefined });

/**
 * The empty lists every subscription starts with, never written to: a list
 * is made on its first item, so an idle subscriber (the common case, by the
 * thousand) costs no arrays or map of its own.
 */
const NO_FRAMES: Frame[] = [];
const NO_BYTES: Uint8Array[] = [];
const NO_MESSAGES: SSEMessage[] = [];

function noop(): void {}

/** A read `response()` made before the stream started: `read(topics, after)`. */
export interface Preread {
  readonly after: number;
  readonly snapshot: BackendSnapshot;
}

/**
 * Consecutive live records of one topic (no end marker among them), in seq
 * order: their frames and, joined once, their bytes.
 */
export interface FrameRun {
  /** The seq of the first frame. */
  readonly first: number;
  /** The seq of the last frame. */
  readonly last: number;
  /** Every frame's bytes, in order, as one chunk. Shared: never written to. */
  readonly bytes: Uint8Array;
  readonly frames: readonly Frame[];
}

/** What the hub sees of a subscription. */
export interface Subscriber {
  readonly topics: readonly string[];
  /** The hot path: one live frame of one of its topics. */
  deliver(frame: Frame): void;
  /** Several live frames of one of its topics: one write when the subscriber is live and has none of them. */
  deliverRun(run: FrameRun): void;
  /** Ends its stream (reason "abort"): `hub.close()` and a lost live feed. */
  abort(): void;
}

/**
 * A new subscription, as `subscribe(topics)(ctx)` returns it.
 *
 * @param startAt - For `response()`'s "latest": the position when the request came in.
 * @param preread - What `response()` already read for this request, used when still current.
 */
export function subscription(
  hub: HubCore,
  topics: readonly string[],
  options: SubscribeOptions,
  ctx: SSEContext,
  startAt: number | undefined,
  preread?: Preread | undefined,
): Subscriber & AsyncIterable<SSEMessage> {
  return new Subscription(hub, topics, options, ctx, startAt, preread);
}

/** The subscription a hub's `subscribe(topics)(ctx)` returns. */
/**
 * What a subscription holds from its creation until it is live: once live
 * (an idle subscriber, by the thousand) it holds none of it.
 */
class Replay {
  readonly options: SubscribeOptions;
  /** For `response()`'s "latest": the position when the request came in. */
  readonly startAt: number | undefined;
  preread: Preread | undefined;
  /** Live frames that came during the replay. */
  buffer: Frame[] = NO_FRAMES;
  buffered = 0;
  /** Replay bytes not yet handed out. */
  frames: Uint8Array[] = NO_BYTES;
  at = 0;
  /** The history has been read: `frames` is the whole replay. */
  ready = false;
  /** Push path: writes the next window once the client took the last. */
  pump: (() => void) | undefined;

  constructor(
    options: SubscribeOptions,
    startAt: number | undefined,
    preread: Preread | undefined,
  ) {
    this.options = options;
    this.startAt = startAt;
    this.preread = preread;
  }
}

/** The iterator path's state: made on the first `next()`, so a stream's subscription never holds it. */
class Iteration {
  queue: Uint8Array[] = NO_BYTES;
  queued = 0;
  /** Messages decoded from the last bytes taken, not yet handed out. */
  decoded: SSEMessage[] = NO_MESSAGES;
  decodedAt = 0;
  waiter: ((result: IteratorResult<EncodedEvent>) => void) | undefined;
  rejecter: ((error: unknown) => void) | undefined;
  error: { error: unknown } | undefined;
  onAbort: (() => void) | undefined;
  decode:
    | ((
        result: IteratorResult<EncodedEvent>,
      ) => IteratorResult<SSEMessage> | Promise<IteratorResult<SSEMessage>>)
    | undefined;
}

/** The subscription a hub's `subscribe(topics)(ctx)` returns. */
class Subscription implements Subscriber {
  readonly topics: readonly string[];
  readonly #hub: HubCore;
  readonly #ctx: SSEContext;
  #phase = IDLE;
  /** Every record of these topics with seq <= floor has been handled. */
  #floor = 0;
  /** The seq of the last id the client was sent; -1 when none. */
  #clientSeq = -1;
  #epoch = "";
  /** Ended topics and the seq of their end marker. */
  #ended: Map<string, number> | undefined;
  /** Until live: the replay's state. */
  #replay: Replay | undefined;
  // The push path.
  #sink: PushSink | undefined;
  // The iterator path.
  #iter: Iteration | undefined;

  constructor(
    hub: HubCore,
    topics: readonly string[],
    options: SubscribeOptions,
    ctx: SSEContext,
    startAt: number | undefined,
    preread: Preread | undefined,
  ) {
    this.#hub = hub;
    this.topics = topics;
    this.#ctx = ctx;
    this.#replay = new Replay(options, startAt, preread);
  }

  // ---------------------------------------------------------------- the push path

  /** Called by `sseStream` instead of iterating. */
  [PUSH](sink: PushSink, _ctx: SSEContext): (reason: SSECloseReason) => void {
    if (this.#phase !== IDLE) {
      sink.fail(new TypeError("hub: a subscription can be read only once"));
      return noop;
    }
    this.#sink = sink;
    this.#begin();
    return () => this.#close();
  }

  // ---------------------------------------------------------------- the iterator path

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * The next message, for code that iterates by hand. The bytes come a whole
   * window or queue at a time (one wake per burst, not a promise per event)
   * and are handed out one message per call.
   */
  next(): Promise<IteratorResult<SSEMessage>> {
    const it = this.#it();
    if (it.decodedAt < it.decoded.length) {
      const value = it.decoded[it.decodedAt++] as SSEMessage;
      return Promise.resolve({ done: false, value });
    }
    it.decode ??= (result) => this.#decode(result);
    return this.#nextBytes(it).then(it.decode);
  }

  #it(): Iteration {
    let it = this.#iter;
    if (it === undefined) it = this.#iter = new Iteration();
    return it;
  }

  #decode(
    result: IteratorResult<EncodedEvent>,
  ): IteratorResult<SSEMessage> | Promise<IteratorResult<SSEMessage>> {
    if (result.done) return DONE_MESSAGE;
    const it = this.#it();
    it.decoded = decodeFrames(result.value.bytes);
    it.decodedAt = 0;
    return this.next();
  }

  #nextBytes(it: Iteration): Promise<IteratorResult<EncodedEvent>> {
    if (it.error !== undefined) {
      const { error } = it.error;
      it.error = undefined;
      return Promise.reject(error);
    }
    if (this.#phase === IDLE) {
      const signal = this.#ctx?.signal;
      if (signal !== undefined) {
        it.onAbort = () => this.#close();
        signal.addEventListener("abort", it.onAbort);
      }
      this.#begin();
    }
    const bytes = this.#take(it);
    if (bytes !== undefined) return Promise.resolve({ done: false, value: wrapBytes(bytes) });
    if (this.#phase >= ENDING) {
      this.#close();
      return Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      it.waiter = resolve;
      it.rejecter = reject;
    });
  }

  return(): Promise<IteratorResult<SSEMessage>> {
    const it = this.#iter;
    if (it !== undefined) {
      it.decoded = NO_MESSAGES;
      it.decodedAt = 0;
    }
    this.#close();
    return Promise.resolve(DONE_MESSAGE);
  }

  /** What the next `next()` hands out: a replay window, or every queued live frame as one chunk. */
  #take(it: Iteration): Uint8Array | undefined {
    const replay = this.#replay;
    if (this.#phase === REPLAY && replay !== undefined) {
      const frames = replay.frames;
      if (replay.at >= frames.length) return undefined;
      const start = replay.at;
      let size = 0;
      while (replay.at < frames.length && size < WINDOW) {
        size += (frames[replay.at++] as Uint8Array).length;
      }
      const window = concat(frames.slice(start, replay.at), size);
      if (replay.at >= frames.length && replay.ready) this.#goLive();
      // goLive may have queued buffered live frames (or ended): they go with the next take.
      return window;
    }
    if (it.queue.length === 0) return undefined;
    const bytes = concat(it.queue, it.queued);
    it.queue = NO_BYTES;
    it.queued = 0;
    return bytes;
  }

  /** Answers a waiting `next()`, if any. */
  #wake(): void {
    const it = this.#iter;
    if (it === undefined) return;
    const resolve = it.waiter;
    const reject = it.rejecter;
    if (resolve === undefined || reject === undefined) return;
    // Cleared first: taking a replay window can go live and queue more, which must not wake twice.
    it.waiter = it.rejecter = undefined;
    if (it.error !== undefined) {
      const { error } = it.error;
      it.error = undefined;
      reject(error);
      return;
    }
    const bytes = this.#take(it);
    if (bytes !== undefined) resolve({ done: false, value: wrapBytes(bytes) });
    else if (this.#phase >= ENDING) {
      this.#close();
      resolve(DONE);
    } else {
      it.waiter = resolve;
      it.rejecter = reject;
    }
  }

  // ---------------------------------------------------------------- the shared state machine

  /** The hot path: one live frame of one of this subscriber's topics. */
  deliver(frame: Frame): void {
    if (frame.seq <= this.#floor) return;
    const phase = this.#phase;
    if (phase === LIVE) {
      this.#floor = frame.seq;
      if (frame.end) this.#topicEnded(frame.topic, frame.seq, frame.bytes);
      else {
        this.#clientSeq = frame.seq;
        this.#emit(frame.bytes);
      }
    } else if (phase === REPLAY) {
      const replay = this.#replay as Replay;
      if (replay.buffer.length === 0) replay.buffer = [frame];
      else replay.buffer.push(frame);
      replay.buffered += frame.bytes.length;
      if (replay.buffered > this.#hub.maxQueued) this.#finish("slow");
    }
  }

  deliverRun(run: FrameRun): void {
    if (this.#phase === LIVE && run.first > this.#floor) {
      this.#floor = run.last;
      this.#clientSeq = run.last;
      this.#emit(run.bytes);
      return;
    }
    // Replaying, or some of them handled already: frame by frame.
    for (const frame of run.frames) this.deliver(frame);
  }

  /** Hands live bytes to the client now, or queues them; past maxQueued the subscriber is slow. */
  #emit(bytes: Uint8Array): void {
    const sink = this.#sink;
    if (sink !== undefined) {
      sink.write(bytes);
      if (sink.queued > this.#hub.maxQueued) this.#finish("slow");
      return;
    }
    const it = this.#it();
    if (it.queue.length === 0) it.queue = [bytes];
    else it.queue.push(bytes);
    it.queued += bytes.length;
    if (it.queued > this.#hub.maxQueued) this.#finish("slow");
    else if (it.waiter !== undefined) this.#wake();
  }

  #topicEnded(topic: string, seq: number, position: Uint8Array | undefined): void {
    this.#ended ??= new Map();
    this.#ended.set(topic, seq);
    if (this.#ended.size < this.topics.length) return;
    this.#endAll(position);
  }

  /** Every topic has ended: the client gets its final position, then the stream closes. */
  #endAll(position: Uint8Array | undefined): void {
    let last = 0;
    if (this.#ended !== undefined)
      for (const seq of this.#ended.values()) if (seq > last) last = seq;
    if (this.#clientSeq < last) {
      this.#clientSeq = last;
      this.#emit(position ?? positionBytes(this.#epoch, last));
    }
    this.#finish("done");
  }

  /** Registers, reads the history, runs the continuity check, and starts the replay. */
  #begin(): void {
    this.#phase = REPLAY;
    this.#start().catch((error: unknown) => this.#fail(error));
  }

  async #start(): Promise<void> {
    const hub = this.#hub;
    const replay = this.#replay;
    if (replay === undefined) return;
    if (hub.closed) {
      // A subscriber that comes after close(): its stream ends as the others did.
      this.#finish("abort");
      return;
    }
    await hub.ready();
    if (this.#phase !== REPLAY) return;
    if (hub.closed) {
      this.#finish("abort");
      return;
    }
    // Registered before the read: a record appended meanwhile is in the read,
    // in the buffer, or both (deduplicated by seq), never in neither.
    hub.register(this);
    const epoch = hub.epoch;
    const head = hub.head;
    const lastEventId = this.#ctx?.lastEventId;
    let resume: number | undefined;
    let gap = false;
    let after: number;
    if (lastEventId !== undefined && lastEventId !== "") {
      resume = parseId(lastEventId, epoch, Number.MAX_SAFE_INTEGER);
      gap = resume === undefined;
      after = resume ?? head;
    } else if (replay.options.start === "earliest") {
      after = 0;
    } else {
      after = Math.min(replay.startAt ?? head, head);
    }
    // Until the read says where the client is, keep every live frame past what this hub has seen.
    this.#floor = Math.min(after, head);
    const preread = replay.preread;
    replay.preread = undefined;
    // response()'s read serves when nothing reached the live feed since: every
    // record after it is still to come, to this subscriber, now registered.
    const snapshot =
      preread !== undefined &&
      preread.after === after &&
      preread.snapshot.epoch === epoch &&
      hub.head <= preread.snapshot.head
        ? preread.snapshot
        : await hub.read(this.topics, after);
    if (this.#phase !== REPLAY) return;
    this.#epoch = snapshot.epoch;
    if (resume !== undefined && (snapshot.epoch !== epoch || resume > snapshot.head)) gap = true;

    const ttl = hub.historyTtl;
    const oldest = ttl > 0 ? Date.now() - ttl : 0;
    const gapped: string[] = [];
    let records: HubRecord[] = [];
    for (let i = 0; i < this.topics.length; i++) {
      const topic = this.topics[i] as string;
      const state = snapshot.topics[i];
      if (state === undefined) throw new Error("hub: the backend's read left out a topic");
      if (state.ended > 0) {
        this.#ended ??= new Map();
        this.#ended.set(topic, state.ended);
      }
      if (gap) {
        gapped.push(topic);
        continue;
      }
      let kept = state.records;
      if (oldest > 0) kept = kept.filter((record) => record.time >= oldest);
      if (resume !== undefined && !continuous(resume, state, kept, snapshot.floor)) {
        gapped.push(topic);
        continue;
      }
      if (records.length === 0) records = kept.slice();
      else for (const record of kept) records.push(record);
    }
    if (gapped.length < this.topics.length && this.topics.length > 1) {
      records.sort((a, b) => a.seq - b.seq);
    }
    const frames: Uint8Array[] = [];
    for (const record of records) {
      if (record.end || record.seq <= after) continue;
      frames.push(frameOf(record).bytes);
      this.#clientSeq = record.seq;
    }
    const position = gap ? snapshot.head : Math.max(after, snapshot.head);
    if (gapped.length > 0) {
      const onGap = replay.options.onGap;
      const sent =
        onGap === undefined
          ? RESET
          : ((await onGap({ lastEventId: lastEventId as string, topics: gapped })) ?? undefined);
      if (this.#phase !== REPLAY) return;
      frames.push(encodeGap(sent, formatId(snapshot.epoch, position), this.#hub.serialize));
      this.#clientSeq = position;
    }
    this.#floor = position;
    replay.frames = frames;
    replay.at = 0;
    replay.ready = true;
    if (this.#sink !== undefined) this.#pumpReplay();
    else if (frames.length === 0) {
      this.#goLive();
      this.#wake();
    } else this.#wake();
  }

  /** Push path: writes the replay a window at a time, each once the client took the last. */
  #pumpReplay(): void {
    const sink = this.#sink as PushSink;
    const replay = this.#replay;
    if (replay === undefined) return;
    const frames = replay.frames;
    while (replay.at < frames.length) {
      if (this.#phase !== REPLAY || sink.closed) return;
      const start = replay.at;
      let size = 0;
      while (replay.at < frames.length && size < WINDOW) {
        size += (frames[replay.at++] as Uint8Array).length;
      }
      sink.write(concat(frames.slice(start, replay.at), size));
      if (sink.queued > 0) {
        // Also after the last window: live frames count against maxQueued, the replay must not.
        replay.pump ??= () => this.#pumpReplay();
        sink.whenDrained(replay.pump);
        return;
      }
    }
    if (this.#phase === REPLAY && !sink.closed) this.#goLive();
  }

  /** The replay is out: the frames that came meanwhile follow (those not in it), then live. */
  #goLive(): void {
    const buffer = this.#replay?.buffer ?? NO_FRAMES;
    this.#replay = undefined;
    this.#phase = LIVE;
    for (const frame of buffer) {
      this.deliver(frame);
      if (this.#phase !== LIVE) return;
    }
    if (this.#ended !== undefined && this.#ended.size === this.topics.length) {
      this.#endAll(undefined);
    }
  }

  /** Ends the stream from the hub's side. */
  #finish(reason: "done" | "slow" | "abort"): void {
    if (this.#phase >= ENDING) return;
    this.#hub.unregister(this);
    this.#replay = undefined;
    const sink = this.#sink;
    if (sink !== undefined) {
      this.#phase = CLOSED;
      sink.end(reason);
      return;
    }
    if (reason === "done") this.#phase = ENDING;
    else {
      // A pulled stream cannot be told why; it ends normally and the client reconnects.
      const it = this.#iter;
      if (it !== undefined) {
        it.queue = NO_BYTES;
        it.queued = 0;
      }
      this.#phase = CLOSED;
    }
    this.#wake();
  }

  /** Ends every subscriber's stream: `hub.close()` and a lost live feed. */
  abort(): void {
    this.#finish("abort");
  }

  #fail(error: unknown): void {
    if (this.#phase >= ENDING) return;
    this.#hub.unregister(this);
    this.#phase = CLOSED;
    this.#replay = undefined;
    const sink = this.#sink;
    if (sink !== undefined) {
      sink.fail(error);
      return;
    }
    this.#it().error = { error };
    this.#wake();
  }

  /** The stream ended (or the iterator was returned): let go of everything. */
  #close(): void {
    if (this.#phase !== CLOSED) {
      this.#phase = CLOSED;
      this.#hub.unregister(this);
    }
    this.#replay = undefined;
    const it = this.#iter;
    if (it === undefined) return;
    it.queue = NO_BYTES;
    it.queued = 0;
    if (it.onAbort !== undefined) this.#ctx?.signal?.removeEventListener("abort", it.onAbort);
    const resolve = it.waiter;
    it.waiter = it.rejecter = undefined;
    resolve?.(DONE);
  }
}

const RESET: SSEChunk = Object.freeze({ event: "reset", data: "" });

/**
 * The continuity check for one topic: is every record after `position` still
 * held? Records dropped by trimming or expiry leave a hole that `prev` shows.
 */
function continuous(
  position: number,
  state: { readonly last: number },
  kept: readonly HubRecord[],
  floor: number,
): boolean {
  // No state: nothing ever happened on the topic, or its state was evicted (then floor covers it).
  if (state.last === 0) return position >= floor;
  if (state.last <= position) return true;
  const first = kept[0];
  return first !== undefined && first.prev <= position;
}

/** An answer with nothing to send: `{}` (no field at all) means the same as returning nothing. */
function isEmpty(sent: GapAnswer): boolean {
  if (typeof sent !== "object" || sent === null || Array.isArray(sent)) return false;
  if (sent instanceof EncodedEvent) return false;
  for (const value of Object.values(sent)) if (value !== undefined) return false;
  return true;
}

/**
 * onGap's answer as bytes, the last event carrying the new position's id. An
 * `EncodedEvent` goes out as its bytes (it cannot take an id), so the
 * position follows it as an id-only event; so does an answer of nothing.
 */
function encodeGap(
  sent: GapAnswer | undefined,
  id: string,
  serialize: ((data: unknown) => string) | undefined,
): Uint8Array {
  const list: readonly (SSEChunk | EncodedEvent)[] =
    sent === undefined || isEmpty(sent)
      ? []
      : Array.isArray(sent)
        ? sent
        : [sent as SSEChunk | EncodedEvent];
  const options = serialize === undefined ? undefined : { serialize };
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let text = "";
  const flush = (): void => {
    if (text === "") return;
    parts.push(encoder.encode(text));
    text = "";
  };
  let positioned = false;
  for (let i = 0; i < list.length; i++) {
    const chunk = list[i] as SSEChunk | EncodedEvent;
    if (chunk instanceof EncodedEvent) {
      flush();
      parts.push(chunk.bytes);
    } else if (i < list.length - 1) text += encodeEvent(chunk, options);
    else {
      const message =
        typeof chunk === "object" && chunk !== null && !Array.isArray(chunk)
          ? { ...chunk, id }
          : typeof chunk === "string"
            ? { data: chunk, id }
            : chunk;
      text += encodeEvent(message, options);
      positioned = true;
    }
  }
  if (!positioned) text += `id: ${id}\n\n`;
  flush();
  let size = 0;
  for (const part of parts) size += part.length;
  return parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, size);
}
