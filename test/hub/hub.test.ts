/**
 * Hub behaviour beyond the backend conformance suite: fan-out at scale, slow
 * subscribers, core stream options on subscriber streams, the eventsource
 * package over real HTTP across maxDuration cuts, memoryBackend eviction, and
 * no unhandled rejection anywhere.
 */
import { EventSource } from "eventsource";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sse } from "../../src/hono.ts";
import {
  createHub,
  type Hub,
  type HubBackend,
  memoryBackend,
  type SubscribeOptions,
} from "../../src/hub.ts";
import { type SSECloseReason, type SSEContext, sseResponse, sseStream } from "../../src/index.ts";
import { startServer } from "../clients/node-server.ts";
import { Client, connect, request } from "./client.ts";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(async () => {
  // Let late rejections surface before the check.
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
});

function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await tick(10);
  }
}

describe("fan-out", () => {
  it("2 000 subscribers in one process each get every event, in order", async () => {
    const hub = createHub();
    try {
      const clients: Client[] = [];
      for (let i = 0; i < 2000; i++) clients.push(await connect(hub, "big"));
      const ids: string[] = [];
      for (let n = 0; n < 20; n++) {
        ids.push(await hub.publish("big", { event: "n", data: { n } }));
        if (n % 5 === 4) await tick();
      }
      const expected = Array.from({ length: 20 }, (_, n) => JSON.stringify({ n }));
      for (const client of clients) {
        await client.count(20, 20_000);
        expect(client.data).toEqual(expected);
        expect(client.events.map((event) => event.id)).toEqual(ids);
      }
      expect(hub.subscribers("big")).toBe(2000);
      await Promise.all(clients.map((client) => client.close()));
      expect(hub.subscribers()).toBe(0);
    } finally {
      await hub.close();
    }
  });

  it("every subscriber of a publish is handed the very same bytes", async () => {
    const hub = createHub();
    try {
      // Three streams, each with a read waiting: a chunk enqueued for a waiting
      // read is handed over as the very object that was written.
      const readers = [0, 1, 2].map(() => sseStream(hub.subscribe("same")).getReader());
      for (const reader of readers) await reader.read(); // the opening comment
      const reads = readers.map((reader) => reader.read());
      await tick();
      await hub.publish("same", "shared");
      const chunks = await Promise.all(reads);
      expect(new TextDecoder().decode(chunks[0]?.value)).toMatch(/^id: \S+\ndata: shared\n\n$/);
      expect(chunks[0]?.value).toBe(chunks[1]?.value);
      expect(chunks[1]?.value).toBe(chunks[2]?.value);
      for (const reader of readers) await reader.cancel();
    } finally {
      await hub.close();
    }
  });

  it("a publish never waits on a subscriber that does not read", async () => {
    const hub = createHub({ maxQueued: 64 * 1024 * 1024 });
    try {
      const stalled = await hub.response(request(), "t");
      // It reads the head, then never again.
      const stalledReader = (stalled.body as ReadableStream<Uint8Array>).getReader();
      await stalledReader.read();
      const reading = await connect(hub, "t");
      // Every publish resolves although 500 KB wait unread for the stalled one.
      for (let i = 0; i < 500; i++) await hub.publish("t", "x".repeat(1000));
      await reading.count(500, 10_000);
      expect(hub.subscribers("t")).toBe(2);
      await reading.close();
      await stalledReader.cancel();
      expect(hub.subscribers("t")).toBe(0);
    } finally {
      await hub.close();
    }
  });
});

describe("churn", () => {
  it("1 000 subscribe/leave cycles while publishing: every client's sequence is contiguous, and no subscriber is left", async () => {
    const hub = createHub();
    try {
      let publishing = true;
      const ids: string[] = [];
      const publisher = (async () => {
        for (let n = 0; publishing; n++) {
          ids.push(await hub.publish("churn", String(n)));
          if (n % 3 === 0) await tick();
        }
      })();
      let delivered = 0;
      for (let round = 0; round < 100; round++) {
        const clients = await Promise.all(
          Array.from({ length: 10 }, (_, k) =>
            connect(
              hub,
              "churn",
              k % 2 === 0 ? {} : { lastEventId: ids[Math.max(0, ids.length - 5)] },
            ),
          ),
        );
        await tick();
        for (const client of clients) {
          const numbers = client.data.map(Number);
          delivered += numbers.length;
          for (let i = 1; i < numbers.length; i++) {
            expect(numbers[i], `round ${round}`).toBe((numbers[i - 1] as number) + 1);
          }
        }
        await Promise.all(clients.map((client) => client.close()));
      }
      publishing = false;
      await publisher;
      // The clients did get events (the resuming half at least its replay).
      expect(delivered).toBeGreaterThan(1000);
      expect(hub.subscribers()).toBe(0);
      expect(hub.subscribers("churn")).toBe(0);
    } finally {
      await hub.close();
    }
  });
});

describe("slow subscribers", () => {
  it("a subscriber that stops reading is closed past maxQueued while a reading one gets everything", async () => {
    const hub = createHub({ maxQueued: 16 * 1024 });
    try {
      const closed: SSECloseReason[] = [];
      const slowResponse = await hub.response(request(), "feed", {
        onClose: (reason) => closed.push(reason),
      });
      const slowReader = (slowResponse.body as ReadableStream<Uint8Array>).getReader();
      const fast = await connect(hub, "feed");
      const first = await hub.publish("feed", "first");
      // The slow client reads the first event, then never again.
      let seen = "";
      while (!seen.includes(first)) {
        const { value, done } = await slowReader.read();
        if (done) throw new Error(`the slow stream ended early: ${seen}`);
        seen += new TextDecoder().decode(value);
      }
      expect(hub.subscribers("feed")).toBe(2);
      const payload = "y".repeat(512);
      for (let i = 0; i < 200; i++) await hub.publish("feed", payload);
      await fast.count(201, 10_000);
      expect(fast.data.slice(1).every((data) => data === payload)).toBe(true);
      await until(() => hub.subscribers("feed") === 1, 5000, "the slow subscriber is dropped");
      await until(() => closed.length === 1, 5000, "onClose of the slow subscriber");
      expect(closed).toEqual(["slow"]);
      // Its client reconnects with its last id and replays what it missed.
      const back = await connect(hub, "feed", { lastEventId: first });
      await back.count(200, 10_000);
      await back.close();
      await fast.close();
      await slowReader.cancel().catch(() => {});
    } finally {
      await hub.close();
    }
  });

  it("replaying a history larger than maxQueued is not slow", async () => {
    const hub = createHub({ maxQueued: 4096, history: 1000 });
    try {
      for (let i = 0; i < 300; i++) await hub.publish("long", `${i}:${"z".repeat(200)}`);
      const client = await connect(hub, "long", { start: "earliest" });
      await client.count(300, 10_000);
      expect(client.data.map((data) => Number(data.split(":")[0]))).toEqual(
        Array.from({ length: 300 }, (_, i) => i),
      );
      expect(client.isEnded).toBe(false);
      await client.close();
    } finally {
      await hub.close();
    }
  });
});

describe("replay and maxQueued", () => {
  /** A client that took the first replay window (64 KiB) of a longer replay, and no more yet. */
  async function halfwayThroughReplay(maxQueued: number) {
    const hub = createHub({ maxQueued });
    for (let i = 0; i < 400; i++) await hub.publish("t", `${i}:${"r".repeat(200)}`);
    const reasons: SSECloseReason[] = [];
    const response = await hub.response(request(), "t", {
      start: "earliest",
      onClose: (reason) => reasons.push(reason),
    });
    const body = response.body as ReadableStream<Uint8Array>;
    const reader = body.getReader();
    // The opening comment may come first; then the first window, in one chunk.
    let taken = 0;
    while (taken < 32 * 1024) {
      const { value, done } = await reader.read();
      if (done) throw new Error("ended early");
      taken += value.length;
    }
    expect(taken).toBeLessThan(400 * 200);
    return { hub, reasons, reader };
  }

  it("live events that come while a replay waits unread are delivered after it, and the replay does not count as queued", async () => {
    const { hub, reasons, reader } = await halfwayThroughReplay(4096);
    try {
      for (let i = 0; i < 5; i++) await hub.publish("t", `live${i}`);
      await tick(50);
      expect(reasons).toEqual([]);
      expect(hub.subscribers("t")).toBe(1);
      let text = "";
      const decoder = new TextDecoder();
      while (!text.includes("live4")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("ended early");
        text += decoder.decode(value, { stream: true });
      }
      expect(reasons).toEqual([]);
      await reader.cancel();
    } finally {
      await hub.close();
    }
  });

  it("live events past maxQueued while a replay waits unread close the subscriber as slow", async () => {
    const { hub, reasons, reader } = await halfwayThroughReplay(4096);
    try {
      for (let i = 0; i < 40; i++) await hub.publish("t", "l".repeat(200));
      await until(() => reasons.length === 1, 5000, "onClose");
      expect(reasons).toEqual(["slow"]);
      expect(hub.subscribers()).toBe(0);
      await reader.cancel().catch(() => {});
    } finally {
      await hub.close();
    }
  });
});

describe("subscriber streams are core streams", () => {
  it("keepAlive, headers, retry and onClose work on a hub response", async () => {
    const hub = createHub();
    try {
      const closed: SSECloseReason[] = [];
      const response = await hub.response(request(), "t", {
        keepAlive: 30,
        retry: 1500,
        headers: { "x-room": "t", connection: "keep-alive", "content-length": "0" },
        onClose: (reason) => closed.push(reason),
      });
      expect(response.headers.get("x-room")).toBe("t");
      // Connection-level headers are dropped, not refused.
      expect(response.headers.has("connection")).toBe(false);
      expect(response.headers.has("content-length")).toBe(false);
      expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = "";
      const decoder = new TextDecoder();
      const deadline = Date.now() + 5000;
      while (!/^:\s*$/m.test(text) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
      expect(text.startsWith("retry: 1500\n\n")).toBe(true);
      expect(text).toMatch(/^:\s*$/m);
      await reader.cancel();
      await until(() => closed.length === 1, 2000, "onClose");
      expect(closed).toEqual(["cancel"]);
      expect(hub.subscribers()).toBe(0);
    } finally {
      await hub.close();
    }
  });

  it("maxDuration ends the stream (reason max-duration) and the client resumes with nothing lost", async () => {
    const hub = createHub();
    try {
      const closed: SSECloseReason[] = [];
      const client = await connect(hub, "t", {
        maxDuration: 200,
        onClose: (reason) => closed.push(reason),
      });
      await hub.publish("t", "before");
      await client.end(5000);
      expect(closed).toEqual(["max-duration"]);
      expect(hub.subscribers()).toBe(0);
      await hub.publish("t", "while away");
      const back = await connect(hub, "t", { lastEventId: client.lastEventId });
      await back.count(1);
      expect(back.data).toEqual(["while away"]);
      await back.close();
    } finally {
      await hub.close();
    }
  });

  it("the request's signal and options.signal end the stream and unsubscribe", async () => {
    const hub = createHub();
    try {
      const requestAbort = new AbortController();
      const optionAbort = new AbortController();
      const reasons: SSECloseReason[] = [];
      const a = new Client(
        await hub.response(request(undefined, { signal: requestAbort.signal }), "t", {
          onClose: (reason) => reasons.push(reason),
        }),
      );
      const b = await connect(hub, "t", {
        signal: optionAbort.signal,
        onClose: (reason) => reasons.push(reason),
      });
      await hub.publish("t", "x");
      await a.count(1);
      await b.count(1);
      expect(hub.subscribers("t")).toBe(2);
      requestAbort.abort();
      optionAbort.abort();
      await a.end();
      await b.end();
      expect(reasons).toEqual(["abort", "abort"]);
      expect(hub.subscribers()).toBe(0);
    } finally {
      await hub.close();
    }
  });

  it("sseStream takes a subscription as its source, and ctx.signal aborts when it ends", async () => {
    const hub = createHub();
    try {
      let seen: AbortSignal | undefined;
      const subscribe = hub.subscribe("t", { start: "earliest" });
      await hub.publish("t", "kept");
      const stream = sseStream((ctx) => {
        seen = ctx.signal;
        return subscribe(ctx);
      });
      const client = new Client(new Response(stream));
      await client.count(1);
      expect(client.data).toEqual(["kept"]);
      expect(seen?.aborted).toBe(false);
      await client.close();
      expect(seen?.aborted).toBe(true);
      expect(hub.subscribers()).toBe(0);
    } finally {
      await hub.close();
    }
  });

  it("an onGap that throws goes down the stream's onError path; the hub keeps serving", async () => {
    const hub = createHub({ history: 1 });
    try {
      const ids = [await hub.publish("t", "a"), await hub.publish("t", "b")];
      await hub.publish("t", "c");
      const errors: unknown[] = [];
      const client = await connect(hub, "t", {
        lastEventId: ids[0],
        onGap: () => {
          throw new Error("snapshot failed");
        },
        onError: (error) => {
          errors.push(error);
          return { event: "error", data: "try again" };
        },
      });
      await client.end();
      expect(client.data).toEqual(["try again"]);
      expect(String(errors[0])).toContain("snapshot failed");
      expect(hub.subscribers()).toBe(0);
      const ok = await connect(hub, "t", { lastEventId: ids[1] });
      await ok.count(1);
      expect(ok.data).toEqual(["c"]);
      await ok.close();
    } finally {
      await hub.close();
    }
  });

  it("response() rejects bad stream options and bad subscribe options", async () => {
    const hub = createHub();
    try {
      await expect(hub.response(request(), "t", { keepAlive: -1 })).rejects.toBeInstanceOf(
        RangeError,
      );
      await expect(
        hub.response(request(), "t", { start: "middle" as never }),
      ).rejects.toBeInstanceOf(TypeError);
      await expect(
        hub.response(request(), "t", { headers: { "bad name": "x" } }),
      ).rejects.toBeInstanceOf(TypeError);
      // The request is the first argument: passing one in the options too is a mistake, not an override.
      await expect(hub.response(request(), "t", { request: request() } as never)).rejects.toThrow(
        /^hub\.response: "request" is not an option/,
      );
      await expect(hub.response("nope" as never, "t")).rejects.toBeInstanceOf(TypeError);
      expect(() => hub.subscribe("t", { onGap: 1 as never })).toThrow(TypeError);
      expect(() => createHub({ history: -1 })).toThrow(RangeError);
      expect(() => createHub({ maxQueued: 0 })).toThrow(RangeError);
      expect(() => createHub({ backend: {} as never })).toThrow(TypeError);
    } finally {
      await hub.close();
    }
  });
});

/** A subscription behind a plain async generator: the pulled path, as a user's own loop would read it. */
function pulled(hub: Hub, topics: string | string[], options?: SubscribeOptions) {
  const subscribe = hub.subscribe(topics, options);
  return async function* (ctx: SSEContext) {
    yield* subscribe(ctx);
  };
}

describe("the pulled path (a subscription iterated by a generator)", () => {
  it("replays, then goes live, with a publisher racing the replay, nothing lost or twice", async () => {
    const hub = createHub();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push(await hub.publish("t", `e${i}`));
      const clients: Array<{ from: number; client: Client }> = [];
      const publishing = (async () => {
        for (let i = 40; i < 100; i++) {
          ids.push(await hub.publish("t", `e${i}`));
          if (i % 7 === 0) await tick();
        }
      })();
      for (let k = 0; k < 10; k++) {
        const from = k * 4;
        const req = request(ids[from]);
        clients.push({ from, client: new Client(sseResponse(pulled(hub, "t"), { request: req })) });
        await tick();
      }
      await publishing;
      for (const { from, client } of clients) {
        await client.count(99 - from, 10_000);
        await tick();
        expect(client.data).toEqual(
          Array.from({ length: 99 - from }, (_, i) => `e${from + 1 + i}`),
        );
        await client.close();
      }
      expect(hub.subscribers()).toBe(0);
    } finally {
      await hub.close();
    }
  });

  it("a pulled subscriber past maxQueued ends; one that keeps pulling gets everything", async () => {
    const hub = createHub({ maxQueued: 8 * 1024 });
    try {
      const iterable = hub.subscribe("t")({
        signal: new AbortController().signal,
        lastEventId: undefined,
      });
      const stalled = iterable[Symbol.asyncIterator]();
      const first = stalled.next();
      await tick();
      const reader = new Client(sseResponse(pulled(hub, "t"), { request: request() }));
      await tick();
      for (let i = 0; i < 100; i++) await hub.publish("t", "q".repeat(300));
      await reader.count(100, 10_000);
      expect((await first).done).toBe(false);
      // Past maxQueued the stalled one was dropped: its next read is the end.
      expect(hub.subscribers("t")).toBe(1);
      expect((await stalled.next()).done).toBe(true);
      await reader.close();
    } finally {
      await hub.close();
    }
  });

  it("a pulled subscriber ends after its topics end, and on hub.close()", async () => {
    const hub = createHub();
    try {
      const ended = new Client(sseResponse(pulled(hub, "job"), { request: request() }));
      const open = new Client(sseResponse(pulled(hub, "other"), { request: request() }));
      await tick(20);
      await hub.publish("job", "last words");
      await hub.end("job");
      await ended.end();
      expect(ended.data).toEqual(["last words"]);
      await hub.close();
      await open.end();
    } finally {
      await hub.close();
    }
  });
});

describe("backend failures", () => {
  it("a lost live feed ends every subscriber's stream as aborted, so clients reconnect and replay", async () => {
    const inner = memoryBackend();
    let lost: ((reason: unknown) => void) | undefined;
    const backend: HubBackend = {
      open: (options) => {
        lost = options.onLost;
        return inner.open(options);
      },
      append: (topic, body, end) => inner.append(topic, body, end),
      read: (topics, after) => inner.read(topics, after),
      close: () => inner.close(),
    };
    const hub = createHub({ backend });
    try {
      const reasons: SSECloseReason[] = [];
      const clients = [
        await connect(hub, "a", { onClose: (reason) => reasons.push(reason) }),
        await connect(hub, ["a", "b"], { onClose: (reason) => reasons.push(reason) }),
      ];
      const id = await hub.publish("a", "before");
      for (const client of clients) await client.count(1);
      lost?.(new Error("feed lost"));
      for (const client of clients) await client.end();
      expect(reasons).toEqual(["abort", "abort"]);
      expect(hub.subscribers()).toBe(0);
      await hub.publish("a", "after");
      const back = await connect(hub, "a", { lastEventId: id });
      await back.count(1);
      expect(back.data).toEqual(["after"]);
      await back.close();
    } finally {
      await hub.close();
    }
  });

  it("a backend that fails to open: publish and response reject with its error, and the next call tries again", async () => {
    const inner = memoryBackend();
    let failures = 1;
    const backend: HubBackend = {
      open: (options) =>
        failures-- > 0 ? Promise.reject(new Error("store unreachable")) : inner.open(options),
      append: (topic, body, end) => inner.append(topic, body, end),
      read: (topics, after) => inner.read(topics, after),
      close: () => inner.close(),
    };
    const hub = createHub({ backend });
    try {
      await expect(hub.publish("t", "x")).rejects.toThrow("store unreachable");
      const id = await hub.publish("t", "y");
      expect(typeof id).toBe("string");
    } finally {
      await hub.close();
    }
  });
});

describe("reads per connection", () => {
  function counting(): { backend: HubBackend; reads: () => number } {
    const inner = memoryBackend();
    let reads = 0;
    return {
      backend: {
        open: (options) => inner.open(options),
        append: (topic, body, end) => inner.append(topic, body, end),
        read: (topics, after) => {
          reads++;
          return inner.read(topics, after);
        },
        close: () => inner.close(),
      },
      reads: () => reads,
    };
  }

  it("response() reads the backend once per connection when nothing was published meanwhile", async () => {
    const { backend, reads } = counting();
    const hub = createHub({ backend });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await hub.publish("t", `e${i}`));
      const before = reads();
      const client = await connect(hub, "t", { lastEventId: ids[1] });
      await client.count(3);
      expect(client.data).toEqual(["e2", "e3", "e4"]);
      expect(reads() - before).toBe(1);
      await client.close();
    } finally {
      await hub.close();
    }
  });

  it("an event published between response() and the stream's first read is delivered once, in order", async () => {
    const { backend, reads } = counting();
    const hub = createHub({ backend });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await hub.publish("t", `e${i}`));
      const before = reads();
      const response = await hub.response(request(ids[2]), "t");
      await hub.publish("t", "between");
      const client = new Client(response);
      await client.count(3);
      await hub.publish("t", "after");
      await client.count(4);
      expect(client.data).toEqual(["e3", "e4", "between", "after"]);
      // The read response() made was stale: the stream read again.
      expect(reads() - before).toBe(2);
      await client.close();
    } finally {
      await hub.close();
    }
  });
});

describe("in Hono", () => {
  it("sse((c, ctx) => hub.subscribe(room)(ctx)) streams a room with replay", async () => {
    const hub = createHub();
    const app = new Hono();
    app.get(
      "/rooms/:room",
      sse((c, ctx) => hub.subscribe(c.req.param("room") ?? "")(ctx)),
    );
    try {
      const first = await hub.publish("r1", "one");
      await hub.publish("r1", "two");
      const response = await app.request("/rooms/r1", {
        headers: { accept: "text/event-stream", "last-event-id": first },
      });
      const client = new Client(response);
      await client.count(1);
      await hub.publish("r1", "three");
      await client.count(2);
      expect(client.data).toEqual(["two", "three"]);
      await client.close();
      expect(hub.subscribers()).toBe(0);
    } finally {
      await hub.close();
    }
  });
});

describe("memoryBackend bounds", () => {
  it("past maxTopics, idle topics are evicted least recently published first; their old ids take the gap path", async () => {
    const hub = createHub({ backend: memoryBackend({ maxTopics: 3 }) });
    try {
      const watched = await connect(hub, "watched");
      const firstId = await hub.publish("watched", "w0");
      const idle = await hub.publish("idle-0", "i0");
      for (let i = 1; i < 6; i++) await hub.publish(`idle-${i}`, `i${i}`);
      await watched.count(1);
      // "watched" has a subscriber: kept although it is the oldest.
      const resumed = await connect(hub, "watched", { lastEventId: firstId });
      await hub.publish("watched", "w1");
      await resumed.count(1);
      expect(resumed.data).toEqual(["w1"]);
      // "idle-0" was evicted: its id is a gap, not a silent nothing.
      const gapped = await connect(hub, "idle-0", { lastEventId: idle });
      await gapped.count(1);
      expect(gapped.events[0]?.event).toBe("reset");
      for (const client of [watched, resumed, gapped]) await client.close();
    } finally {
      await hub.close();
    }
  });

  it("more watched topics than maxTopics: all of them are kept, idle ones still go", async () => {
    const hub = createHub({ backend: memoryBackend({ maxTopics: 3 }) });
    try {
      const watchers = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => connect(hub, `w${i}`)));
      const firsts: string[] = [];
      for (let i = 0; i < 6; i++) firsts.push(await hub.publish(`w${i}`, `w${i}-0`));
      const idle = await hub.publish("idle", "i0");
      await hub.publish("idle", "i1");
      for (let i = 0; i < 6; i++) await hub.publish(`w${i}`, `w${i}-1`);
      for (let i = 0; i < 6; i++) {
        const resumed = await connect(hub, `w${i}`, { lastEventId: firsts[i] });
        await resumed.count(1);
        expect(resumed.data).toEqual([`w${i}-1`]);
        await resumed.close();
      }
      const gapped = await connect(hub, "idle", { lastEventId: idle });
      await gapped.count(1);
      expect(gapped.events[0]?.event).toBe("reset");
      await gapped.close();
      for (const watcher of watchers) await watcher.close();
    } finally {
      await hub.close();
    }
  });

  it("past maxBytes, idle topics are evicted too", async () => {
    const hub = createHub({ backend: memoryBackend({ maxBytes: 64 * 1024 }) });
    try {
      const first = await hub.publish("big-0", "x".repeat(20_000));
      for (let i = 1; i < 10; i++) await hub.publish(`big-${i}`, "x".repeat(20_000));
      const gapped = await connect(hub, "big-0", { lastEventId: first });
      await gapped.count(1);
      expect(gapped.events[0]?.event).toBe("reset");
      await gapped.close();
      expect(() => memoryBackend({ maxTopics: 0 })).toThrow(RangeError);
    } finally {
      await hub.close();
    }
  });
});

describe("the eventsource package over real HTTP", () => {
  it("loses nothing and gets nothing twice across repeated maxDuration cuts", async () => {
    const hub = createHub();
    const server = await startServer((req) =>
      hub.response(req, "ticks", { maxDuration: 250, retry: 20, start: "earliest" }),
    );
    const source = new EventSource(`${server.url}/events`);
    const seen: string[] = [];
    let opens = 0;
    source.addEventListener("open", () => opens++);
    source.addEventListener("tick", (event) => seen.push(event.data));
    try {
      const total = 120;
      for (let n = 0; n < total; n++) {
        await hub.publish("ticks", { event: "tick", data: String(n) });
        await tick(15);
      }
      await until(() => seen.length >= total, 15_000, `${total} ticks`);
      await tick(100);
      expect(seen).toEqual(Array.from({ length: total }, (_, n) => String(n)));
      expect(opens).toBeGreaterThanOrEqual(3);
    } finally {
      source.close();
      await hub.close();
      await server.close();
    }
  });

  it("an EventSource following an ended topic ends on a 204 and stops reconnecting", async () => {
    const hub = createHub();
    let requests = 0;
    const server = await startServer((req) => {
      requests++;
      return hub.response(req, "job", { retry: 20, start: "earliest" });
    });
    const source = new EventSource(`${server.url}/events`);
    const seen: string[] = [];
    source.addEventListener("message", (event) => seen.push(event.data));
    try {
      await until(() => requests >= 1, 5000, "the first request");
      await hub.publish("job", "one");
      await hub.publish("job", "two");
      await hub.end("job");
      await until(() => source.readyState === EventSource.CLOSED, 5000, "EventSource closed");
      expect(seen).toEqual(["one", "two"]);
      const count = requests;
      await tick(200);
      expect(requests).toBe(count);
    } finally {
      source.close();
      await hub.close();
      await server.close();
    }
  });

  it("close() ends every open stream so clients reconnect elsewhere", async () => {
    const hub = createHub();
    const reasons: SSECloseReason[] = [];
    const server = await startServer((req) =>
      hub.response(req, "t", { onClose: (reason) => reasons.push(reason) }),
    );
    try {
      const responses = await Promise.all(
        [0, 1, 2].map(() =>
          fetch(`${server.url}/events`, { headers: { accept: "text/event-stream" } }),
        ),
      );
      const clients = responses.map((response) => new Client(response));
      await until(() => hub.subscribers("t") === 3, 5000, "three subscribers");
      await hub.close();
      for (const client of clients) await client.end(5000);
      await until(() => reasons.length === 3, 5000, "three onClose calls");
      expect(reasons).toEqual(["abort", "abort", "abort"]);
      expect(hub.subscribers()).toBe(0);
      // A request during shutdown: a stream that ends at once, so EventSource reconnects elsewhere.
      const late = await fetch(`${server.url}/events`, {
        headers: { accept: "text/event-stream" },
      });
      expect(late.status).toBe(200);
      await new Client(late).end(5000);
      await until(() => reasons.length === 4, 5000, "onClose of the late request");
      expect(reasons[3]).toBe("abort");
      expect(hub.subscribers()).toBe(0);
      // close() again, at once or later, resolves the same way.
      await Promise.all([hub.close(), hub.close()]);
    } finally {
      await server.close();
    }
  });
});
