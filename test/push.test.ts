/**
 * The push path: a source with a `[PUSH]` method writes straight into the body
 * through a PushSink, under the same policy as a pulled source.
 *
 * @module
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  type SSECloseReason,
  type SSEContext,
  type SSEOptions,
  type SSESource,
  sseStream,
} from "../src/index.ts";
import { CLOCK } from "../src/options.ts";
import { PUSH, type PushSink } from "../src/push.ts";
import {
  FakeClock,
  isPending,
  parse,
  RejectionWatch,
  StreamReader,
  sleep,
  waitFor,
  within,
} from "./helpers/core-sse.ts";

const rejections = new RejectionWatch();
beforeAll(() => rejections.install());
afterAll(() => rejections.uninstall());
afterEach(async () => {
  await sleep(10);
  expect(rejections.reasons).toEqual([]);
});

const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

interface Pushed {
  sink: PushSink | undefined;
  ctx: SSEContext | undefined;
  starts: number;
  cleanups: SSECloseReason[];
  closes: SSECloseReason[];
}

/**
 * A push source as the hub makes one: a function of ctx returning an async
 * iterable that also carries [PUSH]. `onStart` runs inside [PUSH].
 */
function pushing(
  onStart: (sink: PushSink, ctx: SSEContext) => void = () => {},
  opts: { async?: boolean } = {},
): { source: SSESource; pushed: Pushed } {
  const pushed: Pushed = { sink: undefined, ctx: undefined, starts: 0, cleanups: [], closes: [] };
  const iterable = {
    [PUSH](sink: PushSink, ctx: SSEContext) {
      pushed.starts++;
      pushed.sink = sink;
      pushed.ctx = ctx;
      onStart(sink, ctx);
      return (reason: SSECloseReason) => {
        pushed.cleanups.push(reason);
      };
    },
    async *[Symbol.asyncIterator]() {
      yield "iterated by hand";
    },
  };
  const source: SSESource = opts.async
    ? async () => {
        await sleep(1);
        return iterable;
      }
    : () => iterable;
  return { source, pushed };
}

function open(source: SSESource, pushed: Pushed, options: SSEOptions = {}, clock?: FakeClock) {
  const all = {
    keepAlive: false,
    ...options,
    onClose: (r: SSECloseReason) => pushed.closes.push(r),
  };
  if (clock !== undefined) Object.assign(all, { [CLOCK]: clock });
  return new StreamReader(sseStream(source, all as SSEOptions));
}

/** Lets the stream call pull() after a read. */
async function settle(): Promise<void> {
  await sleep(1);
}

describe("sseStream with a push source", () => {
  test("[PUSH] is called once with a sink and ctx, and what is written reaches the client as is", async () => {
    const { source, pushed } = pushing((sink) => {
      sink.write(bytes("data: one\n\n"));
      sink.write(bytes("data: two\n\n"));
    });
    const reader = open(source, pushed);
    await reader.readUntil((text) => text.includes("two"));
    expect(reader.text).toBe("data: one\n\ndata: two\n\n");
    expect(pushed.starts).toBe(1);
    expect(pushed.ctx?.signal.aborted).toBe(false);
    await reader.reader.cancel();
    expect(pushed.ctx?.signal.aborted).toBe(true);
  });

  test("a source function that resolves to a push source later works the same", async () => {
    const { source, pushed } = pushing((sink) => sink.write(bytes("data: late\n\n")), {
      async: true,
    });
    const reader = open(source, pushed);
    await reader.readUntil((text) => text.includes("late"));
    expect(parse(reader.text).events.map((e) => e.data)).toEqual(["late"]);
    await reader.reader.cancel();
  });

  test("a push source that writes nothing at once gets a comment first, so runtimes send the head", async () => {
    const { source, pushed } = pushing();
    const reader = open(source, pushed);
    expect(await reader.read()).toBe(":\n\n");
    await reader.reader.cancel();
  });

  test("queued counts the bytes the client has not taken", async () => {
    const { source, pushed } = pushing();
    const reader = open(source, pushed);
    await reader.read(); // the opening comment
    const sink = pushed.sink as PushSink;
    // No read is pending now: every write waits for the client.
    expect(sink.queued).toBe(0);
    sink.write(bytes("data: 12345\n\n")); // 13 bytes
    sink.write(bytes("data: 1\n\n")); // 9 bytes
    expect(sink.queued).toBe(22);
    expect(await reader.read()).toBe("data: 12345\n\ndata: 1\n\n");
    expect(sink.queued).toBe(0);
    await reader.reader.cancel();
  });

  test("writes that come while the client is busy go out as one chunk when it asks, in order", async () => {
    const { source, pushed } = pushing();
    const reader = open(source, pushed);
    await reader.read();
    const sink = pushed.sink as PushSink;
    const pending = reader.reader.read();
    await settle();
    // The client waits: the first write goes straight to it.
    sink.write(bytes("data: 1\n\n"));
    sink.write(bytes("data: 2\n\n"));
    sink.write(bytes("data: 3\n\n"));
    expect(new TextDecoder().decode((await pending).value)).toBe("data: 1\n\n");
    expect(await reader.read()).toBe("data: 2\n\ndata: 3\n\n");
    await reader.reader.cancel();
  });

  test("whenDrained is called once the client has taken everything and asks for more, not before", async () => {
    const { source, pushed } = pushing();
    const reader = open(source, pushed);
    await reader.read();
    const sink = pushed.sink as PushSink;
    sink.write(bytes("data: a\n\n"));
    sink.write(bytes("data: b\n\n"));
    let drained = 0;
    sink.whenDrained(() => drained++);
    await settle();
    expect(drained).toBe(0);
    // Taking what was queued is not asking for more yet.
    expect(await reader.read()).toBe("data: a\n\ndata: b\n\n");
    await settle();
    expect(drained).toBe(0);
    reader.reader.read().catch(() => {});
    await waitFor(() => drained === 1, 1000, "whenDrained");
    await settle();
    expect(drained).toBe(1);
    await reader.reader.cancel();
  });

  test("whenDrained while the client already waits calls back at once; a newer wish replaces an older one", async () => {
    const { source, pushed } = pushing();
    const reader = open(source, pushed);
    await reader.read();
    const sink = pushed.sink as PushSink;
    const pending = reader.reader.read();
    await settle();
    let now = 0;
    sink.whenDrained(() => now++);
    expect(now).toBe(1);
    sink.write(bytes("data: x\n\n"));
    await pending;
    const calls: string[] = [];
    sink.write(bytes("data: y\n\n"));
    sink.whenDrained(() => calls.push("old"));
    sink.whenDrained(() => calls.push("new"));
    await reader.read();
    reader.reader.read().catch(() => {});
    await waitFor(() => calls.length > 0, 1000, "whenDrained");
    expect(calls).toEqual(["new"]);
    await reader.reader.cancel();
  });

  test("end('done') sends what is queued, then closes: onClose('done') and cleanup('done') once", async () => {
    const { source, pushed } = pushing();
    const reader = open(source, pushed);
    await reader.read();
    const sink = pushed.sink as PushSink;
    sink.write(bytes("data: last\n\n"));
    sink.end("done");
    expect(sink.closed).toBe(true);
    sink.write(bytes("data: ignored\n\n"));
    const text = await reader.readAll(2000);
    expect(parse(text).events.map((e) => e.data)).toEqual(["last"]);
    expect(pushed.closes).toEqual(["done"]);
    expect(pushed.cleanups).toEqual(["done"]);
    expect(pushed.ctx?.signal.aborted).toBe(true);
  });

  test("end('slow') drops what is queued and errors the body: onClose('slow'), cleanup once", async () => {
    const { source, pushed } = pushing();
    const reader = open(source, pushed);
    await reader.read();
    const sink = pushed.sink as PushSink;
    sink.write(bytes("data: never read\n\n"));
    sink.end("slow");
    await expect(reader.reader.read()).rejects.toMatchObject({ name: "TimeoutError" });
    expect(pushed.closes).toEqual(["slow"]);
    expect(pushed.cleanups).toEqual(["slow"]);
    sink.end("done");
    expect(pushed.closes).toEqual(["slow"]);
    expect(pushed.cleanups).toEqual(["slow"]);
  });

  test("end('abort') ends like a signal abort: onClose('abort'), the body ends", async () => {
    const { source, pushed } = pushing();
    const reader = open(source, pushed);
    await reader.read();
    (pushed.sink as PushSink).end("abort");
    expect(await reader.readAll(2000)).toBe(":\n\n");
    expect(pushed.closes).toEqual(["abort"]);
    expect(pushed.cleanups).toEqual(["abort"]);
  });

  test("end() from inside [PUSH]: the cleanup it returns is still called once", async () => {
    const { source, pushed } = pushing((sink) => {
      sink.write(bytes("data: only\n\n"));
      sink.end("done");
    });
    const reader = open(source, pushed);
    const text = await reader.readAll(2000);
    expect(parse(text).events.map((e) => e.data)).toEqual(["only"]);
    expect(pushed.closes).toEqual(["done"]);
    expect(pushed.cleanups).toEqual(["done"]);
  });

  test("fail() takes the onError path: its event is sent last, onClose('error'), cleanup('error')", async () => {
    const { source, pushed } = pushing();
    const errors: unknown[] = [];
    const reader = open(source, pushed, {
      onError: (error) => {
        errors.push(error);
        return { event: "error", data: "sorry" };
      },
    });
    await reader.read();
    const failure = new Error("backend gone");
    (pushed.sink as PushSink).fail(failure);
    const text = await reader.readAll(2000);
    expect(parse(text).events.map((e) => [e.event, e.data])).toEqual([["error", "sorry"]]);
    expect(errors).toEqual([failure]);
    expect(pushed.closes).toEqual(["error"]);
    expect(pushed.cleanups).toEqual(["error"]);
  });

  test("a [PUSH] that throws takes the onError path", async () => {
    const errors: unknown[] = [];
    const source = () => ({
      [PUSH]() {
        throw new Error("cannot subscribe");
      },
      async *[Symbol.asyncIterator]() {},
    });
    const closes: SSECloseReason[] = [];
    const reader = new StreamReader(
      sseStream(source as never, {
        keepAlive: false,
        onError: (e) => {
          errors.push(e);
        },
        onClose: (r) => closes.push(r),
      }),
    );
    await reader.readAll(2000);
    expect((errors[0] as Error).message).toBe("cannot subscribe");
    expect(closes).toEqual(["error"]);
  });
});

describe("a push stream ends the same way whatever ends it", () => {
  const endings: [string, SSECloseReason, (reader: StreamReader, abort: () => void) => unknown][] =
    [
      ["the client cancels", "cancel", (reader) => within(reader.reader.cancel(), 1000, "cancel")],
      ["options.signal aborts", "abort", (_, abort) => abort()],
    ];

  test.each(endings)(
    "when %s: cleanup and onClose once with '%s', ctx.signal aborts, writes are ignored",
    async (_, reason, end) => {
      const controller = new AbortController();
      const { source, pushed } = pushing();
      const reader = open(source, pushed, { signal: controller.signal });
      await reader.read();
      await end(reader, () => controller.abort());
      expect(pushed.closes).toEqual([reason]);
      expect(pushed.cleanups).toEqual([reason]);
      expect(pushed.ctx?.signal.aborted).toBe(true);
      const sink = pushed.sink as PushSink;
      expect(sink.closed).toBe(true);
      sink.write(bytes("data: late\n\n"));
      sink.end("done");
      let drained = false;
      sink.whenDrained(() => {
        drained = true;
      });
      await settle();
      expect(drained).toBe(false);
      expect(pushed.closes).toEqual([reason]);
      expect(pushed.cleanups).toEqual([reason]);
    },
  );
});

describe("a push stream on a fake clock", () => {
  test("keepalive comments fill the silence while the source is idle", async () => {
    const clock = new FakeClock();
    const { source, pushed } = pushing();
    const reader = open(source, pushed, { keepAlive: 100 }, clock);
    await reader.read();
    const read = reader.reader.read();
    clock.advance(99);
    expect(await isPending(read)).toBe(true);
    clock.advance(1);
    expect(new TextDecoder().decode((await read).value)).toBe(":\n\n");
    await reader.reader.cancel();
    expect(pushed.cleanups).toEqual(["cancel"]);
  });

  test("a client that stops reading while writes queue is dropped after sendTimeout: onClose('timeout'), cleanup once", async () => {
    const clock = new FakeClock();
    const { source, pushed } = pushing();
    const reader = open(source, pushed, { sendTimeout: 1000, keepAlive: 100 }, clock);
    await reader.read();
    const sink = pushed.sink as PushSink;
    sink.write(bytes("data: queued\n\n"));
    clock.advance(999);
    sink.write(bytes("data: more\n\n"));
    expect(pushed.closes).toEqual([]);
    clock.advance(1);
    expect(pushed.closes).toEqual(["timeout"]);
    expect(pushed.cleanups).toEqual(["timeout"]);
    expect(sink.closed).toBe(true);
    await expect(reader.reader.read()).rejects.toMatchObject({ name: "TimeoutError" });
    expect(clock.live).toBe(0);
  });

  test("maxDuration ends a push stream: cleanup('max-duration') once", async () => {
    const clock = new FakeClock();
    const { source, pushed } = pushing();
    const reader = open(source, pushed, { maxDuration: 500 }, clock);
    await reader.read();
    const rest = reader.readAll(2000);
    await settle();
    clock.advance(500);
    expect(await rest).toBe(":\n\n");
    expect(pushed.closes).toEqual(["max-duration"]);
    expect(pushed.cleanups).toEqual(["max-duration"]);
    expect(clock.live).toBe(0);
  });
});
