/**
 * The public types of `web-sse/hub`.
 *
 * @module
 */
import type { SSEChunk } from "../encode.ts";
import type { EncodedEvent } from "../encoded.ts";
import type { SSEOptions } from "../options.ts";
import type { SSEContext } from "../source.ts";
import type { HubBackend } from "./backend.ts";

/** Options of {@link Hub}s made by `createHub`. */
export interface HubOptions {
  /**
   * Events kept per topic for replay; 0: no replay (a reconnecting client that
   * missed anything takes the gap path).
   *
   * @defaultValue 1000
   */
  history?: number | undefined;
  /**
   * Events older than this (ms) are not replayed; `false` (or 0): no age limit.
   *
   * @defaultValue false
   */
  historyTtl?: number | false | undefined;
  /**
   * Bytes of live events queued for one subscriber before it counts as slow
   * and is closed (onClose reason `"slow"`; its client reconnects and
   * replays). Replayed history does not count.
   *
   * @defaultValue 1048576 (1 MiB)
   */
  maxQueued?: number | undefined;
  /**
   * Where events are stored and how they reach other instances.
   *
   * @defaultValue `memoryBackend()`: this process only.
   */
  backend?: HubBackend | undefined;
  /** Turns non-string `data` into text, once per publish. @defaultValue `JSON.stringify` */
  serialize?: ((data: unknown) => string) | undefined;
}

/** What `onGap` is told: the client's id, and the topics the history could not bridge. */
export interface HubGap {
  /** The Last-Event-ID the client sent. */
  lastEventId: string;
  /** The topics whose missed events are not (all) in the history. */
  topics: readonly string[];
}

/**
 * What `onGap` may send: one message or several; an `EncodedEvent` goes out
 * as its bytes, followed by the position as an id-only event.
 */
export type GapAnswer = SSEChunk | EncodedEvent | readonly (SSEChunk | EncodedEvent)[];

/** Options of {@link Hub.subscribe} (and of {@link Hub.response}). */
export interface SubscribeOptions {
  /**
   * Where a subscriber without a Last-Event-ID starts: `"latest"` (only new
   * events) or `"earliest"` (all the history, then live).
   *
   * @defaultValue "latest"
   */
  start?: "latest" | "earliest" | undefined;
  /**
   * Called when the history cannot bridge the client's Last-Event-ID (too
   * old, trimmed, from an earlier life of the backend, or not an id of this
   * hub). What it returns is sent first, e.g. a snapshot of the current
   * state; the hub gives the last of these events the id of the newest event
   * at that moment (a position, so the client's next reconnect sees no gap),
   * then the stream goes on live. Returning nothing (or `{}`, a message
   * without a field) sends only that position (an id-only event).
   *
   * @defaultValue one `{ event: "reset", data: "" }` event
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: the contract's type: a callback may return nothing.
  onGap?: ((gap: HubGap) => GapAnswer | void | Promise<GapAnswer | void>) | undefined;
}

/** Publish once, deliver to every subscriber, replay by Last-Event-ID. Made by `createHub`. */
export interface Hub {
  /**
   * Appends one event to `topic` and delivers it to every subscriber of it,
   * here and (through the backend) on every other instance. Encodes once;
   * never waits on any subscriber.
   *
   * @param topic - A non-empty string of at most 256 UTF-16 units.
   * @param message - The event; the hub assigns its id, so a message with its own `id` is refused.
   * @returns The id the event was given.
   * @throws (rejects) TypeError for a bad topic or a message with an `id`,
   * `SSEEncodeError` for a message that cannot be encoded, Error on an ended
   * topic or a closed hub.
   */
  publish(topic: string, message: SSEChunk): Promise<string>;
  /**
   * A source for `sseStream`/`sseResponse`/`sse()`: replays from
   * `ctx.lastEventId`, then streams live, in one id order across all of
   * `topics`. A web-sse stream (`sseStream`, `sseResponse`, `sse()`,
   * `hub.response()`) writes the bytes the hub encoded once at publish, as
   * they are; iterated by hand (`for await`), it yields each event as a
   * message with its hub id (`{ id, event, data }`).
   *
   * @param topics - One topic or several.
   * @param options - Where to start, and what to send on a gap.
   * @returns A function of the stream's ctx, returning the subscription.
   * @throws TypeError for a bad topic or option, at the call.
   */
  subscribe(
    topics: string | readonly string[],
    options?: SubscribeOptions,
  ): (ctx: SSEContext) => AsyncIterable<SSEChunk>;
  /**
   * A whole answer to an EventSource request: 406 (with `Vary: Accept`) when
   * Accept refuses text/event-stream; headers and no stream for HEAD; 204
   * when every topic has ended and the client has seen all of it (EventSource
   * stops reconnecting on 204), or when it has no Last-Event-ID, starts at
   * `"latest"` and every topic has ended; otherwise the stream.
   *
   * @param request - The request being answered (its signal and Last-Event-ID are used).
   * @param topics - One topic or several.
   * @param options - Stream, response (`status`, `headers`) and subscribe
   * options. Not `request`: the request is the first argument, and passing
   * it here again is a TypeError.
   * @returns The Response.
   * @throws (rejects) TypeError or RangeError for a bad topic or option.
   */
  response(
    request: Request,
    topics: string | readonly string[],
    options?: (SSEOptions & SubscribeOptions) | undefined,
  ): Promise<Response>;
  /**
   * Marks `topic` finished: subscribers get what remains, then their streams
   * close (reason `"done"`) once all of their topics have ended. A second
   * `end` is a no-op. The history stays replayable until it expires.
   *
   * @param topic - The topic to end.
   * @returns Resolves once the end is stored.
   */
  end(topic: string): Promise<void>;
  /**
   * How many subscribers this instance has, on `topic` or in all.
   *
   * @param topic - A topic; leave out to count every subscriber once.
   * @returns The count.
   */
  subscribers(topic?: string): number;
  /**
   * Graceful shutdown: ends every subscriber's stream (reason `"abort"`, so
   * clients reconnect elsewhere) and closes the backend. Later publishes
   * reject; later subscriptions end at once.
   *
   * @returns Resolves once the backend is closed.
   */
  close(): Promise<void>;
}
