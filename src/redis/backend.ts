/**
 * `redisBackend()`: the hub's records in Redis Streams, shared by every hub on
 * the same Redis and prefix.
 *
 * @module
 */
import { integer, newEpoch, show } from "../check.ts";
import type {
  BackendOpenOptions,
  BackendSnapshot,
  HubBackend,
  HubRecord,
  TopicSnapshot,
} from "../hub/backend.ts";
import { adapt, type Conn, type RedisLike } from "./client.ts";
import { fsyncsAlways, isRecheck, runScript } from "./commands.ts";
import { RedisBackendError } from "./errors.ts";
import { decodeTopic, encodeTopic, liveKey, type RedisKeys, redisKeys } from "./keys.ts";
import { LiveReader } from "./reader.ts";
import { list, type StreamEntry, seqOf, streamEntry, text } from "./reply.ts";
import { APPEND, ENSURE, READ, type Script } from "./scripts.ts";

/** Options of {@link redisBackend}. */
export interface RedisBackendOptions {
  /**
   * Names this hub's keys: every key is `{prefix}:...`, one hash tag, so a
   * Redis Cluster keeps them in one slot. Hubs with the same prefix share events.
   *
   * @defaultValue "web-sse"
   */
  prefix?: string | undefined;
  /**
   * Entries kept (about: `MAXLEN ~`) on the live stream that carries every
   * record to every instance. An instance whose reader falls further behind
   * than this (Redis away longer, or a stalled process) loses the feed: its
   * subscribers are closed and reconnect.
   *
   * @defaultValue 10000
   */
  maxLen?: number | undefined;
  /**
   * Topics whose state is kept. Past it, the least recently published topic
   * is dropped (its old ids then take the gap path), whether or not some
   * instance has subscribers on it: Redis does not know who listens where.
   * With `historyTtl`, a topic idle that long is dropped too. Both happen
   * inside the append script, a few topics per append.
   *
   * @defaultValue 10000
   */
  maxTopics?: number | undefined;
  /**
   * How long (ms) a command may take before it fails with a
   * {@link RedisBackendError}: a publish while Redis is away rejects after this.
   *
   * @defaultValue 5000
   */
  timeout?: number | undefined;
}

/** XREAD BLOCK: also how long a flushed Redis may go unnoticed by an idle reader. */
const BLOCK = 2000;
/** Past BLOCK, how long a read may stay silent before its connection counts as hung. */
const WATCHDOG = 3000;

class RedisBackend implements HubBackend {
  readonly #main: Conn;
  readonly #keys: RedisKeys;
  readonly #maxLen: number;
  readonly #maxTopics: number;
  readonly #timeout: number;
  #options: BackendOpenOptions | undefined;
  #reader: LiveReader | undefined;
  #epoch = "";
  /** The seq of the last record handed to onRecord; 0 right after an epoch change (take any). */
  #delivered = 0;
  #closed = false;
  /** Redis's clock minus this process's monotonic clock, in ms (for append deadlines). */
  #clockOffset: number | undefined;
  /** The highest seq this instance has seen in `#epoch` (appended, delivered, or a read's head). */
  #known = 0;
  /** The run id of the server that last checked the epoch, as ENSURE returned it. */
  #run = "";
  /** Appends of this instance waiting for the live feed to pass their seq. */
  #waiting: { seq: number; resolve: () => void }[] = [];

  constructor(client: RedisLike, options: RedisBackendOptions | undefined) {
    this.#keys = redisKeys(options?.prefix ?? "web-sse");
    this.#main = adapt(client, this.#keys.epoch);
    const at = (name: string) => ({ where: "redisBackend", name });
    this.#maxLen = integer(at("maxLen"), options?.maxLen, 10_000, 1);
    this.#maxTopics = integer(at("maxTopics"), options?.maxTopics, 10_000, 1);
    this.#timeout = integer(at("timeout"), options?.timeout, 5000, 1, " ms");
  }

  async open(options: BackendOpenOptions): Promise<{ epoch: string; head: number }> {
    this.#options = options;
    const [epoch, head] = await this.#ensure("open");
    this.#epoch = epoch;
    this.#known = head;
    const position = head;
    this.#delivered = position;
    const reader = new LiveReader(this.#main, {
      block: BLOCK,
      watchdog: WATCHDOG,
      timeout: this.#timeout,
      onEntries: (entries) => this.#deliver(entries),
      onQuiet: () => this.#checkEpoch(),
    });
    this.#reader = reader;
    await reader.start(liveKey(this.#keys, this.#epoch), `${position}-0`);
    return { epoch: this.#epoch, head: position };
  }

  /** What every script is told first: see the prologue in scripts.ts. */
  #prologue(): string[] {
    return [newEpoch(), this.#keys.base, this.#run, this.#epoch, String(this.#known)];
  }

  #see(seq: number): void {
    if (seq > this.#known) this.#known = seq;
  }

  async append(topic: string, body: string, end: boolean): Promise<HubRecord | undefined> {
    const options = this.#ready();
    const name = encodeTopic(topic);
    const reply = list(
      await this.#checked(
        APPEND,
        () => [
          ...this.#prologue(),
          name,
          body,
          end ? "1" : "0",
          String(options.history),
          String(options.historyTtl),
          String(this.#maxLen),
          String(this.#maxTopics),
          // Past this (on Redis's clock) the script refuses to append: a command the
          // client queued while Redis was away must not store an event long after
          // its publish rejected (a retry would then store it twice).
          String(Math.ceil(performance.now() + (this.#clockOffset ?? 0) + this.#timeout)),
        ],
        `append to topic ${show(topic)}`,
      ),
    );
    const epoch = text(reply[0]);
    this.#adopt(epoch);
    if (reply.length === 2) {
      throw new RedisBackendError(
        `redisBackend: append to topic ${show(topic)}: reached Redis after its ${this.#timeout} ms deadline; nothing was stored`,
        false,
      );
    }
    if (reply.length < 4) return undefined;
    const record: HubRecord = {
      epoch,
      seq: Number(text(reply[1])),
      prev: Number(text(reply[2])),
      topic,
      body,
      end,
      time: Number(text(reply[3])),
    };
    this.#see(record.seq);
    await this.#fed(record.seq);
    return record;
  }

  /**
   * Resolves once the live feed has handed `seq` to onRecord (or after the
   * timeout: the record is stored either way). So when a publish resolves, its
   * hub has seen the record, as with the memory backend: a subscriber that
   * comes in after a publish never gets that event as a "new" one.
   */
  #fed(seq: number): Promise<void> {
    if (seq <= this.#delivered || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.#timeout);
      const waiter = { seq, resolve: done };
      const list = this.#waiting;
      function done(): void {
        clearTimeout(timer);
        const at = list.indexOf(waiter);
        if (at !== -1) list.splice(at, 1);
        resolve();
      }
      list.push(waiter);
    });
  }

  #wake(all: boolean): void {
    if (this.#waiting.length === 0) return;
    for (const waiter of this.#waiting.slice()) {
      if (all || waiter.seq <= this.#delivered) waiter.resolve();
    }
  }

  async read(topics: readonly string[], after: number): Promise<BackendSnapshot> {
    this.#ready();
    const names = topics.map(encodeTopic);
    const reply = list(
      await this.#checked(
        READ,
        () => [...this.#prologue(), `${after + 1}-0`, ...names],
        `read ${topics.length} topic(s)`,
      ),
    );
    const epoch = text(reply[0]);
    this.#adopt(epoch);
    this.#see(Number(text(reply[1])));
    const snapshots: TopicSnapshot[] = [];
    for (let i = 0; i < topics.length; i++) {
      const topic = topics[i] as string;
      const records = list(reply[3 + i * 3 + 2]).map((raw) =>
        toRecord(epoch, topic, streamEntry(raw)),
      );
      let last = Number(text(reply[3 + i * 3]));
      let ended = Number(text(reply[3 + i * 3 + 1]));
      const newest = records[records.length - 1];
      if (last === 0 && newest !== undefined) {
        // Records without their topic's state (an allkeys-* eviction took the hash):
        // report what the records show, so the continuity check runs on their prev.
        last = newest.seq;
        if (newest.end) ended = newest.seq;
      }
      snapshots.push({ records, last, ended });
    }
    return {
      epoch,
      head: Number(text(reply[1])),
      floor: Number(text(reply[2])),
      topics: snapshots,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#options = undefined;
    this.#wake(true);
    await this.#reader?.close();
  }

  #ready(): BackendOpenOptions {
    if (this.#options === undefined) {
      throw new Error(`redisBackend: ${this.#closed ? "closed" : "not open"}`);
    }
    return this.#options;
  }

  /** Runs a script within the timeout; every failure becomes a RedisBackendError. */
  #eval(script: Script, args: string[], what: string): Promise<unknown> {
    return runScript(this.#main, script, [this.#keys.epoch], args, this.#timeout, what);
  }

  /**
   * Runs a script; when it answers that the server's run id is not the one
   * this instance knows (Redis restarted, or failed over), reads INFO, lets
   * ENSURE decide whether the epoch survives, and runs the script once more.
   */
  async #checked(script: Script, args: () => string[], what: string): Promise<unknown> {
    let reply = await this.#eval(script, args(), what);
    if (!isRecheck(reply)) return reply;
    await this.#ensure(what);
    reply = await this.#eval(script, args(), what);
    if (isRecheck(reply)) {
      throw new RedisBackendError(
        `redisBackend: ${what}: the Redis server changed twice while this instance checked it; nothing was stored, try again`,
        false,
      );
    }
    return reply;
  }

  /**
   * The epoch (created if missing, or anew if Redis lost what it acknowledged)
   * and head; measures Redis's clock against ours on the way.
   */
  async #ensure(what: string): Promise<[string, number]> {
    const always = await fsyncsAlways(this.#main, this.#timeout, what);
    const sent = performance.now();
    const [epoch, head, time, run] = list(
      await this.#eval(ENSURE, [...this.#prologue(), always ? "1" : "0"], what),
    );
    this.#run = text(run);
    const received = performance.now();
    // Redis read its clock somewhere between send and receipt: take the middle,
    // from a quick round trip only (a slow one, right after a reconnect, could
    // be off by half of it).
    if (received - sent < 100 || this.#clockOffset === undefined) {
      this.#clockOffset = Number(text(time)) - (sent + received) / 2;
    }
    return [text(epoch), Number(text(head))];
  }

  /** Called by the reader when the feed is quiet or failed: a flushed Redis shows here. */
  async #checkEpoch(): Promise<void> {
    if (this.#closed) return;
    const [epoch, head] = await this.#ensure("check epoch");
    this.#adopt(epoch);
    this.#see(head);
  }

  /** A different epoch means Redis lost what it held: the feed starts over on the new epoch's stream. */
  #adopt(epoch: string): void {
    if (epoch === this.#epoch || this.#closed) return;
    const before = this.#epoch;
    this.#epoch = epoch;
    this.#delivered = 0;
    this.#known = 0;
    this.#wake(true);
    this.#reader?.moveTo(liveKey(this.#keys, epoch), "0-0");
    this.#lost(
      new RedisBackendError(
        `redisBackend: Redis lost its data (epoch ${before} is now ${epoch}: flushed, restarted empty or replaced)`,
        undefined,
      ),
    );
  }

  #deliver(entries: readonly StreamEntry[]): void {
    const options = this.#options;
    if (options === undefined) return;
    for (const entry of entries) {
      const seq = seqOf(entry.id);
      if (seq <= this.#delivered) continue;
      if (this.#delivered !== 0 && seq !== this.#delivered + 1) {
        this.#lost(
          new RedisBackendError(
            `redisBackend: the live feed lost records ${this.#delivered + 1} to ${seq - 1} (trimmed past maxLen ${this.#maxLen} before this instance read them)`,
            undefined,
          ),
        );
      }
      this.#delivered = seq;
      this.#see(seq);
      const record = toRecord(this.#epoch, decodeTopic(entry.fields.t ?? "="), entry);
      try {
        options.onRecord(record);
      } catch {
        // onRecord must not throw; the feed goes on regardless.
      }
    }
    this.#wake(false);
  }

  #lost(reason: unknown): void {
    try {
      this.#options?.onLost(reason);
    } catch {
      // onLost must not throw either.
    }
  }
}

function toRecord(epoch: string, topic: string, entry: StreamEntry): HubRecord {
  const f = entry.fields;
  return {
    epoch,
    seq: seqOf(entry.id),
    prev: Number(f.p ?? 0),
    topic,
    body: f.b ?? "",
    end: f.e === "1",
    time: Number(f.m ?? 0),
  };
}

/**
 * A hub backend on Redis Streams, shared by every hub that uses the same Redis
 * and prefix: a publish on one instance reaches the subscribers of all, and a
 * client may resume on any instance.
 *
 * @param client - A connected node-redis (v4 or later) or ioredis client, or
 * Bun's `RedisClient`. It is used for appends and reads; the live feed uses a
 * duplicate of it that the backend opens and closes itself. The client stays
 * yours: `close()` leaves it open.
 * @param options - Key prefix, live stream length, topic bound, command timeout.
 * @returns A backend for `createHub({ backend })`.
 * @throws TypeError/RangeError for a client of another kind or a bad option.
 *
 * @example Two instances, one Redis
 * ```ts
 * import { createClient } from "redis";
 * import { createHub } from "web-sse/hub";
 * import { redisBackend } from "web-sse/redis";
 *
 * const redis = createClient({ url: "redis://127.0.0.1:6379" });
 * redis.on("error", (error) => console.error("redis", error));
 * await redis.connect();
 * const hub = createHub({ backend: redisBackend(redis, { prefix: "chat" }) });
 * ```
 */
export function redisBackend(client: RedisLike, options?: RedisBackendOptions): HubBackend {
  return new RedisBackend(client, options);
}
