/**
 * The interface between a hub and where its events live: this process
 * (`memoryBackend()`), Redis Streams (`web-sse/redis`), a Durable Object's
 * SQLite storage (`web-sse/cloudflare`), or a store of the user's own.
 *
 * A backend knows nothing of SSE, subscribers or ids as clients see them. It
 * keeps one sequence of records across all topics, a bounded history per
 * topic, and tells every hub that shares it about each record once, in order.
 * The hub turns `(epoch, seq)` into the ids clients see and does the
 * continuity check from `prev`, so a backend never has to decide whether a
 * client's replay is complete: it only has to report what it kept, truthfully.
 *
 * Every backend in this package passes one conformance suite
 * (`test/hub/conformance.ts`); a backend of your own should too.
 *
 * @module
 */
import type { Clock } from "../policy.ts";

/**
 * One stored record: an event, or the marker `end(topic)` appends.
 *
 * Records of all topics share one sequence, so `seq` alone orders them.
 */
export interface HubRecord {
  /**
   * The epoch of the backend that stored this record: changes whenever the
   * backend lost what it stored before (a new process for the memory backend, a
   * flushed or replaced Redis), so positions from an earlier life are never
   * mistaken for positions in this one.
   */
  readonly epoch: string;
  /**
   * Position in the backend's one sequence: an integer >= 1, unique across all
   * topics of the backend, and strictly increasing in the order records were
   * appended (also across instances sharing the backend).
   */
  readonly seq: number;
  /**
   * The `seq` of the record appended to the same topic just before this one.
   * For the first record the backend holds state for, `prev` is the backend's
   * `floor` at that moment (0 for a topic new to a new backend). The hub's
   * continuity check: a replay after position P is complete when the oldest
   * record it got with `seq > P` has `prev <= P`.
   */
  readonly prev: number;
  /** The topic it was appended to. */
  readonly topic: string;
  /**
   * The event as text/event-stream text without its `id` line (the hub adds
   * that): field lines ending in a blank line, as `encodeEvent` makes them.
   * `""` for an end marker.
   */
  readonly body: string;
  /** True for the marker `end(topic)` appends: the topic has no more events. */
  readonly end: boolean;
  /** When it was appended, in ms since 1970 (for `historyTtl`). */
  readonly time: number;
}

/** What a backend holds for one topic, as {@link HubBackend.read} reports it. */
export interface TopicSnapshot {
  /**
   * The records of the topic with `seq > after` that the backend still holds,
   * oldest first, end marker included. Records dropped by trimming or expiry
   * are simply absent: the hub finds the hole from `prev`.
   */
  readonly records: readonly HubRecord[];
  /** The `seq` of the topic's newest record; 0 when the backend holds no state for the topic. */
  readonly last: number;
  /** The `seq` of the topic's end marker; 0 when the topic has not ended (or no state is held). */
  readonly ended: number;
}

/** The answer to {@link HubBackend.read}: one consistent view of several topics. */
export interface BackendSnapshot {
  /** The backend's epoch now. */
  readonly epoch: string;
  /** The newest `seq` of the whole backend (any topic) at the moment of the read; 0 when empty. */
  readonly head: number;
  /**
   * Positions below `floor` may have lost records of topics the backend no
   * longer holds state for (evicted or expired topics): a topic reported with
   * `last: 0` had no record with `seq > floor` (so a client at `floor` or past it missed
   * nothing of it). 0 when nothing was ever evicted.
   */
  readonly floor: number;
  /** One snapshot per topic asked for, in the same order. */
  readonly topics: readonly TopicSnapshot[];
}

/** What a hub tells its backend when it opens it. */
export interface BackendOpenOptions {
  /** Records to keep per topic (the hub's `history`); 0: keep none, but still track `last` and `ended`. */
  readonly history: number;
  /** Records older than this (ms) may be dropped; 0: no age limit. */
  readonly historyTtl: number;
  /**
   * Called once for every record appended by any hub sharing the backend
   * (this one included), strictly in `seq` order, never skipping one: the live
   * feed. It must not throw; it does not wait.
   */
  readonly onRecord: (record: HubRecord) => void;
  /**
   * Called when the backend could not keep that promise: it lost records of
   * the live feed (a read that fell behind trimming, an epoch that changed
   * under it). The hub then ends its subscribers' streams (reason "abort"), so
   * their clients reconnect and replay from their Last-Event-ID or take the
   * gap path.
   */
  readonly onLost: (reason: unknown) => void;
  /**
   * Whether this hub has subscribers on `topic`: a backend that evicts topic
   * state to bound memory should evict other topics first.
   */
  readonly isActive: (topic: string) => boolean;
  /**
   * Where the hub's time comes from, for record times and expiry: the real
   * clock unless a test drives it. A backend whose times come from elsewhere
   * (Redis's own clock) may ignore it.
   */
  readonly clock?: Clock | undefined;
}

/**
 * Where a hub's events are stored and how they reach every hub sharing them.
 *
 * Calls come from one hub. `open` is called once before any other method;
 * after `close` no method is called again.
 *
 * @example A hub on a backend
 * ```ts
 * import { createHub, memoryBackend } from "web-sse/hub";
 *
 * const hub = createHub({ backend: memoryBackend(), history: 500 });
 * ```
 */
export interface HubBackend {
  /**
   * Connects, and starts the live feed: from now on every appended record
   * reaches `options.onRecord`.
   *
   * @returns The backend's epoch and its newest seq at the moment the feed
   * started (every record with a larger seq will reach `onRecord`).
   */
  open(options: BackendOpenOptions): Promise<{ epoch: string; head: number }>;
  /**
   * Appends one record to `topic`, atomically assigning it the next `seq`
   * and its `prev`, and trims the topic's history to `history` records.
   *
   * @param topic - A valid topic name (checked by the hub).
   * @param body - The encoded event without its id line, or `""` with `end`.
   * @param end - Append the topic's end marker instead of an event.
   * @returns The stored record, or `undefined` when the topic has already
   * ended (nothing was appended: events after the end are refused, and a
   * second end is a no-op).
   * @throws When the store cannot be reached within a bounded time: the
   * append may or may not have happened, and the error says which is known.
   */
  append(topic: string, body: string, end: boolean): Promise<HubRecord | undefined>;
  /**
   * Reads what the backend holds for `topics` after position `after`, in one
   * consistent view (a record appended during the read is either in it, with
   * `head` covering it, or has a seq above `head`).
   *
   * @param after - A seq; 0 reads the whole history. Records with `seq <= after` are left out.
   */
  read(topics: readonly string[], after: number): Promise<BackendSnapshot>;
  /** Stops the live feed and releases connections; the store's data stays. */
  close(): Promise<void>;
}
