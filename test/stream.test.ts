import { EventEmitter, on } from "node:events";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import {
  EncodedEvent,
  encodeEvent,
  type SSEChunk,
  type SSECloseReason,
  type SSEContext,
  SSEEncodeError,
  type SSEOptions,
  type SSESource,
  sseStream,
} from "../src/index.ts";
import { CLOCK } from "../src/options.ts";
import type { Clock } from "../src/policy.ts";
import {
  CountingClock,
  FakeClock,
  isPending,
  parse,
  RejectionWatch,
  readText,
  StreamReader,
  sleep,
  turn,
  waitFor,
  within,
} from "./helpers/core-sse.ts";

const rejections = new RejectionWatch();
beforeAll(() => rejections.install());
afterAll(() => rejections.uninstall());
afterEach(async () => {
  // Give a stray rejection the turn it needs to be reported.
  await sleep(10);
  expect(rejections.reasons).toEqual([]);
});

function withClock(options: SSEOptions, clock: Clock): SSEOptions {
  return { ...options, [CLOCK]: clock } as SSEOptions;
}

const SENT: SSEChunk[] = [
  "plain",
  { event: "typed", id: 1, data: { n: 1 } },
  { data: "two\nlines", id: "x" },
];
const EXPECTED = [
  { data: "plain", event: undefined, id: undefined },
  { data: '{"n":1}', event: "typed", id: "1" },
  { data: "two\nlines", event: undefined, id: "x" },
];

function eventsOf(text: string) {
  const parsed = parse(text);
  expect(parsed.errors).toEqual([]);
  return parsed.events.map((e) => ({ data: e.data, event: e.event, id: e.id }));
}

const kinds: [string, () => SSESource][] = [
  [
    "an async generator",
    () =>
      (async function* () {
        for (const m of SENT) {
          await sleep(1);
          yield m;
        }
      })(),
  ],
  ["an array", () => [...SENT]],
  [
    "a sync generator",
    () =>
      (function* () {
        yield* SENT;
      })(),
  ],
  ["a Set (any sync iterable)", () => new Set(SENT)],
  [
    "a ReadableStream",
    () =>
      new ReadableStream<SSEChunk>({
        start(controller) {
          for (const m of SENT) controller.enqueue(m);
          controller.close();
        },
      }),
  ],
  [
    "a custom async iterable",
    () => ({
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: async () =>
            i < SENT.length
              ? { done: false as const, value: SENT[i++] as SSEChunk }
              : { done: true as const, value: undefined },
        };
      },
    }),
  ],
];

describe("sseStream reads every kind of source", () => {
  test.each(kinds)("%s", async (_, make) => {
    const text = await readText(sseStream(make(), { keepAlive: false }));
    expect(eventsOf(text)).toEqual(EXPECTED);
  });

  test.each(kinds)("a function of ctx returning %s", async (_, make) => {
    let seen: SSEContext | undefined;
    const text = await readText(
      sseStream(
        (ctx) => {
          seen = ctx;
          return make() as never;
        },
        { keepAlive: false },
      ),
    );
    expect(eventsOf(text)).toEqual(EXPECTED);
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect(seen?.lastEventId).toBeUndefined();
  });

  test.each(kinds)("a function of ctx returning a Promise of %s", async (_, make) => {
    const text = await readText(
      sseStream(
        async () => {
          await sleep(5);
          return make() as never;
        },
        { keepAlive: false },
      ),
    );
    expect(eventsOf(text)).toEqual(EXPECTED);
  });

  test("EncodedEvent bytes pass through as they are, in order with other messages", async () => {
    const shared = new EncodedEvent([{ event: "a", data: "1" }, "2"]);
    const text = await readText(sseStream(["before", shared, "after"], { keepAlive: false }));
    expect(text).toBe(
      encodeEvent("before") +
        encodeEvent({ event: "a", data: "1" }) +
        encodeEvent("2") +
        encodeEvent("after"),
    );
  });

  test("the serialize option turns non-string data into text", async () => {
    const text = await readText(
      sseStream([{ data: { a: 1 } }, { data: "as is" }], {
        keepAlive: false,
        serialize: (d) => `S:${JSON.stringify(d)}`,
      }),
    );
    expect(text).toBe('data: S:{"a":1}\n\ndata: as is\n\n');
  });

  test("ctx.lastEventId is the request's Last-Event-ID decoded as UTF-8", async () => {
    const latin1 = String.fromCharCode(...new TextEncoder().encode("évé-7"));
    const request = new Request("http://localhost/", { headers: { "last-event-id": latin1 } });
    let seen: string | undefined;
    await readText(
      sseStream(
        (ctx) => {
          seen = ctx.lastEventId;
          return [];
        },
        { request, keepAlive: false },
      ),
    );
    expect(seen).toBe("évé-7");
  });
});

describe("sseStream pulls the source only as fast as the client reads", () => {
  const KIB = "x".repeat(1024);

  function counting(probe: { yields: number }, pause: boolean): SSESource {
    return async function* ({ signal }) {
      while (!signal.aborted) {
        probe.yields++;
        yield { data: KIB };
        if (pause) await sleep(0);
      }
    };
  }

  test.each([
    ["yields without waiting", false],
    ["waits between yields", true],
  ])("a source that %s is barely pulled when the body is never read", async (_, pause) => {
    const probe = { yields: 0 };
    const controller = new AbortController();
    const body = sseStream(counting(probe, pause as boolean), {
      keepAlive: false,
      signal: controller.signal,
    });
    const response = new Response(body);
    await sleep(300);
    // Unbounded, this source yields hundreds of thousands of times in 300 ms.
    expect(probe.yields).toBeLessThanOrEqual(40);
    controller.abort();
    expect(response.bodyUsed).toBe(false);
  });

  test("a slow reader pulls a bounded number of events per read", async () => {
    const probe = { yields: 0 };
    const reader = new StreamReader(sseStream(counting(probe, false), { keepAlive: false }));
    for (let reads = 1; reads <= 10; reads++) {
      const chunk = await reader.read();
      expect(chunk).toBeDefined();
      // One read takes at most about one batch (32 KiB of text) and the event in hand.
      expect((chunk as string).length).toBeLessThanOrEqual(40 * 1024);
      await sleep(30);
      expect(probe.yields).toBeLessThanOrEqual((reads + 1) * 40);
    }
    await reader.reader.cancel();
  });
});

describe("sseStream sends events at once and coalesces only what is ready together", () => {
  test("an event yielded while the client waits arrives well before any timer could batch it", async () => {
    const yieldedAt: number[] = [];
    const reader = new StreamReader(
      sseStream(
        async function* () {
          yield "first";
          for (let i = 0; i < 5; i++) {
            await sleep(50);
            yieldedAt.push(performance.now());
            yield `e${i}`;
          }
        },
        { keepAlive: false },
      ),
    );
    await reader.read();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      expect(await reader.read()).toBe(`data: e${i}\n\n`);
      delays.push((reader.chunks.at(-1)?.at ?? 0) - (yieldedAt[i] ?? 0));
    }
    delays.sort((a, b) => a - b);
    // Generous for a loaded machine: a 50 ms batching timer would fail it.
    expect(delays[2]).toBeLessThan(40);
  });

  test("an event yielded while the client waits arrives before a zero-delay timer fires", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reader = new StreamReader(
      sseStream(
        async function* () {
          yield "first";
          await gate;
          yield "second";
          await sleep(10_000);
        },
        { keepAlive: false },
      ),
    );
    await reader.read();
    const read = reader.reader.read();
    await turn();
    let timerFired = false;
    setTimeout(() => {
      timerFired = true;
    }, 0);
    release();
    const { value } = await read;
    expect(timerFired).toBe(false);
    expect(new TextDecoder().decode(value)).toBe("data: second\n\n");
    await reader.reader.cancel();
  });

  test("100 events from an array come in one chunk and the body is exactly the events", async () => {
    const events = Array.from({ length: 100 }, (_, i) => ({ id: i, data: `event ${i}` }));
    const reader = new StreamReader(sseStream(events, { keepAlive: false }));
    await reader.readAll();
    expect(reader.chunks.length).toBeLessThanOrEqual(2);
    expect(reader.text).toBe(events.map((e) => encodeEvent(e)).join(""));
  });

  test("100 events an async generator yields without waiting share a few chunks", async () => {
    const reader = new StreamReader(
      sseStream(
        async function* () {
          for (let i = 0; i < 100; i++) yield `event ${i}`;
        },
        { keepAlive: false },
      ),
    );
    await reader.readAll();
    expect(reader.chunks.length).toBeLessThanOrEqual(5);
    expect(parse(reader.text).events).toHaveLength(100);
  });
});

interface Probe {
  ctx: SSEContext | undefined;
  finallyRan: boolean;
  closes: SSECloseReason[];
}

function newProbe(): Probe {
  return { ctx: undefined, finallyRan: false, closes: [] };
}

/** The README pattern: one event, then a long wait tied to ctx.signal. */
function parked(probe: Probe): SSESource {
  return async function* (ctx) {
    probe.ctx = ctx;
    try {
      yield "first";
      while (!ctx.signal.aborted) {
        await sleep(10_000, ctx.signal);
        if (!ctx.signal.aborted) yield "tick";
      }
    } finally {
      probe.finallyRan = true;
    }
  };
}

/** A generator that never looks at ctx.signal: only return() can run its finally. */
function deaf(probe: Probe): SSESource {
  return async function* (ctx) {
    probe.ctx = ctx;
    try {
      yield "first";
      for (;;) {
        await sleep(5);
        yield "tick";
      }
    } finally {
      probe.finallyRan = true;
    }
  };
}

const sources: [string, (probe: Probe) => SSESource][] = [
  ["a generator waiting on ctx.signal", parked],
  ["a generator that ignores ctx.signal", deaf],
];

interface Ending {
  reason: SSECloseReason;
  how: string;
  setup(): {
    options: SSEOptions;
    end(reader: StreamReader, clock: FakeClock, probe: Probe): Promise<void> | void;
  };
}

/** Moves the fake clock in keepalive-sized steps, a macrotask turn each, until the stream reports a close. */
async function advanceUntilClosed(clock: FakeClock, probe: Probe, steps: number): Promise<void> {
  for (let i = 0; i < steps && probe.closes.length === 0; i++) {
    clock.advance(50);
    await turn();
  }
}

const endings: Ending[] = [
  {
    reason: "cancel",
    how: "the client cancels the body",
    setup: () => ({
      options: {},
      end: (reader) => within(reader.reader.cancel("bye"), 1000, "cancel"),
    }),
  },
  {
    reason: "abort",
    how: "options.signal aborts",
    setup: () => {
      const controller = new AbortController();
      return { options: { signal: controller.signal }, end: () => controller.abort() };
    },
  },
  {
    reason: "abort",
    how: "request.signal aborts",
    setup: () => {
      const controller = new AbortController();
      const request = new Request("http://localhost/", { signal: controller.signal });
      return { options: { request }, end: () => controller.abort() };
    },
  },
  {
    reason: "timeout",
    how: "the client stops reading with bytes waiting (sendTimeout)",
    setup: () => ({
      options: { sendTimeout: 200, keepAlive: 50 },
      // Keepalives queue bytes the client does not come for; 200 ms of fake time later it is dropped.
      end: (_, clock, probe) => advanceUntilClosed(clock, probe, 20),
    }),
  },
  {
    reason: "max-duration",
    how: "maxDuration passes",
    setup: () => ({
      options: { maxDuration: 200, keepAlive: 50 },
      end: async (_, clock, probe) => {
        // Not a moment before maxDuration: 199 ms of fake time in, the stream is still open.
        clock.advance(199);
        await turn();
        expect(probe.closes).toEqual([]);
        clock.advance(1);
      },
    }),
  },
];

describe.each(sources)("sseStream with %s ends the same way whatever ends it", (_, source) => {
  test.each(endings)(
    "when $how: the generator's finally runs, ctx.signal aborts, timers stop, onClose('$reason') once",
    async ({ reason, setup }) => {
      const probe = newProbe();
      const clock = new FakeClock();
      const { options, end } = setup();
      const stream = sseStream(
        source(probe),
        withClock({ keepAlive: 50, ...options, onClose: (r) => probe.closes.push(r) }, clock),
      );
      const reader = new StreamReader(stream);
      expect(await reader.read()).toBe("data: first\n\n");
      await end(reader, clock, probe);
      await waitFor(() => probe.closes.length > 0, 2000, "onClose");
      expect(probe.closes).toEqual([reason]);
      expect(probe.ctx?.signal.aborted).toBe(true);
      // A body that ends normally closes when the client comes for the rest; until
      // then one timer is left: the send timeout that drops a client that never does.
      expect(clock.live).toBe(reason === "abort" || reason === "max-duration" ? 1 : 0);
      await waitFor(() => probe.finallyRan, 1000, "the generator's finally");

      if (reason === "timeout") {
        await expect(reader.reader.read()).rejects.toMatchObject({ name: "TimeoutError" });
      } else if (reason !== "cancel") {
        // What was queued before the end may still be read (keepalives), then the stream is done.
        const before = reader.text.length;
        const rest = (await reader.readAll(1000)).slice(before);
        expect(parse(rest).events).toEqual([]);
      }
      expect(clock.live).toBe(0);
      // Long after the end (fake time): no timer is armed again and nothing reports a second close.
      const armed = clock.delays.length;
      clock.advance(60_000);
      await turn();
      expect(probe.closes).toEqual([reason]);
      expect(clock.delays).toHaveLength(armed);
      expect(clock.live).toBe(0);
    },
  );
});

describe("sseStream ending details", () => {
  test("the source finishing ends the stream with onClose('done') and aborts ctx.signal", async () => {
    const probe = newProbe();
    const clock = new CountingClock();
    const text = await readText(
      sseStream(
        (ctx) => {
          probe.ctx = ctx;
          return ["a", "b"];
        },
        withClock({ keepAlive: 50, onClose: (r) => probe.closes.push(r) }, clock),
      ),
    );
    expect(text).toBe("data: a\n\ndata: b\n\n");
    expect(probe.closes).toEqual(["done"]);
    expect(probe.ctx?.signal.aborted).toBe(true);
    expect(clock.live).toBe(0);
  });

  test("ctx.signal first read after the stream ended is already aborted, with the reason the stream ended", async () => {
    let ctx: SSEContext | undefined;
    await readText(
      sseStream((c) => {
        ctx = c;
        return ["a"];
      }),
    );
    if (ctx === undefined) throw new Error("the source function was not called");
    const signal = ctx.signal;
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBeInstanceOf(DOMException);
    expect((signal.reason as DOMException).name).toBe("AbortError");
    expect((signal.reason as DOMException).message).toContain("(done)");
    expect(ctx.signal).toBe(signal);
  });

  test("a spread ctx ({ ...ctx }) carries the same signal, and it aborts when the client cancels", async () => {
    let spread: SSEContext | undefined;
    let original: SSEContext | undefined;
    const reader = new StreamReader(
      sseStream((ctx) => {
        original = ctx;
        spread = { ...ctx, lastEventId: "x" };
        return (async function* () {
          yield "a";
          await new Promise(() => {});
        })();
      }),
    );
    await reader.read();
    expect(Object.keys(original ?? {})).toEqual(["signal", "lastEventId"]);
    expect(spread?.signal).toBe(original?.signal);
    expect(spread?.signal.aborted).toBe(false);
    await reader.reader.cancel();
    expect(spread?.signal.aborted).toBe(true);
  });

  test("a generator parked in a 10 s await not tied to ctx.signal still ends the stream at once", async () => {
    let parkedTimer: ReturnType<typeof setTimeout> | undefined;
    const probe = newProbe();
    const controller = new AbortController();
    try {
      const reader = new StreamReader(
        sseStream(
          async function* (ctx) {
            probe.ctx = ctx;
            yield "first";
            await new Promise((resolve) => {
              parkedTimer = setTimeout(resolve, 10_000);
            });
            yield "never";
          },
          { signal: controller.signal, onClose: (r) => probe.closes.push(r) },
        ),
      );
      await reader.read();
      const read = reader.read(1000);
      await sleep(20);
      controller.abort();
      // The pending read ends at once; the stream is closed though the generator is still parked.
      expect(await read).toBeUndefined();
      expect(probe.closes).toEqual(["abort"]);
      expect(probe.ctx?.signal.aborted).toBe(true);
    } finally {
      clearTimeout(parkedTimer);
    }
  });

  test("cancel resolves at once while the generator is parked in a 10 s await", async () => {
    let parkedTimer: ReturnType<typeof setTimeout> | undefined;
    const probe = newProbe();
    try {
      const reader = new StreamReader(
        sseStream(
          async function* (ctx) {
            probe.ctx = ctx;
            yield "first";
            await new Promise((resolve) => {
              parkedTimer = setTimeout(resolve, 10_000);
            });
          },
          { onClose: (r) => probe.closes.push(r) },
        ),
      );
      await reader.read();
      const read = reader.reader.read();
      await sleep(20);
      await within(reader.reader.cancel(), 1000, "cancel");
      expect(probe.closes).toEqual(["cancel"]);
      expect(probe.ctx?.signal.aborted).toBe(true);
      await expect(within(read, 1000, "the pending read")).resolves.toMatchObject({ done: true });
    } finally {
      clearTimeout(parkedTimer);
    }
  });

  test("a ReadableStream source is cancelled when the client cancels", async () => {
    let cancelled: unknown = "not cancelled";
    const source = new ReadableStream<SSEChunk>({
      start(controller) {
        controller.enqueue("first");
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const reader = new StreamReader(sseStream(source, { keepAlive: false }));
    await reader.read();
    await reader.reader.cancel();
    await waitFor(() => cancelled !== "not cancelled", 1000, "the source's cancel");
  });

  test("a source that arrives after the stream ended is closed at once", async () => {
    let cancelled = false;
    const probe = newProbe();
    const reader = new StreamReader(
      sseStream(
        async () => {
          await sleep(100);
          return new ReadableStream<SSEChunk>({
            cancel() {
              cancelled = true;
            },
          });
        },
        { onClose: (r) => probe.closes.push(r) },
      ),
    );
    const read = reader.reader.read();
    await sleep(20);
    await reader.reader.cancel();
    await read;
    await waitFor(() => cancelled, 1000, "cancel of the late source");
    expect(probe.closes).toEqual(["cancel"]);
  });

  test("cancelling a body that was never read calls onClose('cancel') and never opens the source", async () => {
    const closes: SSECloseReason[] = [];
    let opened = false;
    const clock = new CountingClock();
    const body = sseStream(
      () => {
        opened = true;
        return ["x"];
      },
      withClock({ onClose: (r) => closes.push(r) }, clock),
    );
    await within(body.cancel(), 1000, "body.cancel()");
    expect(closes).toEqual(["cancel"]);
    expect(opened).toBe(false);
    expect(clock.live).toBe(0);
  });

  test("a signal already aborted ends the stream before the source starts", async () => {
    const probe = newProbe();
    let called = false;
    const text = await readText(
      sseStream(
        () => {
          called = true;
          return ["x"];
        },
        { signal: AbortSignal.abort(), onClose: (r) => probe.closes.push(r) },
      ),
    );
    expect(text).toBe("");
    expect(called).toBe(false);
    expect(probe.closes).toEqual(["abort"]);
  });

  test("onClose is called once when several ends race (abort, then cancel)", async () => {
    const probe = newProbe();
    const controller = new AbortController();
    const reader = new StreamReader(
      sseStream(parked(probe), { signal: controller.signal, onClose: (r) => probe.closes.push(r) }),
    );
    await reader.read();
    controller.abort();
    await reader.reader.cancel();
    await sleep(20);
    expect(probe.closes).toEqual(["abort"]);
  });

  test("a body cancelled after the stream ended (request aborted, then the runtime cancels) leaves no timer behind", async () => {
    const probe = newProbe();
    const clock = new CountingClock();
    const controller = new AbortController();
    const request = new Request("http://localhost/", { signal: controller.signal });
    const reader = new StreamReader(
      sseStream(parked(probe), withClock({ request, onClose: (r) => probe.closes.push(r) }, clock)),
    );
    await reader.read();
    controller.abort();
    expect(probe.closes).toEqual(["abort"]);
    await within(reader.reader.cancel(), 1000, "cancel");
    expect(clock.live).toBe(0);
  });

  test("an onClose that throws is called once and does not break the stream's end", async () => {
    const closes: SSECloseReason[] = [];
    const text = await readText(
      sseStream(["a"], {
        onClose: (reason) => {
          closes.push(reason);
          throw new Error("onClose failed");
        },
      }),
    );
    expect(text).toBe("data: a\n\n");
    expect(closes).toEqual(["done"]);
  });

  test("a client that keeps reading is never timed out, however long the stream lasts", async () => {
    const clock = new FakeClock();
    const probe = newProbe();
    const reader = new StreamReader(
      sseStream(
        parked(probe),
        withClock({ keepAlive: 20, sendTimeout: 100, onClose: (r) => probe.closes.push(r) }, clock),
      ),
    );
    await reader.read();
    // 50 keepalive periods, 10 send timeouts' worth: each keepalive is read as it comes.
    for (let i = 0; i < 50; i++) {
      const read = reader.read(1000);
      clock.advance(20);
      expect(await read).toBe(":\n\n");
    }
    expect(probe.closes).toEqual([]);
    await reader.reader.cancel();
    expect(probe.closes).toEqual(["cancel"]);
  });
});

describe("sseStream on a fake clock: timers fire exactly when due", () => {
  test("maxDuration closes the stream when it has passed, not before", async () => {
    const clock = new FakeClock();
    const probe = newProbe();
    const reader = new StreamReader(
      sseStream(
        parked(probe),
        withClock(
          { maxDuration: 1000, keepAlive: false, onClose: (r) => probe.closes.push(r) },
          clock,
        ),
      ),
    );
    await reader.read();
    clock.advance(999);
    await turn();
    expect(probe.closes).toEqual([]);
    clock.advance(1);
    expect(probe.closes).toEqual(["max-duration"]);
    expect(await reader.read()).toBeUndefined();
    expect(clock.live).toBe(0);
  });

  test("sendTimeout counts from when bytes started waiting for the client", async () => {
    const clock = new FakeClock();
    const probe = newProbe();
    const reader = new StreamReader(
      sseStream(
        parked(probe),
        withClock(
          { sendTimeout: 1000, keepAlive: 100, onClose: (r) => probe.closes.push(r) },
          clock,
        ),
      ),
    );
    await reader.read();
    // The keepalive at 100 ms is not read: from then on bytes wait.
    clock.advance(100);
    clock.advance(999);
    await turn();
    expect(probe.closes).toEqual([]);
    clock.advance(1);
    expect(probe.closes).toEqual(["timeout"]);
    expect(clock.live).toBe(0);
  });

  test("a keepalive comes after exactly keepAlive ms of silence, then every keepAlive ms", async () => {
    const clock = new FakeClock();
    const reader = new StreamReader(
      sseStream(parked(newProbe()), withClock({ keepAlive: 100 }, clock)),
    );
    await reader.read();
    const read = reader.reader.read();
    clock.advance(99);
    expect(await isPending(read)).toBe(true);
    clock.advance(1);
    const { value } = await read;
    expect(new TextDecoder().decode(value)).toBe(":\n\n");
    const second = reader.reader.read();
    clock.advance(99);
    expect(await isPending(second)).toBe(true);
    clock.advance(1);
    expect(new TextDecoder().decode((await second).value)).toBe(":\n\n");
    await reader.reader.cancel();
  });

  test("keepAlive false arms no keepalive timer at all", async () => {
    const clock = new FakeClock();
    const reader = new StreamReader(
      sseStream(parked(newProbe()), withClock({ keepAlive: false, sendTimeout: false }, clock)),
    );
    await reader.read();
    expect(clock.live).toBe(0);
    await reader.reader.cancel();
  });

  test("the default keepAlive is 5000 ms", async () => {
    const clock = new FakeClock();
    const reader = new StreamReader(sseStream(parked(newProbe()), withClock({}, clock)));
    await reader.read();
    const read = reader.reader.read();
    clock.advance(4999);
    expect(await isPending(read)).toBe(true);
    clock.advance(1);
    expect(new TextDecoder().decode((await read).value)).toBe(":\n\n");
    await reader.reader.cancel();
  });
});

describe("sseStream keepalive in real time", () => {
  test("keepalive comments come during silence and a parser sees them as comments", async () => {
    const reader = new StreamReader(sseStream(parked(newProbe()), { keepAlive: 100 }));
    await reader.read();
    const silentFrom = performance.now();
    await reader.read(2000);
    // Not before the configured silence (a little slack for timer rounding).
    expect((reader.chunks.at(-1)?.at ?? 0) - silentFrom).toBeGreaterThanOrEqual(90);
    await reader.read(2000);
    const parsed = parse(reader.text);
    expect(parsed.events.map((e) => e.data)).toEqual(["first"]);
    expect(parsed.comments).toHaveLength(2);
    await reader.reader.cancel();
  });

  test("no keepalive is written while events flow more often than keepAlive", async () => {
    const clock = new FakeClock();
    const reader = new StreamReader(
      sseStream(
        async function* () {
          // 25 events 20 ms apart (fake time): 500 ms, five keepAlive periods, never 100 ms silent.
          for (let i = 0; i < 25; i++) {
            yield `e${i}`;
            clock.advance(20);
            await turn();
          }
        },
        withClock({ keepAlive: 100 }, clock),
      ),
    );
    const text = await reader.readAll(5000);
    const parsed = parse(text);
    expect(parsed.events).toHaveLength(25);
    expect(parsed.comments).toEqual([]);
  });
});

describe("sseStream opening: retry and the first bytes", () => {
  test("the retry option is the first line, written before the source yields", async () => {
    let yielded = false;
    const reader = new StreamReader(
      sseStream(
        async function* (ctx) {
          await sleep(10_000, ctx.signal);
          yielded = true;
          yield "late";
        },
        { retry: 3000, keepAlive: false },
      ),
    );
    expect(await reader.read()).toBe("retry: 3000\n\n");
    expect(yielded).toBe(false);
    expect(parse(reader.text).retries).toEqual([3000]);
    await reader.reader.cancel();
  });

  test("the retry option comes first when the source is ready at once too", async () => {
    const text = await readText(sseStream(["a"], { retry: 0, keepAlive: false }));
    expect(text).toBe("retry: 0\n\ndata: a\n\n");
  });

  test("a source that is not ready at once gets a comment first, so runtimes send the head", async () => {
    const reader = new StreamReader(sseStream(parked(newProbe()), { keepAlive: false }));
    // parked() yields at once; this one waits first.
    const waiting = new StreamReader(
      sseStream(
        async function* (ctx) {
          await sleep(10_000, ctx.signal);
          yield "late";
        },
        { keepAlive: false },
      ),
    );
    expect(await waiting.read(1000)).toBe(":\n\n");
    expect(parse(waiting.text).comments).toEqual([""]);
    expect(await reader.read()).toBe("data: first\n\n");
    await waiting.reader.cancel();
    await reader.reader.cancel();
  });

  test("a source function whose promise is slow gets a comment first too", async () => {
    const reader = new StreamReader(
      sseStream(
        async () => {
          await sleep(100);
          return ["late"];
        },
        { keepAlive: false },
      ),
    );
    expect(await reader.read(1000)).toBe(":\n\n");
    expect(await reader.readAll()).toBe(":\n\ndata: late\n\n");
  });

  test("a source ready at once makes a body of exactly the events", async () => {
    const text = await readText(
      sseStream(
        async function* () {
          yield* SENT;
        },
        { keepAlive: false },
      ),
    );
    expect(text).toBe(SENT.map((m) => encodeEvent(m)).join(""));
  });
});

describe("sseStream when the source fails", () => {
  function failing(after: SSEChunk[], error: unknown): SSESource {
    return async function* () {
      yield* after;
      await sleep(1);
      throw error;
    };
  }

  test("a source that throws ends the stream normally, sends nothing of the error and reports it with console.error", async () => {
    const closes: SSECloseReason[] = [];
    const error = new Error("secret database password");
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const text = await readText(
        sseStream(failing(["a", "b"], error), {
          onClose: (r) => closes.push(r),
        }),
      );
      expect(text).toBe("data: a\n\ndata: b\n\n");
      expect(text).not.toContain("secret");
      expect(closes).toEqual(["error"]);
      expect(logged).toHaveBeenCalledTimes(1);
      expect(logged.mock.calls[0]).toContain(error);
    } finally {
      logged.mockRestore();
    }
  });

  test("with onError, the error is not also logged", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      await readText(sseStream(failing(["a"], new Error("x")), { onError: () => {} }));
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  test("onError gets the error once and what it returns is sent as the last event", async () => {
    const failure = new Error("boom");
    const seen: unknown[] = [];
    const closes: SSECloseReason[] = [];
    const text = await readText(
      sseStream(failing(["a"], failure), {
        onError: (error) => {
          seen.push(error);
          return { event: "error", data: "try again" };
        },
        onClose: (r) => closes.push(r),
      }),
    );
    expect(seen).toEqual([failure]);
    expect(text).toBe("data: a\n\nevent: error\ndata: try again\n\n");
    expect(closes).toEqual(["error"]);
  });

  test("an async onError's event is sent last too", async () => {
    const text = await readText(
      sseStream(failing([], new Error("x")), {
        onError: async () => {
          await sleep(5);
          return "bye";
        },
      }),
    );
    expect(text.endsWith("data: bye\n\n")).toBe(true);
    expect(parse(text).events.map((e) => e.data)).toEqual(["bye"]);
  });

  test("onError that throws: nothing more is sent and the stream closes normally", async () => {
    const closes: SSECloseReason[] = [];
    const text = await readText(
      sseStream(failing(["a"], new Error("x")), {
        onError: () => {
          throw new Error("onError failed");
        },
        onClose: (r) => closes.push(r),
      }),
    );
    expect(text).toBe("data: a\n\n");
    expect(closes).toEqual(["error"]);
  });

  test("onError that returns an invalid message: nothing more is sent", async () => {
    const text = await readText(
      sseStream(failing(["a"], new Error("x")), {
        onError: () => ({ event: "bad\nname", data: "leaked" }),
      }),
    );
    expect(text).toBe("data: a\n\n");
  });

  test.each([
    [
      "a sync source function that throws",
      () => {
        throw new Error("x");
      },
    ],
    ["an async source function that rejects", async () => Promise.reject(new Error("x"))],
    ["a source function returning a number", () => 42 as never],
    [
      "a sync generator that throws",
      () =>
        (function* () {
          yield "a";
          throw new Error("x");
        })(),
    ],
    [
      "a ReadableStream that errors",
      () =>
        new ReadableStream<SSEChunk>({
          start(controller) {
            controller.enqueue("a");
          },
          pull(controller) {
            controller.error(new Error("x"));
          },
        }),
    ],
  ] as [string, SSESource][])("%s takes the onError path", async (_, source) => {
    const closes: SSECloseReason[] = [];
    let errors = 0;
    const text = await readText(
      sseStream(source, {
        keepAlive: false,
        onError: () => {
          errors++;
          return { event: "failed", data: "" };
        },
        onClose: (r) => closes.push(r),
      }),
    );
    const events = parse(text).events;
    expect(events.at(-1)?.event).toBe("failed");
    expect(events.filter((e) => e.event !== "failed").every((e) => e.data === "a")).toBe(true);
    expect(errors).toBe(1);
    expect(closes).toEqual(["error"]);
  });
});

const badMessages: [string, SSEChunk, string][] = [
  ["an event with LF", { event: "a\nb", data: "BAD-PAYLOAD" }, "event"],
  ["an id with CR", { id: "1\r", data: "BAD-PAYLOAD" }, "id"],
  ["an id with NUL", { id: "1\0", data: "BAD-PAYLOAD" }, "id"],
  ["a non-finite id", { id: Number.NaN, data: "BAD-PAYLOAD" }, "id"],
  ["a negative retry", { retry: -1, data: "BAD-PAYLOAD" }, "retry"],
  ["a comment that is not a string", { comment: 5 as never, data: "BAD-PAYLOAD" }, "comment"],
  ["BigInt data", { comment: "BAD-PAYLOAD", data: 1n }, "data"],
  ["function data", { comment: "BAD-PAYLOAD", data: () => 1 }, "data"],
];

describe("sseStream with a message that cannot be encoded", () => {
  test.each(badMessages)(
    "%s: the events before it arrive intact, nothing of it is written, onError's event is last",
    async (_, bad, field) => {
      const probe = newProbe();
      let seen: unknown;
      const text = await readText(
        sseStream(
          async function* () {
            try {
              yield "one";
              yield { id: 2, data: "two" };
              yield bad;
              yield "never";
            } finally {
              probe.finallyRan = true;
            }
          },
          {
            keepAlive: false,
            onError: (error) => {
              seen = error;
              return { event: "error", data: "sorry" };
            },
            onClose: (r) => probe.closes.push(r),
          },
        ),
      );
      expect(text).toBe("data: one\n\nid: 2\ndata: two\n\nevent: error\ndata: sorry\n\n");
      expect(seen).toBeInstanceOf(SSEEncodeError);
      expect((seen as SSEEncodeError).field).toBe(field);
      expect(probe.closes).toEqual(["error"]);
      await waitFor(() => probe.finallyRan, 1000, "the generator's finally");
    },
  );

  test("without onError, nothing of the bad message or its error reaches the client", async () => {
    const closes: SSECloseReason[] = [];
    const text = await readText(
      sseStream(["one", { event: "BAD\nEVENT", id: "BAD-ID", data: "BAD-PAYLOAD" }, "two"], {
        keepAlive: false,
        onClose: (r) => closes.push(r),
      }),
    );
    expect(text).toBe("data: one\n\n");
    expect(closes).toEqual(["error"]);
  });

  test("a bad message in an array: the ready events before it are sent, none after it", async () => {
    const text = await readText(
      sseStream(["one", "two", { id: "x\ny", data: "BAD-PAYLOAD" }, "three"], {
        keepAlive: false,
        onError: () => "last",
      }),
    );
    expect(text).toBe("data: one\n\ndata: two\n\ndata: last\n\n");
  });

  test("a serialize that throws takes the onError path with an SSEEncodeError", async () => {
    let seen: unknown;
    const text = await readText(
      sseStream([{ data: { a: 1 } }], {
        keepAlive: false,
        serialize: () => {
          throw new Error("nope");
        },
        onError: (error) => {
          seen = error;
        },
      }),
    );
    expect(text).toBe("");
    expect((seen as SSEEncodeError).field).toBe("data");
  });
});

// Invalid options: the one table in response.test.ts runs against every entry point, sseStream included.
describe("sseStream checks its source at the call", () => {
  test.each([
    ["a number", 42],
    ["a plain object", { a: 1 }],
    ["a bare string", "hello"],
    ["a Promise", Promise.resolve(["a"])],
    ["null", null],
  ])("a source that is %s throws a TypeError at the call", (_, source) => {
    expect(() => sseStream(source as never)).toThrow(TypeError);
  });

  test.each([false, 0] as const)(
    "%s turns every timer off: no timer is ever armed",
    async (off) => {
      const clock = new FakeClock();
      const reader = new StreamReader(
        sseStream(
          parked(newProbe()),
          withClock({ keepAlive: off, sendTimeout: off, maxDuration: off }, clock),
        ),
      );
      await reader.read();
      clock.advance(1_000_000);
      expect(clock.delays).toEqual([]);
      await reader.reader.cancel();
    },
  );
});

describe("sseStream closes a source the stream ended before reading", () => {
  test("a ReadableStream source is cancelled when the signal was already aborted", async () => {
    let cancelled: unknown = "not cancelled";
    const source = new ReadableStream<SSEChunk>({
      cancel(reason) {
        cancelled = reason;
      },
    });
    const closes: SSECloseReason[] = [];
    const text = await readText(
      sseStream(source, { signal: AbortSignal.abort(), onClose: (r) => closes.push(r) }),
    );
    expect(text).toBe("");
    expect(closes).toEqual(["abort"]);
    await waitFor(() => cancelled !== "not cancelled", 1000, "the source's cancel");
  });

  test("an events.on() iterator is returned (its listener removed) when the body is cancelled before any read", async () => {
    const emitter = new EventEmitter();
    const source = on(emitter, "message") as AsyncIterable<SSEChunk>;
    expect(emitter.listenerCount("message")).toBe(1);
    const closes: SSECloseReason[] = [];
    const body = sseStream(source, { onClose: (r) => closes.push(r) });
    await within(body.cancel(), 1000, "body.cancel()");
    expect(closes).toEqual(["cancel"]);
    await waitFor(() => emitter.listenerCount("message") === 0, 1000, "the listener removed");
  });

  test("a sync generator's finally runs when the request's signal was already aborted", async () => {
    let finallyRan = false;
    function* source() {
      try {
        yield "never";
      } finally {
        finallyRan = true;
      }
    }
    const generator = source();
    // A generator that has not started has nothing to clean up; start it, as a caller that peeked would.
    const controller = new AbortController();
    const request = new Request("http://localhost/", { signal: controller.signal });
    const body = sseStream(
      {
        [Symbol.iterator]: () => generator,
      },
      { request },
    );
    expect(generator.next().value).toBe("never");
    controller.abort();
    expect(await readText(body)).toBe("");
    expect(finallyRan).toBe(true);
  });
});

describe("sseStream with a source that ends the stream from inside", () => {
  test("a source function that aborts the signal before returning: nothing is sent and its generator is returned (its finally runs)", async () => {
    const controller = new AbortController();
    let finallyRan = false;
    let started = false;
    const closes: SSECloseReason[] = [];
    const text = await readText(
      sseStream(
        () => {
          controller.abort();
          const generator = (function* () {
            started = true;
            try {
              yield "never";
            } finally {
              finallyRan = true;
            }
          })();
          generator.next();
          return generator;
        },
        { signal: controller.signal, onClose: (r) => closes.push(r) },
      ),
    );
    expect(text).toBe("");
    expect(closes).toEqual(["abort"]);
    expect(started).toBe(true);
    expect(finallyRan).toBe(true);
  });

  test("a sync generator that aborts the signal after its first yield: that event is sent, the generator is not pulled on, its finally runs", async () => {
    const controller = new AbortController();
    let pulls = 0;
    let finallyRan = false;
    const closes: SSECloseReason[] = [];
    function* source() {
      try {
        pulls++;
        yield "before";
        pulls++;
        controller.abort();
        yield "after";
        for (;;) {
          pulls++;
          yield "more";
        }
      } finally {
        finallyRan = true;
      }
    }
    const text = await readText(
      sseStream(source(), {
        signal: controller.signal,
        keepAlive: false,
        onClose: (r) => closes.push(r),
      }),
    );
    expect(closes).toEqual(["abort"]);
    expect(parse(text).events.map((e) => e.data)).toEqual(["before"]);
    expect(pulls).toBe(2);
    expect(finallyRan).toBe(true);
  });
});

describe("sseStream tells a source that is ready from one that waits, by microtasks", () => {
  /** A promise that settles `n` microtasks after the call (n >= 1). */
  function settlesAfter<T>(n: number, value: T): Promise<T> {
    let p: Promise<unknown> = Promise.resolve();
    for (let i = 1; i < n; i++) p = p.then();
    return p.then(() => value);
  }

  /** "a" at once, then "b" after `n` microtasks, then nothing until cancelled. */
  function answeringIn(n: number): SSESource {
    let calls = 0;
    return {
      [Symbol.asyncIterator]: () => ({
        next: (): Promise<IteratorResult<SSEChunk>> => {
          calls++;
          if (calls === 1) return settlesAfter(1, { done: false, value: "a" });
          if (calls === 2) return settlesAfter(n, { done: false, value: "b" });
          return new Promise(() => {});
        },
      }),
    };
  }

  test("an event that comes 7 microtasks after the one before shares its chunk", async () => {
    const reader = new StreamReader(sseStream(answeringIn(7), { keepAlive: false }));
    expect(await reader.read()).toBe("data: a\n\ndata: b\n\n");
    await reader.reader.cancel();
  });

  test("an event that comes 9 microtasks after the one before goes out in a chunk of its own", async () => {
    const reader = new StreamReader(sseStream(answeringIn(9), { keepAlive: false }));
    expect(await reader.read()).toBe("data: a\n\n");
    expect(await reader.read()).toBe("data: b\n\n");
    await reader.reader.cancel();
  });
});
