/**
 * A hub backend on a Durable Object's SQLite storage (`ctx.storage`).
 *
 * One object holds one hub, so the live feed is in-process: each append calls
 * `onRecord` synchronously, in seq order, once the row is written. SQLite
 * calls in a Durable Object are synchronous and run inside the object's
 * implicit transaction; the methods still return promises, as the
 * {@link HubBackend} interface asks.
 *
 * @module
 */

import { newEpoch } from "../check.ts";
import type {
  BackendOpenOptions,
  BackendSnapshot,
  HubBackend,
  HubRecord,
  TopicSnapshot,
} from "../hub/backend.ts";
import { utf8Length } from "../hub/utf8.ts";
import {
  EVICT_PAGE,
  type SqliteBackendOptions,
  type SqlStorageLike,
  type SqlValue,
  SWEEP_BATCH,
  sqliteSettings,
} from "./sqlite-options.ts";

export type { SqliteBackendOptions, SqlStorageLike, SqlValue } from "./sqlite-options.ts";

/** One row of the records table, as SQLite hands it back. */
interface RecordRow {
  seq: number;
  prev: number;
  topic: string;
  body: string;
  is_end: number;
  time: number;
}

/**
 * A hub backend on a SQLite-backed Durable Object's storage: records of every
 * topic in one table under one sequence, per-topic state beside it, the epoch
 * and the sequence in a third table, so ids survive the object's restart and
 * never repeat after one.
 *
 * Storage stays bounded: `history` records per topic (trimmed at each append),
 * records older than `historyTtl` deleted a batch at a time as appends go on,
 * and at most `maxTopics` topics and `maxBytes` of bodies in all. An event
 * body is one SQLite value: the Durable Object limit on the size of a value
 * applies to one event.
 *
 * `HubObject` uses it; use it directly to put a hub in a Durable Object of
 * your own.
 *
 * @param storage - The object's `ctx.storage` (SQLite-backed: `new_sqlite_classes`).
 * @param options - Table prefix and storage bounds.
 * @returns A backend for `createHub({ backend })`.
 * @throws RangeError for an invalid option.
 *
 * @example A hub in a Durable Object of your own
 * ```ts
 * import { DurableObject } from "cloudflare:workers";
 * import { sqliteBackend } from "web-sse/cloudflare";
 * import { createHub, type Hub } from "web-sse/hub";
 *
 * export class Room extends DurableObject {
 *   readonly #hub: Hub = createHub({ backend: sqliteBackend(this.ctx.storage), history: 200 });
 *
 *   async post(text: string): Promise<string> {
 *     return this.#hub.publish("chat", { event: "message", data: { text } });
 *   }
 *
 *   override async fetch(request: Request): Promise<Response> {
 *     return this.#hub.response(request, "chat");
 *   }
 * }
 * ```
 */
export function sqliteBackend(
  storage: SqlStorageLike,
  options: SqliteBackendOptions = {},
): HubBackend {
  const { prefix, maxTopics, maxBytes } = sqliteSettings(options);
  return new SqliteBackend(storage, prefix, maxTopics, maxBytes);
}

class SqliteBackend implements HubBackend {
  readonly #storage: SqlStorageLike;
  readonly #maxTopics: number;
  readonly #maxBytes: number;
  readonly #meta: string;
  readonly #records: string;
  readonly #topics: string;
  #open: BackendOpenOptions | undefined;
  #closed = false;
  // Cached from the meta table: this object is the only writer of its storage.
  #epoch = "";
  #head = 0;
  #floor = 0;
  #bytes = 0;
  #topicCount = 0;

  constructor(storage: SqlStorageLike, prefix: string, maxTopics: number, maxBytes: number) {
    this.#storage = storage;
    this.#maxTopics = maxTopics;
    this.#maxBytes = maxBytes;
    this.#meta = `${prefix}meta`;
    this.#records = `${prefix}records`;
    this.#topics = `${prefix}topics`;
  }

  #exec(query: string, ...bindings: SqlValue[]): Record<string, SqlValue>[] {
    return this.#storage.sql.exec(query, ...bindings).toArray();
  }

  #setMeta(key: string, value: SqlValue): void {
    this.#exec(
      `INSERT INTO ${this.#meta} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      key,
      value,
    );
  }

  async open(options: BackendOpenOptions): Promise<{ epoch: string; head: number }> {
    if (this.#open !== undefined) throw new Error("sqliteBackend: open() was already called");
    if (this.#closed) throw new Error("sqliteBackend: the backend is closed");
    const meta = this.#meta;
    const records = this.#records;
    const topics = this.#topics;
    this.#storage.transactionSync(() => {
      this.#exec(`CREATE TABLE IF NOT EXISTS ${meta} (key TEXT PRIMARY KEY, value) WITHOUT ROWID`);
      this.#exec(
        `CREATE TABLE IF NOT EXISTS ${records} (seq INTEGER PRIMARY KEY, prev INTEGER NOT NULL, topic TEXT NOT NULL, body TEXT NOT NULL, is_end INTEGER NOT NULL, time INTEGER NOT NULL, size INTEGER NOT NULL)`,
      );
      this.#exec(`CREATE INDEX IF NOT EXISTS ${records}_by_topic ON ${records} (topic, seq)`);
      this.#exec(
        `CREATE TABLE IF NOT EXISTS ${topics} (topic TEXT PRIMARY KEY, last INTEGER NOT NULL, ended INTEGER NOT NULL, count INTEGER NOT NULL, bytes INTEGER NOT NULL)`,
      );
      this.#exec(`CREATE INDEX IF NOT EXISTS ${topics}_by_last ON ${topics} (last)`);
      const values = new Map<SqlValue, SqlValue>();
      for (const row of this.#exec(`SELECT key, value FROM ${meta}`)) {
        values.set(row.key ?? null, row.value ?? null);
      }
      const epoch = values.get("epoch");
      if (typeof epoch === "string") {
        this.#epoch = epoch;
      } else {
        // A new (or wiped) storage is a new life: ids of any earlier one are gaps.
        this.#epoch = newEpoch();
        this.#setMeta("epoch", this.#epoch);
      }
      this.#head = Number(values.get("seq") ?? 0);
      this.#floor = Number(values.get("floor") ?? 0);
      const totals = this.#exec(
        `SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM ${topics}`,
      );
      this.#topicCount = Number(totals[0]?.n ?? 0);
      this.#bytes = Number(totals[0]?.b ?? 0);
    });
    this.#open = options;
    return { epoch: this.#epoch, head: this.#head };
  }

  async append(topic: string, body: string, end: boolean): Promise<HubRecord | undefined> {
    const open = this.#opened("append");
    const saved = { floor: this.#floor, bytes: this.#bytes, topicCount: this.#topicCount };
    let record: HubRecord | undefined;
    try {
      record = this.#storage.transactionSync(() => this.#append(open, topic, body, end));
    } catch (error) {
      // The transaction rolled back: so do the counters cached beside it.
      this.#floor = saved.floor;
      this.#bytes = saved.bytes;
      this.#topicCount = saved.topicCount;
      if (error instanceof Error && error.message.includes("SQLITE_TOOBIG")) {
        throw new RangeError(
          `sqliteBackend: an event of ${utf8Length(body)} bytes is too big for one value of a Durable Object's SQLite storage (about 2 MB): nothing was stored`,
          { cause: error },
        );
      }
      throw error;
    }
    if (record !== undefined) {
      this.#head = record.seq;
      // Outside the transaction: the record is stored whatever onRecord does.
      try {
        open.onRecord(record);
      } catch {
        // onRecord must not throw; if it does, the append still succeeded.
      }
    }
    return record;
  }

  #append(
    open: BackendOpenOptions,
    topic: string,
    body: string,
    end: boolean,
  ): HubRecord | undefined {
    const topics = this.#topics;
    const state = this.#exec(`SELECT last, ended, count FROM ${topics} WHERE topic = ?`, topic)[0];
    if (state !== undefined && Number(state.ended) !== 0) return undefined;
    const seq = this.#head + 1;
    const prev = state === undefined ? this.#floor : Number(state.last);
    const time = open.clock?.now() ?? Date.now();
    const size = utf8Length(body);
    this.#exec(
      `INSERT INTO ${this.#records} (seq, prev, topic, body, is_end, time, size) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      seq,
      prev,
      topic,
      body,
      end ? 1 : 0,
      time,
      size,
    );
    this.#exec(
      `INSERT INTO ${topics} (topic, last, ended, count, bytes) VALUES (?, ?, ?, 1, ?) ON CONFLICT (topic) DO UPDATE SET last = excluded.last, ended = excluded.ended, count = count + 1, bytes = bytes + excluded.bytes`,
      topic,
      seq,
      end ? seq : 0,
      size,
    );
    this.#setMeta("seq", seq);
    if (state === undefined) this.#topicCount++;
    this.#bytes += size;
    const count = state === undefined ? 1 : Number(state.count) + 1;
    if (count > open.history) this.#trimTopic(topic, count - open.history);
    if (open.historyTtl > 0) this.#sweepExpired(open, time - open.historyTtl);
    if (this.#topicCount > this.#maxTopics || this.#bytes > this.#maxBytes) {
      this.#evict(open, topic, seq);
    }
    return { epoch: this.#epoch, seq, prev, topic, body, end, time };
  }

  /**
   * Accounts for rows returned by a `DELETE … RETURNING topic, size`, keeping
   * the counters right.
   *
   * @returns The topics that lost records.
   */
  #forget(rows: Record<string, SqlValue>[]): Iterable<string> {
    const perTopic = new Map<string, { count: number; bytes: number }>();
    for (const row of rows) {
      const topic = String(row.topic);
      const entry = perTopic.get(topic) ?? { count: 0, bytes: 0 };
      entry.count++;
      entry.bytes += Number(row.size);
      perTopic.set(topic, entry);
    }
    for (const [topic, { count, bytes }] of perTopic) {
      this.#exec(
        `UPDATE ${this.#topics} SET count = count - ?, bytes = bytes - ? WHERE topic = ?`,
        count,
        bytes,
        topic,
      );
      this.#bytes -= bytes;
    }
    return perTopic.keys();
  }

  /** Keeps the newest `history` records of `topic`. */
  #trimTopic(topic: string, excess: number): void {
    const records = this.#records;
    this.#forget(
      this.#exec(
        `DELETE FROM ${records} WHERE seq IN (SELECT seq FROM ${records} WHERE topic = ? ORDER BY seq LIMIT ?) RETURNING topic, size`,
        topic,
        excess,
      ),
    );
  }

  /**
   * Deletes expired records, oldest first, a bounded batch per append: records
   * are appended in time order, so the oldest seqs are the oldest times.
   */
  #sweepExpired(open: BackendOpenOptions, cutoff: number): void {
    const records = this.#records;
    const topics = this.#topics;
    // One row read when nothing expired (the common case): rows read are billed.
    const oldest = this.#exec(`SELECT time FROM ${records} ORDER BY seq LIMIT 1`)[0];
    if (oldest === undefined || Number(oldest.time) >= cutoff) return;
    const touched = this.#forget(
      this.#exec(
        `DELETE FROM ${records} WHERE seq IN (SELECT seq FROM ${records} ORDER BY seq LIMIT ?) AND time < ? RETURNING topic, size`,
        SWEEP_BATCH,
        cutoff,
      ),
    );
    // A topic whose every record expired and that nobody follows is forgotten
    // (as eviction does), so storage shrinks back as topics go quiet.
    for (const topic of touched) {
      const state = this.#exec(`SELECT last, count FROM ${topics} WHERE topic = ?`, topic)[0];
      if (state === undefined || Number(state.count) > 0 || open.isActive(topic)) continue;
      this.#exec(`DELETE FROM ${topics} WHERE topic = ?`, topic);
      this.#topicCount--;
      this.#raiseFloor(Number(state.last));
    }
  }

  #raiseFloor(last: number): void {
    // Ids of a forgotten topic read as "no state": the floor says from where that is safe.
    if (last <= this.#floor) return;
    this.#floor = last;
    this.#setMeta("floor", last);
  }

  /**
   * Brings the topic count and the stored bytes back under their bounds:
   * first by deleting topics without subscribers, least recently appended
   * first (never `current`, the topic just appended to), then, for bytes, the
   * oldest records of any topic (never the newest record, `newest`).
   */
  #evict(open: BackendOpenOptions, current: string, newest: number): void {
    const topics = this.#topics;
    const records = this.#records;
    let offset = 0;
    while (this.#topicCount > this.#maxTopics || this.#bytes > this.#maxBytes) {
      const page = this.#exec(
        `SELECT topic, last, bytes FROM ${topics} ORDER BY last LIMIT ? OFFSET ?`,
        EVICT_PAGE,
        offset,
      );
      if (page.length === 0) break;
      for (const row of page) {
        const topic = String(row.topic);
        if (topic === current || open.isActive(topic)) {
          offset++;
          continue;
        }
        this.#exec(`DELETE FROM ${records} WHERE topic = ?`, topic);
        this.#exec(`DELETE FROM ${topics} WHERE topic = ?`, topic);
        this.#topicCount--;
        this.#bytes -= Number(row.bytes);
        this.#raiseFloor(Number(row.last));
        if (this.#topicCount <= this.#maxTopics && this.#bytes <= this.#maxBytes) break;
      }
    }
    while (this.#bytes > this.#maxBytes) {
      // Just enough of the oldest records: find the last seq to go, then delete up to it.
      const oldest = this.#exec(
        `SELECT seq, size FROM ${records} WHERE seq < ? ORDER BY seq LIMIT ?`,
        newest,
        EVICT_PAGE,
      );
      if (oldest.length === 0) break;
      let excess = this.#bytes - this.#maxBytes;
      let upTo = 0;
      for (const row of oldest) {
        upTo = Number(row.seq);
        excess -= Number(row.size);
        if (excess <= 0) break;
      }
      this.#forget(this.#exec(`DELETE FROM ${records} WHERE seq <= ? RETURNING topic, size`, upTo));
    }
  }

  async read(topics: readonly string[], after: number): Promise<BackendSnapshot> {
    const open = this.#opened("read");
    // Expired records still waiting for the sweep are left out of replays.
    const since = open.historyTtl > 0 ? (open.clock?.now() ?? Date.now()) - open.historyTtl : 0;
    const snapshots: TopicSnapshot[] = [];
    for (const topic of topics) {
      const state = this.#exec(`SELECT last, ended FROM ${this.#topics} WHERE topic = ?`, topic)[0];
      if (state === undefined) {
        snapshots.push({ records: [], last: 0, ended: 0 });
        continue;
      }
      const rows = this.#exec(
        `SELECT seq, prev, topic, body, is_end, time FROM ${this.#records} WHERE topic = ? AND seq > ? AND time >= ? ORDER BY seq`,
        topic,
        after,
        since,
      ) as unknown as RecordRow[];
      const epoch = this.#epoch;
      snapshots.push({
        records: rows.map((row) => ({
          epoch,
          seq: row.seq,
          prev: row.prev,
          topic: row.topic,
          body: row.body,
          end: row.is_end !== 0,
          time: row.time,
        })),
        last: Number(state.last),
        ended: Number(state.ended),
      });
    }
    return { epoch: this.#epoch, head: this.#head, floor: this.#floor, topics: snapshots };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#open = undefined;
  }

  #opened(method: string): BackendOpenOptions {
    if (this.#closed) throw new Error(`sqliteBackend: ${method}() after close()`);
    if (this.#open === undefined) throw new Error(`sqliteBackend: ${method}() before open()`);
    return this.#open;
  }
}
