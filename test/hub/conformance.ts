/**
 * The hub backend conformance suite: every hub behaviour, run against a hub on
 * the backend under test. Every backend in the package passes it; a backend of
 * your own should too:
 *
 * ```ts
 * import { backendConformance } from "./conformance.ts";
 * backendConformance("myBackend", () => ({ backend: myBackend() }));
 * ```
 *
 * It uses Web APIs only (Request, Response, streams, eventsource-parser), is
 * deterministic (ids are compared by identity, order is what the hub delivers)
 * and bounded (every wait has a deadline).
 *
 * @module
 */
import { describe, expect, it } from "vitest";
import { createHub, type Hub, type HubBackend, type HubOptions } from "../../src/hub.ts";
import { EncodedEvent, SSEEncodeError } from "../../src/index.ts";
import { CLOCK } from "../../src/options.ts";
import { type Client, connect, Follower, request, type Seen } from "./client.ts";
import { FakeClock } from "./fake-clock.ts";

/** A backend on a store of its own, with what else the store can do. */
export interface BackendFixture {
  /** The backend for the first hub (a fresh, empty store). */
  backend: HubBackend;
  /**
   * Another backend on the same store, for a second hub open at the same time
   * (another process or instance). Leave out when the backend cannot be shared.
   */
  share?: (() => HubBackend | Promise<HubBackend>) | undefined;
  /**
   * The store kept its data and a new process or connection comes up: a
   * backend on it (same epoch). Called after the first hub closed.
   */
  restart?: (() => HubBackend | Promise<HubBackend>) | undefined;
  /**
   * The store lost everything (a flush, a new in-memory process): a backend on
   * it, with a new epoch. Called after the first hub closed.
   */
  wipe?: (() => HubBackend | Promise<HubBackend>) | undefined;
  /**
   * Takes a copy of the store now; the function it resolves to puts the store
   * back to that copy while hubs stay open, as a Redis restored from an older
   * snapshot does: the store comes back with less than it acknowledged.
   */
  checkpoint?: (() => Promise<() => Promise<void>>) | undefined;
  /** A backend on a fresh store of its own that keeps at most `maxBytes` of events in all. */
  bounded?: ((maxBytes: number) => HubBackend | Promise<HubBackend>) | undefined;
  /** Releases what the fixture holds; called after each test. */
  dispose?: (() => void | Promise<void>) | undefined;
}

/** Makes a fresh fixture per test. */
export type BackendFactory = () => BackendFixture | Promise<BackendFixture>;

/**
 * Options of {@link backendConformance}. The optional parts of the suite are
 * chosen here, when the tests are defined, because a skipped test fails CI.
 */
export interface ConformanceOptions {
  /** The fixture has `share()`: run the two-hubs-on-one-store tests. */
  share?: boolean | undefined;
  /** The fixture has `restart()`: run the restart test. */
  restart?: boolean | undefined;
  /** The fixture has `wipe()`: run the lost-store test. */
  wipe?: boolean | undefined;
  /** The fixture has `checkpoint()`: run the store-comes-back-with-less test. */
  checkpoint?: boolean | undefined;
  /** The fixture has `bounded()`: run the byte-bound test. */
  bounded?: boolean | undefined;
  /**
   * The backend takes its record times and expiry from the hub's clock
   * (`BackendOpenOptions.clock`): the TTL tests skip ahead on a fake clock
   * instead of sleeping. Leave out for a backend with a clock of its own (Redis).
   */
  fakeTime?: boolean | undefined;
  /** Events the storm test publishes. @defaultValue 300 */
  stormEvents?: number | undefined;
  /** Deadline (ms) of each wait for events. @defaultValue 5000 */
  waitMs?: number | undefined;
  /**
   * `historyTtl` (ms) of the expiry test: longer for a backend whose every
   * call is a slow round trip (a Durable Object over RPC), so events meant to
   * be fresh do not expire while the test publishes and reads them.
   * @defaultValue 1000 (events meant to be fresh must stay so on a loaded CI box)
   */
  ttlMs?: number | undefined;
}

function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs the conformance suite for one backend.
 *
 * @param name - Shown in the test names.
 * @param factory - A fresh fixture (backend on an empty store) per test.
 */
export function backendConformance(
  name: string,
  factory: BackendFactory,
  options: ConformanceOptions = {},
): void {
  const ms = options.waitMs ?? 5000;
  const ttl = options.ttlMs ?? 1000;

  /** With `fakeTime`, the clock every hub of a test runs on. */
  let clock: FakeClock | undefined;

  /** Lets `ms` pass: on the fake clock at once, else for real. */
  async function pass(ms: number): Promise<void> {
    if (clock === undefined) await tick(ms);
    else clock.advance(ms);
  }

  /** Runs `body` with a hub on a fresh fixture; closes both whatever happens. */
  async function withHub(
    hubOptions: Omit<HubOptions, "backend">,
    body: (hub: Hub, fixture: BackendFixture) => Promise<void>,
  ): Promise<void> {
    const fixture = await factory();
    clock = options.fakeTime ? new FakeClock() : undefined;
    const hub = createHub({
      ...hubOptions,
      backend: fixture.backend,
      ...(clock === undefined ? {} : { [CLOCK]: clock }),
    } as HubOptions);
    try {
      await body(hub, fixture);
    } finally {
      await hub.close();
      await fixture.dispose?.();
    }
  }

  async function publishAll(hub: Hub, topic: string, data: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const item of data) ids.push(await hub.publish(topic, item));
    return ids;
  }

  const range = (from: number, to: number, prefix = "e"): string[] =>
    Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

  describe(`hub backend conformance: ${name}`, () => {
    it("publish resolves to unique ids, and a subscriber gets each event once, in order, with its id", async () => {
      await withHub({}, async (hub) => {
        const client = await connect(hub, "room");
        const ids = await publishAll(hub, "room", range(0, 20));
        expect(new Set(ids).size).toBe(20);
        await client.count(20, ms);
        expect(client.data).toEqual(range(0, 20));
        expect(client.events.map((event) => event.id)).toEqual(ids);
        await client.close();
      });
    });

    it("ids are ordered across topics: a multi-topic subscriber gets events in publish order", async () => {
      await withHub({}, async (hub) => {
        const both = await connect(hub, ["a", "b"]);
        const onlyA = await connect(hub, "a");
        const published: string[] = [];
        for (let i = 0; i < 30; i++) {
          const topic = i % 3 === 0 ? "b" : "a";
          await hub.publish(topic, `${topic}${i}`);
          published.push(`${topic}${i}`);
        }
        await both.count(30, ms);
        expect(both.data).toEqual(published);
        await onlyA.count(20, ms);
        expect(onlyA.data).toEqual(published.filter((item) => item.startsWith("a")));
        await both.close();
        await onlyA.close();
      });
    });

    it("a message is encoded once and reaches every subscriber as the same text", async () => {
      let calls = 0;
      const serialize = (data: unknown): string => {
        calls++;
        return JSON.stringify(data);
      };
      await withHub({ serialize }, async (hub) => {
        const clients = await Promise.all(Array.from({ length: 5 }, () => connect(hub, "t")));
        await hub.publish("t", { event: "update", data: { line: "one\ntwo" } });
        for (const client of clients) {
          await client.count(1, ms);
          expect(client.events[0]).toMatchObject({ event: "update", data: '{"line":"one\\ntwo"}' });
          await client.close();
        }
        expect(calls).toBe(1);
      });
    });

    it('start "latest" (the default) sends only events published after the request', async () => {
      await withHub({}, async (hub) => {
        await publishAll(hub, "t", ["old1", "old2"]);
        const client = await connect(hub, "t");
        await publishAll(hub, "t", ["new1"]);
        await client.count(1, ms);
        await tick(20);
        expect(client.data).toEqual(["new1"]);
        await client.close();
      });
    });

    it('start "earliest" replays the whole history, then goes on live', async () => {
      await withHub({}, async (hub) => {
        await publishAll(hub, "t", ["h1", "h2", "h3"]);
        const client = await connect(hub, "t", { start: "earliest" });
        await client.count(3, ms);
        await publishAll(hub, "t", ["live"]);
        await client.count(4, ms);
        expect(client.data).toEqual(["h1", "h2", "h3", "live"]);
        await client.close();
      });
    });

    it("a client resuming with Last-Event-ID gets exactly what it missed, then live", async () => {
      await withHub({}, async (hub) => {
        const ids = await publishAll(hub, "t", range(0, 10));
        const client = await connect(hub, "t", { lastEventId: ids[3] });
        await client.count(6, ms);
        await publishAll(hub, "t", ["live"]);
        await client.count(7, ms);
        expect(client.data).toEqual([...range(4, 10), "live"]);
        expect(client.events.map((event) => event.id).slice(0, 6)).toEqual(ids.slice(4));
        await client.close();
      });
    });

    it("a client resuming at the newest id gets nothing replayed, then live", async () => {
      await withHub({}, async (hub) => {
        const ids = await publishAll(hub, "t", range(0, 3));
        const client = await connect(hub, "t", { lastEventId: ids[2] });
        await publishAll(hub, "t", ["live"]);
        await client.count(1, ms);
        expect(client.data).toEqual(["live"]);
        await client.close();
      });
    });

    it("one Last-Event-ID resumes a multi-topic stream, with events of other topics in between", async () => {
      await withHub({}, async (hub) => {
        const first = await hub.publish("a", "a0");
        await hub.publish("other", "x");
        await hub.publish("b", "b1");
        await hub.publish("a", "a2");
        await hub.publish("other", "y");
        await hub.publish("b", "b3");
        const client = await connect(hub, ["a", "b"], { lastEventId: first });
        await client.count(3, ms);
        expect(client.data).toEqual(["b1", "a2", "b3"]);
        await client.close();
      });
    });

    it("a replay racing a concurrent publisher: every resuming subscriber gets a contiguous sequence, nothing twice", async () => {
      await withHub({}, async (hub) => {
        const ids = await publishAll(hub, "race", range(0, 50));
        const total = 150;
        const publishing = (async () => {
          for (let i = 50; i < total; i++) {
            ids.push(await hub.publish("race", `e${i}`));
            if (i % 10 === 0) await tick();
          }
        })();
        const clients: Array<{ from: number; client: Client }> = [];
        for (let k = 0; k < 25; k++) {
          const from = (k * 7) % 50;
          clients.push({ from, client: await connect(hub, "race", { lastEventId: ids[from] }) });
          if (k % 5 === 0) await tick();
        }
        await publishing;
        for (const { from, client } of clients) {
          await client.count(total - from - 1, ms);
          await tick();
          expect(client.data).toEqual(range(from + 1, total));
          expect(client.events.map((event) => event.id)).toEqual(ids.slice(from + 1));
          await client.close();
        }
      });
    });

    it("history trimmed past a client's position: the gap path sends a reset event with the newest id", async () => {
      await withHub({ history: 3 }, async (hub) => {
        const ids = await publishAll(hub, "t", range(0, 10));
        const client = await connect(hub, "t", { lastEventId: ids[2] });
        await client.count(1, ms);
        expect(client.events[0]).toEqual({ id: ids[9], event: "reset", data: "" });
        await publishAll(hub, "t", ["live"]);
        await client.count(2, ms);
        expect(client.data[1]).toBe("live");
        await client.close();
        // Within the history: no gap.
        const near = await connect(hub, "t", { lastEventId: ids[7] });
        await near.count(3, ms);
        expect(near.data).toEqual(["e8", "e9", "live"]);
        await near.close();
      });
    });

    it("an id that is garbage, from another epoch or from the future takes the gap path", async () => {
      await withHub({}, async (hub) => {
        const ids = await publishAll(hub, "t", range(0, 3));
        const newest = ids[2] as string;
        const future = `${newest.slice(0, newest.lastIndexOf("-"))}-${999_999}`;
        const foreign = `zzzzzzzzzz-${newest.slice(newest.lastIndexOf("-") + 1)}`;
        for (const id of ["garbage", "-", "1", foreign, future, `${newest}0x`, `${newest}-1`]) {
          const client = await connect(hub, "t", { lastEventId: id });
          await client.count(1, ms);
          expect(client.events[0], `Last-Event-ID ${JSON.stringify(id)}`).toEqual({
            id: newest,
            event: "reset",
            data: "",
          });
          await client.close();
        }
      });
    });

    it("onGap's events are sent first, the last carrying the newest id; the next reconnect is no gap", async () => {
      await withHub({ history: 2 }, async (hub) => {
        const ids = await publishAll(hub, "t", range(0, 6));
        const gaps: unknown[] = [];
        const onGap = (gap: { lastEventId: string; topics: readonly string[] }) => {
          gaps.push(gap);
          return [{ event: "snapshot", data: { n: 6 } }, "after-snapshot"];
        };
        const client = await connect(hub, ["t", "u"], { lastEventId: ids[0], onGap });
        await client.count(2, ms);
        expect(gaps).toEqual([{ lastEventId: ids[0], topics: ["t"] }]);
        expect(client.events[0]).toMatchObject({ event: "snapshot", data: '{"n":6}' });
        expect(client.events[1]).toEqual({ id: ids[5], event: undefined, data: "after-snapshot" });
        await client.close();
        const again = await connect(hub, ["t", "u"], { lastEventId: client.lastEventId, onGap });
        await hub.publish("u", "u-live");
        await again.count(1, ms);
        expect(again.data).toEqual(["u-live"]);
        expect(gaps).toHaveLength(1);
        await again.close();
      });
    });

    it("onGap returning an EncodedEvent: its bytes go out, then the position as an id-only event; {} sends only the position", async () => {
      await withHub({ history: 1 }, async (hub) => {
        const ids = await publishAll(hub, "t", range(0, 4));
        const newest = ids[3] as string;
        const snapshot = new EncodedEvent({ event: "snapshot", data: "state" });
        const client = await connect(hub, "t", { lastEventId: ids[0], onGap: () => snapshot });
        await client.until((c) => c.lastEventId === newest, ms, "the position after the snapshot");
        expect(client.events).toEqual([{ id: undefined, event: "snapshot", data: "state" }]);
        await client.close();
        const empty = await connect(hub, "t", { lastEventId: ids[0], onGap: () => ({}) });
        await empty.until((c) => c.lastEventId === newest, ms, "the position");
        await hub.publish("t", "live");
        await empty.count(1, ms);
        expect(empty.data).toEqual(["live"]);
        await empty.close();
      });
    });

    it("onGap may be async, and events published while it runs follow it", async () => {
      await withHub({ history: 1 }, async (hub) => {
        const ids = await publishAll(hub, "t", range(0, 4));
        let release: () => void = () => {};
        const client = await connect(hub, "t", {
          lastEventId: ids[0],
          onGap: () => new Promise<string>((resolve) => (release = () => resolve("snap"))),
        });
        await tick(20);
        await publishAll(hub, "t", ["during"]);
        release();
        await client.count(2, ms);
        expect(client.data).toEqual(["snap", "during"]);
        await client.close();
      });
    });

    it("history 0: nothing is replayed; a client that missed events takes the gap path", async () => {
      await withHub({ history: 0 }, async (hub) => {
        const ids = await publishAll(hub, "t", range(0, 3));
        const missed = await connect(hub, "t", { lastEventId: ids[0] });
        await missed.count(1, ms);
        expect(missed.events[0]).toEqual({ id: ids[2], event: "reset", data: "" });
        await missed.close();
        const current = await connect(hub, "t", { lastEventId: ids[2] });
        await publishAll(hub, "t", ["live"]);
        await current.count(1, ms);
        expect(current.data).toEqual(["live"]);
        await current.close();
      });
    });

    it("historyTtl: events older than it are not replayed (gap path), newer ones are", async () => {
      await withHub({ historyTtl: ttl }, async (hub) => {
        const old = await publishAll(hub, "t", ["old0", "old1"]);
        await pass(ttl * 2);
        const fresh = await publishAll(hub, "t", ["new0", "new1"]);
        const gapped = await connect(hub, "t", { lastEventId: old[0] });
        await gapped.count(1, ms);
        expect(gapped.events[0]).toEqual({ id: fresh[1], event: "reset", data: "" });
        await gapped.close();
        const ok = await connect(hub, "t", { lastEventId: old[1] });
        await ok.count(2, ms);
        expect(ok.data).toEqual(["new0", "new1"]);
        await ok.close();
      });
    });

    it("end(): subscribers get what remains, then their stream closes; a second end is a no-op", async () => {
      await withHub({}, async (hub) => {
        const client = await connect(hub, "job");
        await publishAll(hub, "job", ["t1", "t2"]);
        await hub.end("job");
        await hub.end("job");
        await client.end(ms);
        expect(client.data).toEqual(["t1", "t2"]);
        await expect(hub.publish("job", "late")).rejects.toThrow(/ended/);
        expect(hub.subscribers("job")).toBe(0);
      });
    });

    it("a stream closes only once all of its topics have ended", async () => {
      await withHub({}, async (hub) => {
        const client = await connect(hub, ["a", "b"]);
        await hub.end("a");
        await hub.publish("b", "b-after-a-ended");
        await client.count(1, ms);
        expect(client.isEnded).toBe(false);
        await hub.end("b");
        await client.end(ms);
        expect(client.data).toEqual(["b-after-a-ended"]);
      });
    });

    it("ended topics: a client that saw everything gets 204 (EventSource stops); one that got no event gets an id-only position first", async () => {
      await withHub({}, async (hub) => {
        const listener = await connect(hub, "job");
        await hub.end("job");
        await listener.end(ms);
        expect(listener.events).toEqual([]);
        // The id-only event set the client's last event id: its reconnect is a 204.
        expect(listener.lastEventId).not.toBe("");
        const again = await hub.response(request(listener.lastEventId), "job");
        expect(again.status).toBe(204);
        const fresh = await hub.response(request(), "job");
        expect(fresh.status).toBe(204);
      });
    });

    it('ended topics with start "earliest": the history, then close; the reconnect gets 204', async () => {
      await withHub({}, async (hub) => {
        await publishAll(hub, "answer", ["The", " answer"]);
        await hub.end("answer");
        const client = await connect(hub, "answer", { start: "earliest" });
        await client.end(ms);
        expect(client.data).toEqual(["The", " answer"]);
        const again = await hub.response(request(client.lastEventId), "answer", {
          start: "earliest",
        });
        expect(again.status).toBe(204);
      });
    });

    it('an ended topic that never had an event: 204 for "latest" and "earliest" alike, and for a client that saw other topics', async () => {
      await withHub({}, async (hub) => {
        const other = await hub.publish("other", "x");
        await hub.end("empty");
        expect((await hub.response(request(), "empty")).status).toBe(204);
        expect((await hub.response(request(), "empty", { start: "earliest" })).status).toBe(204);
        expect((await hub.response(request(other), "empty")).status).toBe(204);
        const open = await hub.response(request(), ["empty", "other"]);
        expect(open.status).toBe(200);
        await open.body?.cancel();
      });
    });

    it("ended topics: a client resuming mid-way gets the rest, then close, then 204", async () => {
      await withHub({}, async (hub) => {
        const ids = await publishAll(hub, "answer", ["a", "b", "c"]);
        await hub.end("answer");
        const client = await connect(hub, "answer", { lastEventId: ids[0] });
        await client.end(ms);
        expect(client.data).toEqual(["b", "c"]);
        const again = await hub.response(request(client.lastEventId), "answer");
        expect(again.status).toBe(204);
      });
    });

    it("response(): 406 with Vary: Accept when Accept refuses text/event-stream; HEAD gets headers and no stream", async () => {
      await withHub({}, async (hub) => {
        const refused = await hub.response(
          new Request("http://hub.test/", { headers: { accept: "application/json" } }),
          "t",
        );
        expect(refused.status).toBe(406);
        expect(refused.headers.get("vary")).toMatch(/accept/i);
        await refused.body?.cancel();
        const head = await hub.response(new Request("http://hub.test/", { method: "HEAD" }), "t", {
          headers: { "x-room": "t" },
        });
        expect(head.status).toBe(200);
        expect(head.body).toBeNull();
        expect(head.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
        expect(head.headers.get("x-room")).toBe("t");
        expect(hub.subscribers()).toBe(0);
      });
    });

    it("subscribers() counts this instance's subscribers per topic and in all", async () => {
      await withHub({}, async (hub) => {
        const a = await connect(hub, "a");
        const ab = await connect(hub, ["a", "b"]);
        await hub.publish("a", "x");
        await a.count(1, ms);
        await ab.count(1, ms);
        expect(hub.subscribers("a")).toBe(2);
        expect(hub.subscribers("b")).toBe(1);
        expect(hub.subscribers("c")).toBe(0);
        expect(hub.subscribers()).toBe(2);
        await a.close();
        await ab.close();
        expect(hub.subscribers()).toBe(0);
        expect(hub.subscribers("a")).toBe(0);
      });
    });

    it("close() ends every stream and later publishes reject", async () => {
      const fixture = await factory();
      const hub = createHub({ backend: fixture.backend });
      try {
        const clients = [await connect(hub, "a"), await connect(hub, ["a", "b"])];
        await hub.publish("a", "x");
        for (const client of clients) await client.count(1, ms);
        await hub.close();
        for (const client of clients) await client.end(ms);
        expect(hub.subscribers()).toBe(0);
        await expect(hub.publish("a", "late")).rejects.toThrow();
      } finally {
        await hub.close();
        await fixture.dispose?.();
      }
    });

    it("bad topics and messages: TypeError or SSEEncodeError, nothing published, the hub keeps serving", async () => {
      await withHub({}, async (hub) => {
        const client = await connect(hub, "t");
        await expect(hub.publish("", "x")).rejects.toBeInstanceOf(TypeError);
        await expect(hub.publish("x".repeat(257), "x")).rejects.toBeInstanceOf(TypeError);
        await expect(hub.publish(42 as never, "x")).rejects.toBeInstanceOf(TypeError);
        await expect(hub.publish("t", { id: 1, data: "x" })).rejects.toBeInstanceOf(TypeError);
        await expect(hub.publish("t", { event: "a\nb", data: "x" })).rejects.toBeInstanceOf(
          SSEEncodeError,
        );
        await expect(hub.publish("t", { data: 1n })).rejects.toBeInstanceOf(SSEEncodeError);
        await expect(hub.publish("t", new Date() as never)).rejects.toBeInstanceOf(SSEEncodeError);
        await expect(hub.end("")).rejects.toBeInstanceOf(TypeError);
        await expect(hub.response(request(), "")).rejects.toBeInstanceOf(TypeError);
        expect(() => hub.subscribe("")).toThrow(TypeError);
        expect(() => hub.subscribe([])).toThrow(TypeError);
        expect(() => hub.subscribe("y".repeat(257))).toThrow(TypeError);
        expect(() => hub.subscribers("")).toThrow(TypeError);
        // 256 UTF-16 units is fine: one astral character counts as two.
        const long = `${"x".repeat(254)}😀`;
        const longClient = await connect(hub, long);
        await hub.publish(long, "ok-long");
        await hub.publish("t", "ok");
        await client.count(1, ms);
        await longClient.count(1, ms);
        expect(client.data).toEqual(["ok"]);
        expect(longClient.data).toEqual(["ok-long"]);
        await client.close();
        await longClient.close();
      });
    });

    it("subscribe() is a plain async iterable too: iterating it by hand yields the events as messages", async () => {
      await withHub({}, async (hub) => {
        const controller = new AbortController();
        const iterable = hub.subscribe("t", { start: "earliest" })({
          signal: controller.signal,
          lastEventId: undefined,
        });
        const one = await hub.publish("t", { event: "note", data: "one" });
        const two = await hub.publish("t", { data: { n: 2 } });
        const iterator = iterable[Symbol.asyncIterator]();
        const first = await iterator.next();
        expect(first).toEqual({ done: false, value: { id: one, event: "note", data: "one" } });
        // Non-string data comes back as the text it was sent as.
        const second = await iterator.next();
        expect(second).toEqual({ done: false, value: { id: two, data: '{"n":2}' } });
        expect(hub.subscribers("t")).toBe(1);
        const three = await hub.publish("t", "three\nlines\nhere");
        expect(await iterator.next()).toEqual({
          done: false,
          value: { id: three, data: "three\nlines\nhere" },
        });
        await iterator.return?.();
        expect(hub.subscribers("t")).toBe(0);
      });
    });

    it("historyTtl: when every kept event has expired while subscribers wait, publishing, subscribing and resuming go on", async () => {
      await withHub({ historyTtl: ttl }, async (hub) => {
        const watcher = await connect(hub, "a");
        const both = await connect(hub, ["a", "b"]);
        const zero = await hub.publish("a", "zero");
        await hub.publish("a", "first");
        await watcher.count(2, ms);
        // Past the TTL: every record of the watched topic "a" has expired.
        await pass(ttl * 2 + 50);
        const b1 = await hub.publish("b", "b1");
        const a2 = await hub.publish("a", "a2");
        await watcher.count(3, ms);
        await both.count(4, ms);
        expect(watcher.data).toEqual(["zero", "first", "a2"]);
        expect(both.data).toEqual(["zero", "first", "b1", "a2"]);
        // The expired event cannot be replayed: a client from before it takes the gap path.
        const late = await connect(hub, "a", { lastEventId: zero });
        await late.count(1, ms);
        expect(late.events[0]).toEqual({ id: a2, event: "reset", data: "" });
        const fresh = await connect(hub, ["a", "b"], { lastEventId: b1 });
        await fresh.count(1, ms);
        expect(fresh.data).toEqual(["a2"]);
        for (const client of [watcher, both, late, fresh]) await client.close();
      });
    });

    it("storm: clients that leave mid-replay (cancel, return(), abort) and resume while publishing goes on get every event once, in order", async () => {
      await withHub({ history: 1000 }, async (hub) => {
        const topics = ["s1", "s2"];
        const total = options.stormEvents ?? 300;
        // A fixed seed: a failure reproduces.
        let seed = 12345;
        const random = (): number => {
          seed = (seed * 1103515245 + 12345) % 2147483648;
          return seed / 2147483648;
        };
        const published: string[] = [];
        let publishing = true;
        const publisher = (async () => {
          try {
            for (let i = 0; i < total; i++) {
              published.push(await hub.publish(topics[i % 2] as string, `s${i}`));
              if (i % 25 === 0) await tick(1);
            }
          } finally {
            publishing = false;
          }
        })();
        const deadline = Date.now() + ms * 6;
        const storming = async (): Promise<Seen[]> => {
          const got: Seen[] = [];
          let last: string | undefined;
          while (publishing || got.length < total) {
            if (Date.now() > deadline) {
              throw new Error(`storm: a client got ${got.length} of ${total} events in time`);
            }
            const want = got.length + 1 + Math.floor(random() * 40);
            if (random() < 0.5) {
              // Over HTTP: read some, then leave (the body is cancelled).
              const client = await connect(hub, topics, { lastEventId: last, start: "earliest" });
              await client
                .until((c) => got.length + c.events.length >= want, 150, "some events")
                .catch(() => {});
              await client.close();
              got.push(...client.events);
            } else {
              // By hand: next() some, then return() or abort the signal.
              const controller = new AbortController();
              const iterator = hub
                .subscribe(topics, { start: "earliest" })({
                  signal: controller.signal,
                  lastEventId: last,
                })
                [Symbol.asyncIterator]();
              while (got.length < want) {
                const result = await Promise.race([iterator.next(), tick(150).then(() => null)]);
                if (result === null || result.done) break;
                const { id, event, data } = result.value as {
                  id?: string;
                  event?: string;
                  data: string;
                };
                got.push({ id, event, data: String(data) });
              }
              if (random() < 0.5) await iterator.return?.();
              else controller.abort();
            }
            last = got[got.length - 1]?.id ?? last;
          }
          return got;
        };
        const clients = await Promise.all(Array.from({ length: 6 }, storming));
        await publisher;
        const data = Array.from({ length: total }, (_, i) => `s${i}`);
        for (const got of clients) {
          expect(got.map((event) => event.data)).toEqual(data);
          expect(got.map((event) => event.id)).toEqual(published);
        }
      });
    }, 120_000);

    if (options.bounded)
      it("a byte bound trims the oldest events of every topic, watched ones too: live subscribers get everything, a client behind the trim takes the gap path", async () => {
        const fixture = await factory();
        if (fixture.bounded === undefined) {
          await fixture.dispose?.();
          throw new Error(`${name}: options.bounded is set but the fixture has no bounded()`);
        }
        const hub = createHub({ backend: await fixture.bounded(64 * 1024) });
        try {
          const topics = ["w0", "w1", "w2", "w3"];
          const watchers = await Promise.all(topics.map((topic) => connect(hub, topic)));
          const body = "x".repeat(4096);
          const ids: string[] = [];
          for (let i = 0; i < 40; i++) {
            for (const topic of topics) ids.push(await hub.publish(topic, `${i}:${body}`));
          }
          for (const watcher of watchers) {
            await watcher.count(40, ms);
            expect(watcher.data.map((d) => d.slice(0, d.indexOf(":")))).toEqual(range(0, 40, ""));
          }
          // 640 KiB were published under a 64 KiB bound: the first events are gone.
          const behind = await connect(hub, "w0", { lastEventId: ids[0] });
          await behind.count(1, ms);
          expect(behind.events[0]).toMatchObject({ event: "reset", data: "" });
          // The newest events of a watched topic are still replayed.
          const recent = await connect(hub, "w3", { lastEventId: ids[ids.length - 5] });
          await recent.count(1, ms);
          expect(recent.data[0]?.startsWith("39:")).toBe(true);
          for (const client of [...watchers, behind, recent]) await client.close();
        } finally {
          await hub.close();
          await fixture.dispose?.();
        }
      });

    if (options.checkpoint)
      it("a store restored to an older copy while hubs run: no id handed out twice, subscribers keep receiving, clients that missed events take the gap path", async () => {
        const fixture = await factory();
        if (fixture.checkpoint === undefined) {
          await fixture.dispose?.();
          throw new Error(`${name}: options.checkpoint is set but the fixture has no checkpoint()`);
        }
        const a = createHub({ backend: fixture.backend });
        const b = fixture.share === undefined ? a : createHub({ backend: await fixture.share() });
        const follower = new Follower(b, "t");
        try {
          await follower.until(() => b.subscribers("t") > 0, ms, "a subscriber");
          const kept = await publishAll(a, "t", range(0, 3, "kept"));
          const restore = await fixture.checkpoint();
          const lost = await publishAll(a, "t", range(0, 3, "lost"));
          await follower.until(() => follower.events.length >= 6, ms, "six events");
          await restore();
          const after: string[] = [];
          const deadline = Date.now() + ms * 4;
          while (follower.data.filter((d) => d.startsWith("after")).length < 3) {
            if (Date.now() > deadline)
              throw new Error(`no events after the restore: ${follower.data}`);
            after.push(await a.publish("t", `after${after.length}`));
            await tick(50);
          }
          const all = [...kept, ...lost, ...after];
          expect(new Set(all).size).toBe(all.length);
          const seen = follower.events.map((event) => event.id);
          expect(new Set(seen).size).toBe(seen.length);
          // What the follower got after the restore is in publish order, once each.
          const got = follower.data.filter((d) => d.startsWith("after"));
          expect(got).toEqual(range(0, after.length, "after").filter((d) => got.includes(d)));
          // Clients that missed the lost events take the gap path.
          for (const from of [kept[2] as string, lost[0] as string]) {
            const resumed = await connect(b, "t", { lastEventId: from });
            await resumed.count(1, ms);
            expect(resumed.events[0]?.event).toBe("reset");
            await resumed.close();
          }
        } finally {
          await follower.stop();
          await a.close();
          await b.close();
          await fixture.dispose?.();
        }
      });

    if (options.share)
      it("two hubs on one shared store: a publish on one reaches the other's subscribers with the same id", async () => {
        const fixture = await factory();
        if (fixture.share === undefined) {
          await fixture.dispose?.();
          throw new Error(`${name}: options.share is set but the fixture has no share()`);
        }
        const a = createHub({ backend: fixture.backend });
        const b = createHub({ backend: await fixture.share() });
        try {
          const onB = await connect(b, ["t", "u"]);
          const onA = await connect(a, ["t", "u"]);
          const ids: string[] = [];
          for (let i = 0; i < 10; i++)
            ids.push(await (i % 2 ? a : b).publish(i % 3 ? "t" : "u", `m${i}`));
          await onB.count(10, ms);
          await onA.count(10, ms);
          expect(onB.events.map((event) => event.id)).toEqual(ids);
          expect(onA.events.map((event) => event.id)).toEqual(ids);
          // A client of A resumes on B.
          await onA.close();
          const moved = await connect(b, ["t", "u"], { lastEventId: ids[4] });
          await moved.count(5, ms);
          expect(moved.data).toEqual(range(5, 10, "m"));
          await moved.close();
          await onB.close();
        } finally {
          await a.close();
          await b.close();
          await fixture.dispose?.();
        }
      });

    if (options.restart)
      it("a store that restarts with its data: ids from before still resume", async () => {
        const fixture = await factory();
        if (fixture.restart === undefined) {
          await fixture.dispose?.();
          throw new Error(`${name}: options.restart is set but the fixture has no restart()`);
        }
        const first = createHub({ backend: fixture.backend });
        let second: Hub | undefined;
        try {
          const ids = await publishAll(first, "t", range(0, 5));
          await first.close();
          second = createHub({ backend: await fixture.restart() });
          const client = await connect(second, "t", { lastEventId: ids[1] });
          await client.count(3, ms);
          expect(client.data).toEqual(range(2, 5));
          const next = await second.publish("t", "after");
          expect(ids).not.toContain(next);
          await client.count(4, ms);
          await client.close();
        } finally {
          await first.close();
          await second?.close();
          await fixture.dispose?.();
        }
      });

    if (options.wipe)
      it("a store that lost everything: ids from its earlier life take the gap path, never pass for positions", async () => {
        const fixture = await factory();
        if (fixture.wipe === undefined) {
          await fixture.dispose?.();
          throw new Error(`${name}: options.wipe is set but the fixture has no wipe()`);
        }
        const first = createHub({ backend: fixture.backend });
        let second: Hub | undefined;
        try {
          const ids = await publishAll(first, "t", range(0, 5));
          await first.close();
          second = createHub({ backend: await fixture.wipe() });
          // The new life reaches the same seqs: an old id must still not be taken for a position.
          const fresh = await publishAll(second, "t", range(0, 5, "n"));
          expect(fresh.some((id) => ids.includes(id))).toBe(false);
          const client = await connect(second, "t", { lastEventId: ids[1] });
          await client.count(1, ms);
          expect(client.events[0]).toEqual({ id: fresh[4], event: "reset", data: "" });
          await client.close();
        } finally {
          await first.close();
          await second?.close();
          await fixture.dispose?.();
        }
      });
  });
}
