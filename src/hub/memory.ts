/**
 * `memoryBackend()`: a hub's events in this process only.
 *
 * @module
 */
import { integer, type Named, newEpoch } from "../check.ts";
import type {
  BackendOpenOptions,
  BackendSnapshot,
  HubBackend,
  HubRecord,
  TopicSnapshot,
} from "./backend.ts";
import { utf8Length } from "./utf8.ts";

/** Options of {@link memoryBackend}. */
export interface MemoryBackendOptions {
  /**
   * Topics whose state (history, newest seq, end) is kept. Past it, the state
   * of topics without local subscribers is dropped, least recently published
   * first; their old ids then take the gap path.
   *
   * @defaultValue 10000
   */
  maxTopics?: number | undefined;
  /**
   * Bytes of event text kept in all (UTF-8 bytes of the encoded events, plus
   * a small fixed cost per record and per topic). Past it, the oldest events
   * go first, of any topic: topics without local subscribers lose their whole
   * state, watched topics (and the one just published to) their oldest
   * records, so a client behind the trim takes the gap path.
   *
   * @defaultValue 67108864 (64 MiB)
   */
  maxBytes?: number | undefined;
}

interface TopicState {
  records: HubRecord[];
  /** The counted size of each record in `records`, in the same order. */
  sizes: number[];
  last: number;
  ended: number;
  bytes: number;
}

const EMPTY: TopicSnapshot = Object.freeze({ records: Object.freeze([]), last: 0, ended: 0 });

/** Rough fixed cost of one kept record and of one topic's state, counted in `maxBytes`. */
const RECORD_OVERHEAD = 64;
/** How many watched topics one append may pass over while looking for an idle one to evict. */
const SKIPS_PER_APPEND = 32;
const TOPIC_OVERHEAD = 128;

function at(name: string): Named {
  return { where: "memoryBackend", name };
}

/** The index of the first record with `seq > after` (records are in seq order). */
function firstAfter(records: readonly HubRecord[], after: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((records[mid] as HubRecord).seq <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class MemoryBackend implements HubBackend {
  readonly #maxTopics: number;
  readonly #maxBytes: number;
  readonly #epoch = newEpoch();
  #seq = 0;
  #floor = 0;
  #bytes = 0;
  /** Insertion order is append order: the first entry is the least recently appended topic. */
  readonly #topics = new Map<string, TopicState>();
  #options: BackendOpenOptions | undefined;

  constructor(options: MemoryBackendOptions | undefined) {
    this.#maxTopics = integer(at("maxTopics"), options?.maxTopics, 10_000, 1);
    this.#maxBytes = integer(at("maxBytes"), options?.maxBytes, 64 * 1024 * 1024, 1, " bytes");
  }

  open(options: BackendOpenOptions): Promise<{ epoch: string; head: number }> {
    this.#options = options;
    return Promise.resolve({ epoch: this.#epoch, head: this.#seq });
  }

  append(topic: string, body: string, end: boolean): Promise<HubRecord | undefined> {
    const options = this.#options;
    if (options === undefined) return Promise.reject(new Error("memoryBackend: not open"));
    const now = this.#now();
    this.#expire(now);
    let state = this.#topics.get(topic);
    if (state?.ended) return Promise.resolve(undefined);
    const record: HubRecord = {
      epoch: this.#epoch,
      seq: ++this.#seq,
      prev: state === undefined ? this.#floor : state.last,
      topic,
      body,
      end,
      time: now,
    };
    if (state === undefined) {
      state = { records: [], sizes: [], last: 0, ended: 0, bytes: TOPIC_OVERHEAD };
      this.#bytes += TOPIC_OVERHEAD;
    } else {
      // Re-inserted at the end: the map stays in append order.
      this.#topics.delete(topic);
    }
    this.#topics.set(topic, state);
    state.last = record.seq;
    if (end) state.ended = record.seq;
    if (options.history > 0) {
      const size = utf8Length(body) + RECORD_OVERHEAD;
      state.records.push(record);
      state.sizes.push(size);
      state.bytes += size;
      this.#bytes += size;
      while (state.records.length > options.history) this.#dropOldest(state);
      if (options.historyTtl > 0) this.#dropExpired(state, now - options.historyTtl);
    }
    this.#evict(topic);
    try {
      options.onRecord(record);
    } catch {
      // onRecord must not throw; if it does, the record is stored all the same.
    }
    return Promise.resolve(record);
  }

  read(topics: readonly string[], after: number): Promise<BackendSnapshot> {
    const now = this.#now();
    this.#expire(now);
    const ttl = this.#options?.historyTtl ?? 0;
    const snapshots: TopicSnapshot[] = [];
    for (const topic of topics) {
      const state = this.#topics.get(topic);
      if (state === undefined) {
        snapshots.push(EMPTY);
        continue;
      }
      if (ttl > 0) this.#dropExpired(state, now - ttl);
      const from = firstAfter(state.records, after);
      snapshots.push({ records: state.records.slice(from), last: state.last, ended: state.ended });
    }
    return Promise.resolve({
      epoch: this.#epoch,
      head: this.#seq,
      floor: this.#floor,
      topics: snapshots,
    });
  }

  /** The hub's clock when it gave one (tests drive time through it), else the real one. */
  #now(): number {
    return this.#options?.clock?.now() ?? Date.now();
  }

  close(): Promise<void> {
    this.#options = undefined;
    return Promise.resolve();
  }

  #dropOldest(state: TopicState): void {
    state.records.shift();
    const size = state.sizes.shift() as number;
    state.bytes -= size;
    this.#bytes -= size;
  }

  #dropExpired(state: TopicState, before: number): void {
    while (state.records.length > 0 && (state.records[0] as HubRecord).time < before) {
      this.#dropOldest(state);
    }
  }

  /**
   * Drops the whole state of topics whose newest record has expired, oldest
   * first; the map is in append order, so this stops at the first live topic
   * and costs nothing when nothing expired. A watched topic keeps its
   * `last`/`ended` and loses its records, and moves behind the others; it is
   * moved only after the walk, since a Map walk meets a re-inserted entry
   * again (and again, for good).
   */
  #expire(now: number): void {
    const ttl = this.#options?.historyTtl ?? 0;
    if (ttl <= 0) return;
    const before = now - ttl;
    const isActive = this.#options?.isActive;
    let watched: [string, TopicState][] | undefined;
    for (const [topic, state] of this.#topics) {
      const newest = state.records[state.records.length - 1];
      // No record left: all expired (history 0 keeps none: such topics are bounded by maxTopics only).
      if (newest === undefined ? this.#options?.history === 0 : newest.time >= before) break;
      if (isActive?.(topic)) {
        this.#dropExpired(state, before);
        watched ??= [];
        watched.push([topic, state]);
        continue;
      }
      this.#drop(topic, state);
    }
    if (watched === undefined) return;
    for (const [topic, state] of watched) {
      this.#topics.delete(topic);
      this.#topics.set(topic, state);
    }
  }

  /** Keeps the bounds: `maxTopics` by dropping idle topics, `maxBytes` by trimming the oldest events. */
  #evict(keep: string): void {
    // Topics with subscribers are skipped (moved to the end); at most this many
    // per append, so a hub with more watched topics than maxTopics does not
    // scan them all on every publish: the idle ones surface over a few appends.
    let skips = Math.min(this.#topics.size, SKIPS_PER_APPEND);
    const isActive = this.#options?.isActive;
    while (this.#topics.size > this.#maxTopics) {
      const first = this.#topics.entries().next().value;
      if (first === undefined) return;
      const [topic, state] = first;
      if (topic === keep || isActive?.(topic)) {
        if (skips-- <= 0) break;
        this.#topics.delete(topic);
        this.#topics.set(topic, state);
        continue;
      }
      this.#drop(topic, state);
    }
    if (this.#bytes > this.#maxBytes) this.#trimBytes(keep);
  }

  /**
   * Brings the kept bytes under `maxBytes`, least recently appended topics
   * first: an idle topic loses its whole state (the floor covers it), a
   * watched one (or `keep`, the topic just appended to, which comes last)
   * its oldest records, which `prev` then shows as a hole. Entries are only
   * deleted during the walk, never re-inserted, so it ends.
   */
  #trimBytes(keep: string): void {
    const isActive = this.#options?.isActive;
    for (const [topic, state] of this.#topics) {
      if (this.#bytes <= this.#maxBytes) return;
      if (topic !== keep && !isActive?.(topic)) {
        this.#drop(topic, state);
        continue;
      }
      while (state.records.length > 0 && this.#bytes > this.#maxBytes) this.#dropOldest(state);
    }
  }

  #drop(topic: string, state: TopicState): void {
    this.#topics.delete(topic);
    this.#bytes -= state.bytes;
    // Positions below the floor may have missed this topic's records.
    if (state.last > this.#floor) this.#floor = state.last;
  }
}

/**
 * A hub backend that keeps events in this process: the default. Its history
 * dies with the process, and a new process has a new epoch, so ids from the
 * old one take the gap path.
 *
 * Memory is bounded: at most `maxTopics` topics' state (beyond it, topics
 * without local subscribers are dropped, least recently published first) and
 * `maxBytes` of event text in UTF-8 (beyond it, the oldest events of any
 * topic are trimmed, watched or not); ids behind a drop or a trim take the
 * gap path.
 * With a `historyTtl`, a topic whose newest event has expired is dropped at
 * the next publish or replay. It serves one hub: instances in other processes
 * need a shared backend (`web-sse/redis`, `web-sse/cloudflare`).
 *
 * @param options - Bounds; see {@link MemoryBackendOptions}.
 * @returns A backend for `createHub({ backend })`.
 * @throws RangeError for a bound that is not a safe integer >= 1.
 *
 * @example A hub with a smaller memory bound
 * ```ts
 * import { createHub, memoryBackend } from "web-sse/hub";
 *
 * const hub = createHub({ backend: memoryBackend({ maxTopics: 1000 }) });
 * ```
 */
export function memoryBackend(options?: MemoryBackendOptions): HubBackend {
  return new MemoryBackend(options);
}
