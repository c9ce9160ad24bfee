// redisBackend against its interface (src/hub/backend.ts), over a real
// redis-server, with node-redis and ioredis.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { BackendOpenOptions, HubBackend, HubRecord } from "../../src/hub/backend.ts";
import { RedisBackendError, redisBackend } from "../../src/redis.ts";
import { CLIENT_KINDS, connect, type TestClient } from "./clients.ts";
import { type RedisServer, startRedis } from "./redis-server.ts";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.dispose();
});

interface Opened {
  backend: HubBackend;
  records: HubRecord[];
  lost: unknown[];
  epoch: string;
  head: number;
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let prefixes = 0;

describe.each(CLIENT_KINDS)("redisBackend with %s", (kind) => {
  const clients: TestClient[] = [];
  const backends: HubBackend[] = [];

  afterAll(async () => {
    for (const backend of backends) await backend.close();
    for (const client of clients) await client.close();
  });

  async function open(
    prefix: string,
    options: Partial<BackendOpenOptions> & { maxTopics?: number; maxLen?: number } = {},
  ): Promise<Opened & { client: TestClient }> {
    const client = await connect(kind, server.url);
    clients.push(client);
    const backend = redisBackend(client.client, {
      prefix,
      timeout: 1500,
      ...(options.maxTopics ? { maxTopics: options.maxTopics } : {}),
      ...(options.maxLen ? { maxLen: options.maxLen } : {}),
    });
    backends.push(backend);
    const records: HubRecord[] = [];
    const lost: unknown[] = [];
    const { epoch, head } = await backend.open({
      history: options.history ?? 100,
      historyTtl: options.historyTtl ?? 0,
      onRecord: (record) => records.push(record),
      onLost: (reason) => lost.push(reason),
      isActive: () => false,
    });
    return { backend, records, lost, epoch, head, client };
  }

  const fresh = () => `${kind}-${++prefixes}`;

  test("two backends on one prefix share the epoch, and every record reaches both feeds in seq order", async () => {
    const prefix = fresh();
    const a = await open(prefix);
    const b = await open(prefix);
    expect(a.epoch).toMatch(/^[a-z0-9]+$/);
    expect(b.epoch).toBe(a.epoch);
    expect(a.head).toBe(0);
    const appended: HubRecord[] = [];
    for (let i = 0; i < 10; i++) {
      const on = i % 2 === 0 ? a : b;
      const record = await on.backend.append(`room-${i % 3}`, `data: ${i}\n\n`, false);
      if (record === undefined) throw new Error("append refused");
      appended.push(record);
    }
    expect(appended.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // prev is the topic's previous seq; the first of each topic gets the floor (0).
    expect(appended.map((r) => r.prev)).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 6, 7]);
    await until(() => a.records.length === 10 && b.records.length === 10, "both feeds");
    expect(a.records).toEqual(appended);
    expect(b.records).toEqual(appended);
    expect(a.lost).toEqual([]);
  });

  test("read returns one consistent view: records after a position, last, ended, head", async () => {
    const { backend } = await open(fresh());
    await backend.append("x", "data: 1\n\n", false);
    await backend.append("y", "data: 2\n\n", false);
    await backend.append("x", "data: 3\n\n", false);
    await backend.append("x", "", true);
    const snapshot = await backend.read(["x", "y", "nobody"], 1);
    expect(snapshot.head).toBe(4);
    expect(snapshot.floor).toBe(0);
    const [x, y, none] = snapshot.topics;
    expect(x?.records.map((r) => [r.seq, r.prev, r.body, r.end])).toEqual([
      [3, 1, "data: 3\n\n", false],
      [4, 3, "", true],
    ]);
    expect([x?.last, x?.ended]).toEqual([4, 4]);
    expect(y?.records.map((r) => r.seq)).toEqual([2]);
    expect([y?.last, y?.ended]).toEqual([2, 0]);
    expect(none).toEqual({ records: [], last: 0, ended: 0 });
    expect(x?.records[0]?.time).toBeGreaterThan(Date.now() - 60_000);
  });

  test("an ended topic refuses events and a second end, and nothing is appended", async () => {
    const { backend } = await open(fresh());
    await backend.append("t", "data: a\n\n", false);
    expect((await backend.append("t", "", true))?.seq).toBe(2);
    expect(await backend.append("t", "data: late\n\n", false)).toBeUndefined();
    expect(await backend.append("t", "", true)).toBeUndefined();
    const snapshot = await backend.read(["t"], 0);
    expect(snapshot.head).toBe(2);
    expect(snapshot.topics[0]?.records.length).toBe(2);
  });

  test("history trims a topic to exactly that many records, and prev shows the hole", async () => {
    const { backend } = await open(fresh(), { history: 3 });
    for (let i = 1; i <= 6; i++) await backend.append("t", `data: ${i}\n\n`, false);
    const [t] = (await backend.read(["t"], 0)).topics;
    expect(t?.records.map((r) => r.seq)).toEqual([4, 5, 6]);
    // A client at 1 missed 2 and 3: the oldest kept record's prev (3) is past its position.
    expect(t?.records[0]?.prev).toBe(3);
    expect(t?.last).toBe(6);
  });

  test("history 0 keeps no records but still tracks last and ended", async () => {
    const { backend } = await open(fresh(), { history: 0 });
    await backend.append("t", "data: 1\n\n", false);
    await backend.append("t", "", true);
    expect((await backend.read(["t"], 0)).topics[0]).toEqual({ records: [], last: 2, ended: 2 });
  });

  test("past maxTopics the least recently published topic is dropped and the floor covers it", async () => {
    const { backend } = await open(fresh(), { maxTopics: 2 });
    await backend.append("a", "data: 1\n\n", false);
    await backend.append("b", "data: 2\n\n", false);
    await backend.append("a", "data: 3\n\n", false);
    await backend.append("c", "data: 4\n\n", false);
    const snapshot = await backend.read(["a", "b", "c"], 0);
    expect(snapshot.floor).toBe(2);
    expect(snapshot.topics.map((t) => t.last)).toEqual([3, 0, 4]);
    // b starts again from the floor: a client at 1 (before b's lost record) sees a hole.
    expect((await backend.append("b", "data: 5\n\n", false))?.prev).toBe(2);
  });

  test("a topic idle past historyTtl is dropped on a later append and the floor covers it", async () => {
    const { backend } = await open(fresh(), { historyTtl: 100 });
    await backend.append("old", "data: 1\n\n", false);
    await new Promise((r) => setTimeout(r, 250));
    await backend.append("new", "data: 2\n\n", false);
    const snapshot = await backend.read(["old", "new"], 0);
    expect(snapshot.floor).toBe(1);
    expect(snapshot.topics[0]).toEqual({ records: [], last: 0, ended: 0 });
  });

  test("topic names that differ only in lone surrogates stay apart", async () => {
    const { backend, records } = await open(fresh());
    await backend.append("\uD800", "data: 1\n\n", false);
    await backend.append("\uDFFF", "data: 2\n\n", false);
    await backend.append("a\uD83D\uDE00", "data: 3\n\n", false);
    const snapshot = await backend.read(["\uD800", "\uDFFF", "a\uD83D\uDE00"], 0);
    expect(snapshot.topics.map((t) => t.last)).toEqual([1, 2, 3]);
    await until(() => records.length === 3, "feed");
    expect(records.map((r) => r.topic)).toEqual(["\uD800", "\uDFFF", "a\uD83D\uDE00"]);
  });

  test("a Redis that lost its epoch key is a new epoch: onLost, then the feed goes on in the new epoch", async () => {
    const prefix = fresh();
    const a = await open(prefix);
    const b = await open(prefix);
    await a.backend.append("t", "data: 1\n\n", false);
    await until(() => b.records.length === 1, "first record");
    await a.client.command("DEL", `{${prefix}}:epoch`);
    // b notices from a quiet read (a flush leaves its old live stream silent).
    await until(() => b.lost.length === 1, "onLost on b");
    const record = await a.backend.append("t", "data: 2\n\n", false);
    expect(record?.epoch).not.toBe(a.epoch);
    expect(a.lost.length).toBe(1);
    await until(() => b.records.length === 2, "record of the new epoch on b");
    expect(b.records[1]?.epoch).toBe(record?.epoch);
    expect(b.records[1]?.seq).toBe(record?.seq);
    expect((await b.backend.read(["t"], 0)).epoch).toBe(record?.epoch);
  });

  test("a live feed that lost records (trimmed before this instance read them) calls onLost, then goes on", async () => {
    const prefix = fresh();
    const a = await open(prefix);
    const b = await open(prefix);
    await a.backend.append("t", "data: 1\n\n", false);
    await until(() => b.records.length === 1, "first record");
    // Atomically, as if records 2 to 5 had been appended and trimmed away
    // before b's reader came back: the live stream jumps from 1 to 6.
    await a.client.command(
      "EVAL",
      `local seq = redis.call('INCRBY', KEYS[1], 5)
       redis.call('XADD', KEYS[2], string.format('%d-0', seq), 't', '=t', 'p', '1', 'm', '0', 'e', '0', 'b', ARGV[1])
       return seq`,
      "2",
      `{${prefix}}:${a.epoch}:seq`,
      `{${prefix}}:${a.epoch}:live`,
      "data: 6\n\n",
    );
    await until(() => b.records.length === 2, "the record after the hole");
    expect(b.lost.length).toBe(1);
    expect(String(b.lost[0])).toMatch(/lost records 2 to 5/);
    expect(b.records[1]?.seq).toBe(6);
    // The feed goes on in order after the hole.
    await a.backend.append("t", "data: 7\n\n", false);
    await until(() => b.records.length === 3, "the next record");
    expect(b.records[2]?.seq).toBe(7);
    expect(b.lost.length).toBe(1);
  });

  test("bad options and clients are errors that name the field", () => {
    expect(() => redisBackend({} as never)).toThrow(
      /"client" must be a node-redis, ioredis or Bun/,
    );
    expect(() => redisBackend(null as never)).toThrow(TypeError);
    const fake = { duplicate() {}, call() {} } as never;
    expect(() => redisBackend(fake, { prefix: "a{b}" })).toThrow(/"prefix" must be/);
    expect(() => redisBackend(fake, { prefix: "" })).toThrow(/"prefix"/);
    expect(() => redisBackend(fake, { maxLen: 0 })).toThrow(
      /"maxLen" must be a safe integer >= 1 \(got 0\)/,
    );
    expect(() => redisBackend(fake, { timeout: 1.5 })).toThrow(RangeError);
  });

  test("RedisBackendError is what a refused script rejects with", async () => {
    const prefix = fresh();
    const { backend, client, epoch } = await open(prefix);
    // A key of the wrong type makes Redis refuse the script before it writes anything.
    await client.command("SET", `{${prefix}}:${epoch}:topics`, "not a sorted set");
    const error = await backend.append("t", "data: x\n\n", false).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisBackendError);
    expect(String((error as Error).message)).toMatch(/append to topic "t"/);
  });
});
