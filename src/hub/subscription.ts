/**
 * One subscriber: replay, then live, through one state machine that either
 * pushes into a stream's sink (the fast path) or is pulled as an async
 * iterator (anyone iterating by hand, or a stream without the push path).
 *
 * @module
 */

import { concat } from "../check.ts";
import type { SSEMessage } from "../encode.ts";
import type { SSECloseReason } from "../options.ts";
import type { Clock } from "../policy.ts";
import { PUSH, type PushSink } from "../push.ts";
import type { SSEContext } from "../source.ts";
import type { BackendSnapshot } from "./backend.ts";
import { type Frame, frameOf, positionBytes } from "./frame.ts";
import { encodeGap, RESET } from "./gap.ts";
import { formatId } from "./ids.ts";
import { type Position, planReplay, positionOf, type ReplayPlan, readAfter } from "./plan.ts";
import { type Part, PullSink } from "./pull.ts";
import type { SubscribeOptions } from "./types.ts";

/** What a subscription needs from its hub. */
export interface HubCore {
  readonly maxQueued: number;
  readonly historyTtl: number;
  /** Where time comes from (the real clock unless a test drives it). */
  readonly clock: Clock;
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
const CLOSED = 3;

/**
 * The empty lists every subscription starts with, never written to: a list
 * is made on its first item, so an idle subscriber (the common case, by the
 * thousand) costs no arrays of its own.
 */
const NO_FRAMES: Frame[] = [];
const NO_PARTS: Part[] = [];

function noop(): void {}

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
 * @param position - The client's position as `response()` fixed it (else taken at the start).
 * @param preread - What `response()` already read for that position, used when still current.
 */
export function subscription(
  hub: HubCore,
  topics: readonly string[],
  options: SubscribeOptions,
  ctx: SSEContext,
  position: Position | undefined,
  preread?: BackendSnapshot | undefined,
): Subscriber & AsyncIterable<SSEMessage> {
  return new Subscription(hub, topics, options, ctx, position, preread);
}

/**
 * What a subscription holds from its creation until it is live: once live
 * (an idle subscriber, by the thousand) it holds none of it.
 */
class Replay {
  readonly options: SubscribeOptions;
  /** The client's position as `response()` fixed it. */
  readonly position: Position | undefined;
  /** What `response()` read for it. */
  preread: BackendSnapshot | undefined;
  /** Live frames that came during the replay. */
  buffer: Frame[] = NO_FRAMES;
  buffered = 0;
  /** The replay's frames (and gap answer) not yet handed out. */
  parts: Part[] = NO_PARTS;
  at = 0;
  /** Writes the next window once the client took the last. */
  pump: (() => void) | undefined;

  constructor(
    options: SubscribeOptions,
    position: Position | undefined,
    preread: BackendSnapshot | undefined,
  ) {
    this.options = options;
    this.position = position;
    this.preread = preread;
  }
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
  /** Where it writes: a stream's body, or the {@link PullSink} of hand iteration. */
  #sink: PushSink | undefined;

  constructor(
    hub: HubCore,
    topics: readonly string[],
    options: SubscribeOptions,
    ctx: SSEContext,
    position: Position | undefined,
    preread: BackendSnapshot | undefined,
  ) {
    this.#hub = hub;
    this.topics = topics;
    this.#ctx = ctx;
    this.#replay = new Replay(options, position, preread);
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

  /**
   * Iterated by hand: a {@link PullSink} takes the stream's place and hands
   * out one message per `next()`.
   */
  [Symbol.asyncIterator](): AsyncIterator<SSEMessage> {
    return new PullSink(this, this.#ctx);
  }

  // ---------------------------------------------------------------- the state machine

  /** The hot path: one live frame of one of this subscriber's topics. */
  deliver(frame: Frame): void {
    if (frame.seq <= this.#floor) return;
    const phase = this.#phase;
    if (phase === LIVE) {
      this.#floor = frame.seq;
      if (frame.end) this.#topicEnded(frame.topic, frame.seq, frame);
      else {
        this.#clientSeq = frame.seq;
        this.#emit(frame.bytes, [frame]);
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
      this.#emit(run.bytes, run.frames);
      return;
    }
    // Replaying, or some of them handled already: frame by frame.
    for (const frame of run.frames) this.deliver(frame);
  }

  /** Hands live bytes to the client now, or queues them; past maxQueued the subscriber is slow. */
  #emit(bytes: Uint8Array, parts: readonly Part[]): void {
    const sink = this.#sink as PushSink;
    this.#write(sink, bytes, parts);
    if (sink.queued > this.#hub.maxQueued) this.#finish("slow");
  }

  /** A stream's sink takes the bytes; hand iteration reads the frames they were made of. */
  #write(sink: PushSink, bytes: Uint8Array, parts: readonly Part[]): void {
    if (sink instanceof PullSink) sink.writeParts(bytes, parts);
    else sink.write(bytes);
  }

  #topicEnded(topic: string, seq: number, position: Frame): void {
    this.#ended ??= new Map();
    this.#ended.set(topic, seq);
    if (this.#ended.size < this.topics.length) return;
    this.#endAll(position);
  }

  /** Every topic has ended: the client gets its final position, then the stream closes. */
  #endAll(position: Frame | undefined): void {
    let last = 0;
    if (this.#ended !== undefined)
      for (const seq of this.#ended.values()) if (seq > last) last = seq;
    if (this.#clientSeq < last) {
      this.#clientSeq = last;
      if (position !== undefined) this.#emit(position.bytes, [position]);
      else {
        const bytes = positionBytes(this.#epoch, last);
        this.#emit(bytes, [bytes]);
      }
    }
    this.#finish("done");
  }

  /** Registers, reads the history, runs the continuity check, and starts the replay. */
  #begin(): void {
    this.#phase = REPLAY;
    this.#start().catch((error: unknown) => this.#fail(error));
  }

  async #start(): Promise<void> {
    const replay = this.#replay;
    if (replay === undefined || !(await this.#register())) return;
    const position = this.#position(replay);
    // Until the read says where the client is, keep every live frame past what this hub has seen.
    this.#floor = Math.min(readAfter(position), this.#hub.head);
    const snapshot = await this.#read(replay, position);
    if (this.#phase !== REPLAY) return;
    const hub = this.#hub;
    const plan = planReplay({
      topics: this.topics,
      snapshot,
      position,
      now: hub.clock.now(),
      ttl: hub.historyTtl,
    });
    this.#epoch = snapshot.epoch;
    if (plan.ended.size > 0) this.#ended = new Map(plan.ended);
    const parts: Part[] = [];
    for (const record of plan.records) parts.push(frameOf(record));
    const newest = plan.records[plan.records.length - 1];
    if (newest !== undefined) this.#clientSeq = newest.seq;
    if (plan.gapped.length > 0) {
      const answer = await this.#gapAnswer(replay, plan, snapshot.epoch);
      if (this.#phase !== REPLAY) return;
      parts.push(answer);
      this.#clientSeq = plan.position;
    }
    this.#floor = plan.position;
    replay.parts = parts;
    replay.at = 0;
    this.#pumpReplay();
  }

  /**
   * Waits for the backend, then joins the live feed. Registered before the
   * read: a record appended meanwhile is in the read, in the buffer, or both
   * (deduplicated by seq), never in neither.
   *
   * @returns Whether the replay goes on (false: the stream ended meanwhile).
   */
  async #register(): Promise<boolean> {
    const hub = this.#hub;
    if (!hub.closed) await hub.ready();
    if (this.#phase !== REPLAY) return false;
    if (hub.closed) {
      // A subscriber that comes after close(): its stream ends as the others did.
      this.#finish("abort");
      return false;
    }
    hub.register(this);
    return true;
  }

  /** The client's position: fixed by `response()` when it made one, else taken now. */
  #position(replay: Replay): Position {
    const hub = this.#hub;
    const given = replay.position;
    if (given === undefined) {
      return positionOf(this.#ctx?.lastEventId, replay.options.start, hub.epoch, hub.head);
    }
    // "latest" from an earlier life of the backend: its head means nothing in this one.
    if (given.kind === "latest" && given.seq > hub.head) return { kind: "latest", seq: hub.head };
    return given;
  }

  /**
   * What the backend holds after the position. `response()`'s read serves
   * when nothing reached the live feed since: every record after it is still
   * to come, to this subscriber, now registered.
   */
  #read(replay: Replay, position: Position): Promise<BackendSnapshot> | BackendSnapshot {
    const hub = this.#hub;
    const preread = replay.preread;
    replay.preread = undefined;
    if (preread !== undefined && preread.epoch === hub.epoch && hub.head <= preread.head) {
      return preread;
    }
    return hub.read(this.topics, readAfter(position));
  }

  /** The gap path: onGap's answer (by default a reset event), its last event carrying the position. */
  async #gapAnswer(replay: Replay, plan: ReplayPlan, epoch: string): Promise<Uint8Array> {
    const onGap = replay.options.onGap;
    const lastEventId = this.#ctx?.lastEventId ?? "";
    const sent =
      onGap === undefined
        ? RESET
        : ((await onGap({ lastEventId, topics: plan.gapped })) ?? undefined);
    return encodeGap(sent, formatId(epoch, plan.position), this.#hub.serialize);
  }

  /** Writes the replay a window at a time, each once the client took the last. */
  #pumpReplay(): void {
    const sink = this.#sink as PushSink;
    const replay = this.#replay;
    if (replay === undefined) return;
    const parts = replay.parts;
    while (replay.at < parts.length) {
      if (this.#phase !== REPLAY || sink.closed) return;
      const start = replay.at;
      const chunks: Uint8Array[] = [];
      let size = 0;
      while (replay.at < parts.length && size < WINDOW) {
        const part = parts[replay.at++] as Part;
        const bytes = part instanceof Uint8Array ? part : part.bytes;
        chunks.push(bytes);
        size += bytes.length;
      }
      this.#write(sink, concat(chunks, size), parts.slice(start, replay.at));
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
    if (this.#phase === CLOSED) return;
    this.#hub.unregister(this);
    this.#replay = undefined;
    this.#phase = CLOSED;
    this.#sink?.end(reason);
  }

  /** Ends every subscriber's stream: `hub.close()` and a lost live feed. */
  abort(): void {
    this.#finish("abort");
  }

  #fail(error: unknown): void {
    if (this.#phase === CLOSED) return;
    this.#hub.unregister(this);
    this.#phase = CLOSED;
    this.#replay = undefined;
    this.#sink?.fail(error);
  }

  /** The stream ended (or the iteration did): let go of everything. */
  #close(): void {
    if (this.#phase !== CLOSED) {
      this.#phase = CLOSED;
      this.#hub.unregister(this);
    }
    this.#replay = undefined;
  }
}
