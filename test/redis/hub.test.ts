// Hubs on redisBackend across instances and through Redis trouble: each test
// runs real hubs on a real redis-server it starts, restarts or stops.
import { afterEach, describe, expect, test } from "vitest";
import { createHub, type Hub } from "../../src/hub.ts";
import { RedisBackendError, redisBackend } from "../../src/redis.ts";
import { within } from "../helpers/core-sse.ts";
import { type Client, connect } from "../hub/client.ts";
import {
  CLIENT_KINDS,
  type ClientKind,
  connect as connectRedis,
  type TestClient,
} from "./clients.ts";
import { type RedisServer, startRedis } from "./redis-server.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

async function server(options: { appendOnly?: boolean } = {}): Promise<RedisServer> {
  const redis = await startRedis(options);
  cleanup.push(() => redis.dispose());
  return redis;
}

/** A hub instance: its own Redis connection, as another process would have. */
async function instance(
  kind: ClientKind,
  redis: RedisServer,
  options: { history?: number; timeout?: number } = {},
): Promise<Hub & { redis: TestClient }> {
  const client = await connectRedis(kind, redis.url);
  const hub = createHub({
    history: options.history ?? 1000,
    backend: redisBackend(client.client, { prefix: "app", timeout: options.timeout ?? 2000 }),
  });
  cleanup.push(async () => {
    await hub.close();
    await client.close();
  });
  return Object.assign(hub, { redis: client });
}

async function subscriber(
  hub: Hub,
  topics: string | string[],
  lastEventId?: string,
): Promise<Client> {
  const client = await connect(hub, topics, { keepAlive: 200, lastEventId });
  cleanup.push(() => client.close());
  return client;
}

/** Publishes, retrying while Redis comes back (bounded). */
async function publishSoon(hub: Hub, topic: string, data: string, ms = 15_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await hub.publish(topic, data);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe("hubs on one Redis", () => {
  test("concurrent publishes on two instances over several topics: unique ids, one order everywhere, and a resume from any id gets exactly the rest", async () => {
    const redis = await server();
    const a = await instance("node-redis", redis);
    const b = await instance("ioredis", redis);
    const topics = ["t0", "t1", "t2", "t3"];
    const onA = await subscriber(a, topics);
    const onB = await subscriber(b, topics);
    const published = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        (i % 2 === 0 ? a : b).publish(topics[i % 4] as string, `e${i}`).then((id) => ({ id, i })),
      ),
    );
    const ids = published.map((p) => p.id);
    expect(new Set(ids).size).toBe(300);
    await onA.count(300, 20_000);
    await onB.count(300, 20_000);
    // One order: both instances deliver the same sequence, each publish's id with its event.
    expect(onB.events).toEqual(onA.events);
    const byId = new Map(published.map((p) => [p.id, `e${p.i}`]));
    for (const event of onA.events) expect(event.data).toBe(byId.get(event.id as string));
    expect(new Set(onA.data).size).toBe(300);
    // Resume anywhere, on either instance: exactly what came after that id.
    for (const at of [0, 41, 150, 299]) {
      const hub = at % 2 === 0 ? b : a;
      const resumed = await subscriber(hub, topics, onA.events[at]?.id);
      await resumed.count(299 - at, 10_000);
      await new Promise((r) => setTimeout(r, 50));
      expect(resumed.events).toEqual(onA.events.slice(at + 1));
      await resumed.close();
    }
  });

  test("bursts read from Redis many at a time reach every subscriber in id order, once each: runs of one topic, mixed topics, and a client resuming mid-burst", async () => {
    const redis = await server();
    const a = await instance("node-redis", redis);
    const b = await instance("node-redis", redis);
    const both = await subscriber(b, ["x", "y"]);
    const onlyX = await subscriber(b, "x");
    // Runs of 7 events on one topic, then 7 on the other, all published at once.
    const topicOf = (i: number): string => (Math.floor(i / 7) % 2 === 0 ? "x" : "y");
    const burst = (from: number, count: number): Promise<string[]> =>
      Promise.all(
        Array.from({ length: count }, (_, k) =>
          a.publish(topicOf(from + k), `${topicOf(from + k)}${from + k}`),
        ),
      );
    await burst(0, 400);
    await both.count(400, 20_000);
    const seqOf = (id: string | undefined): number => Number(id?.slice(id.lastIndexOf("-") + 1));
    const inOrder = (events: { id: string | undefined }[]): boolean =>
      events.every((event, i) => i === 0 || seqOf(event.id) > seqOf(events[i - 1]?.id));
    expect(inOrder(both.events)).toBe(true);
    expect(new Set(both.data).size).toBe(400);
    const xs = both.events.filter((event) => event.data.startsWith("x"));
    await onlyX.count(xs.length, 10_000);
    expect(onlyX.events).toEqual(xs);
    // A client resuming on B while the next burst is being delivered there gets exactly the rest.
    const second = burst(400, 400);
    const resumed = await subscriber(b, "x", onlyX.events[100]?.id);
    await second;
    await both.count(800, 20_000);
    const allXs = both.events.filter((event) => event.data.startsWith("x"));
    await onlyX.count(allXs.length, 10_000);
    await resumed.count(allXs.length - 101, 10_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(inOrder(both.events)).toBe(true);
    expect(new Set(both.data).size).toBe(800);
    expect(onlyX.events).toEqual(allXs);
    expect(resumed.events).toEqual(allXs.slice(101));
  });

  test("a client resuming on another instance with an id trimmed from the history takes the gap path", async () => {
    const redis = await server();
    const a = await instance("node-redis", redis, { history: 5 });
    const b = await instance("node-redis", redis, { history: 5 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await a.publish("t", `e${i}`));
    const late = await subscriber(b, "t", ids[1]);
    await late.count(1);
    expect(late.events[0]).toMatchObject({ event: "reset", data: "", id: ids[9] });
    const recent = await subscriber(b, "t", ids[5]);
    await recent.count(4);
    expect(recent.data).toEqual(["e6", "e7", "e8", "e9"]);
  });
});

describe.each(CLIENT_KINDS)("Redis trouble, with %s", (kind) => {
  test("Redis restarts with its append-only file: nothing published is lost, live delivery resumes on the same stream", async () => {
    const redis = await server({ appendOnly: true });
    const a = await instance(kind, redis);
    const b = await instance(kind, redis);
    const live = await subscriber(b, "t");
    const before: string[] = [];
    for (let i = 0; i < 5; i++) before.push(await a.publish("t", `before${i}`));
    await live.count(5);
    await redis.stop();
    await redis.start();
    const after: string[] = [];
    for (let i = 0; i < 5; i++) after.push(await publishSoon(a, "t", `after${i}`));
    await live.count(10, 20_000);
    expect(live.isEnded).toBe(false);
    expect(live.data).toEqual([
      ...before.map((_, i) => `before${i}`),
      ...after.map((_, i) => `after${i}`),
    ]);
    expect(live.events.map((e) => e.id)).toEqual([...before, ...after]);
    // An id from before the restart still resumes, on either instance.
    const resumed = await subscriber(a, "t", before[2]);
    await resumed.count(7);
    expect(resumed.data).toEqual(["before3", "before4", ...after.map((_, i) => `after${i}`)]);
  });

  test("Redis restarts empty: open streams end so clients reconnect, and their old ids take the gap path", async () => {
    const redis = await server();
    const a = await instance(kind, redis);
    const b = await instance(kind, redis);
    const live = await subscriber(b, "t");
    const old: string[] = [];
    for (let i = 0; i < 3; i++) old.push(await a.publish("t", `old${i}`));
    await live.count(3);
    await redis.stop("SIGKILL");
    await redis.start();
    // Each instance notices the new epoch (at its reader's next read) and ends its streams.
    await live.end(20_000);
    const fresh = await publishSoon(a, "t", "new0");
    expect(fresh).not.toBe(old[2]);
    const back = await subscriber(b, "t", old[2]);
    await back.count(1, 10_000);
    // The reset carries a position in the new life; events from then on follow.
    expect(back.events[0]?.event).toBe("reset");
    const newcomer = await subscriber(b, "t");
    await a.publish("t", "new1");
    await back.count(2, 10_000);
    expect(back.data.slice(1)).toEqual(["new1"]);
    await newcomer.count(1, 10_000);
    expect(newcomer.data).toEqual(["new1"]);
  });

  test("Redis down: publish rejects within a bounded time, streams stay open, and the hub catches up when Redis is back", async () => {
    const redis = await server({ appendOnly: true });
    const a = await instance(kind, redis, { timeout: 1000 });
    const b = await instance(kind, redis, { timeout: 1000 });
    const live = await subscriber(b, "t");
    await a.publish("t", "first");
    await live.count(1);
    await redis.stop();
    const started = Date.now();
    const error = await a.publish("t", "lost").catch((e: unknown) => e);
    const took = Date.now() - started;
    expect(error).toBeInstanceOf(RedisBackendError);
    expect(String((error as Error).message)).toMatch(/append to topic "t"/);
    // The timeout is 1000 ms; a client that fails fast (refused connection) rejects sooner.
    expect(took).toBeLessThan(4000);
    // A new subscriber meanwhile: its read fails within the timeout too, never hangs, and
    // it gets a stream that ends at once through onError (not a rejection, which would
    // leave its EventSource failed for good), so it reconnects and finds Redis back.
    let failed: unknown;
    const refusedAt = Date.now();
    const refused = await connect(b, "t", {
      onError: (e) => {
        failed = e;
      },
    });
    await within(refused.ended, 5000, "the refused stream's end");
    expect(Date.now() - refusedAt).toBeLessThan(4000);
    expect(failed).toBeInstanceOf(RedisBackendError);
    await new Promise((r) => setTimeout(r, 1500));
    expect(live.isEnded).toBe(false);
    await redis.start();
    const back: string[] = [];
    for (let i = 0; i < 20; i++) back.push(await publishSoon(a, "t", `back${i}`));
    await live.count(21, 20_000);
    expect(live.isEnded).toBe(false);
    // "lost" reached Redis (from the client's offline queue) after its deadline, so it was
    // not stored: it neither shows up late nor doubles a retry; everything else arrives once, in order.
    expect(live.data).toEqual(["first", ...back.map((_, i) => `back${i}`)]);
  });
});
