/**
 * fetchEvents against real HTTP servers on 127.0.0.1 (node:http, so each case
 * controls statuses, bytes and silences): requests, statuses, the reconnect
 * policy, Last-Event-ID, stalls and leaving.
 */
import { afterEach, describe, expect, test } from "vitest";
import {
  type EventStream,
  fetchEvents,
  type SSEEvent,
  SSEResponseError,
} from "../../src/client.ts";
import { until, within } from "../clients/node-server.ts";
import { type RawHandler, type RawServer, rawServer, streamHead, take, utf8Of } from "./http.ts";

const servers: RawServer[] = [];
const streams: EventStream[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
process.on("unhandledRejection", onUnhandled);

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  // Give any late rejection a turn to show.
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(unhandled.splice(0)).toEqual([]);
});

async function serve(handler: RawHandler): Promise<RawServer> {
  const server = await rawServer(handler);
  servers.push(server);
  return server;
}

function open(...args: Parameters<typeof fetchEvents>): EventStream {
  const stream = fetchEvents(...args);
  streams.push(stream);
  return stream;
}

/** Iterates to the end (bounded) and returns every event. */
async function drain(stream: EventStream, ms = 10_000): Promise<SSEEvent[]> {
  const events: SSEEvent[] = [];
  await within(
    (async () => {
      for await (const event of stream) events.push(event);
    })(),
    ms,
    "the end of the stream",
  );
  return events;
}

describe("fetchEvents requests", () => {
  test("makes no request before the first next(), then sends Accept: text/event-stream and no Last-Event-ID", async () => {
    const server = await serve((_seen, _i, res) => {
      streamHead(res);
      res.end("data: hi\n\n");
    });
    const stream = open(server.url, { reconnect: false });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.seen).toHaveLength(0);
    expect((await take(stream, 1))[0]?.data).toBe("hi");
    expect(server.seen[0]?.headers.accept).toBe("text/event-stream");
    expect(server.seen[0]?.headers["last-event-id"]).toBeUndefined();
    expect(server.seen[0]?.method).toBe("GET");
  });

  test("keeps an Accept the caller set", async () => {
    const server = await serve((_seen, _i, res) => {
      streamHead(res);
      res.end("data: hi\n\n");
    });
    await drain(
      open(server.url, { reconnect: false, headers: { Accept: "text/event-stream, */*;q=0.1" } }),
    );
    expect(server.seen[0]?.headers.accept).toBe("text/event-stream, */*;q=0.1");
  });

  test("re-sends the method, headers and body on every attempt, with the last event id as UTF-8 Last-Event-ID", async () => {
    const server = await serve((_seen, i, res) => {
      streamHead(res);
      res.end(`retry: 10\nid: ${i}-\u2026\u00e9\ndata: ${i}\n\n`);
    });
    const stream = open(server.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-token": "t1" },
      body: JSON.stringify({ prompt: "h\u00e9llo" }),
      lastEventId: "start-\u00e9",
    });
    const events = await take(stream, 3);
    expect(events.map((e) => e.data)).toEqual(["0", "1", "2"]);
    expect(stream.lastEventId).toBe("2-\u2026\u00e9");
    expect(server.seen.slice(0, 3).map((s) => [s.method, s.body, s.headers["x-token"]])).toEqual([
      ["POST", '{"prompt":"h\u00e9llo"}', "t1"],
      ["POST", '{"prompt":"h\u00e9llo"}', "t1"],
      ["POST", '{"prompt":"h\u00e9llo"}', "t1"],
    ]);
    expect(server.seen.slice(0, 3).map((s) => utf8Of(s.headers["last-event-id"]))).toEqual([
      "start-\u00e9",
      "0-\u2026\u00e9",
      "1-\u2026\u00e9",
    ]);
  });

  test("clones a Request input for each attempt, so its body goes every time", async () => {
    const server = await serve((_seen, i, res) => {
      streamHead(res);
      res.end(`retry: 10\ndata: ${i}\n\n`);
    });
    const request = new Request(server.url, { method: "PUT", body: "payload" });
    await take(open(request), 3);
    expect(server.seen.slice(0, 3).map((s) => `${s.method} ${s.body}`)).toEqual([
      "PUT payload",
      "PUT payload",
      "PUT payload",
    ]);
  });

  test("a ReadableStream body is a TypeError at the call unless reconnect is false, where it is sent", async () => {
    const body = (): ReadableStream<Uint8Array> =>
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("streamed"));
          c.close();
        },
      });
    expect(() => fetchEvents("http://127.0.0.1:1/", { method: "POST", body: body() })).toThrow(
      /cannot be sent twice.*reconnect: false/,
    );
    const server = await serve((_seen, _i, res) => {
      streamHead(res);
      res.end("data: ok\n\n");
    });
    const events = await drain(
      open(server.url, { method: "POST", body: body(), reconnect: false }),
    );
    expect(events.map((e) => e.data)).toEqual(["ok"]);
    expect(server.seen[0]?.body).toBe("streamed");
  });

  test("the fetch option gets a fresh Request per attempt, so a token can be refreshed each time", async () => {
    const server = await serve((_seen, i, res) => {
      streamHead(res);
      res.end(`retry: 10\ndata: ${i}\n\n`);
    });
    let token = 0;
    const seenRequests: Request[] = [];
    const stream = open(server.url, {
      fetch: (request) => {
        seenRequests.push(request);
        request.headers.set("authorization", `Bearer token-${++token}`);
        return fetch(request);
      },
    });
    await take(stream, 3);
    expect(server.seen.slice(0, 3).map((s) => s.headers.authorization)).toEqual([
      "Bearer token-1",
      "Bearer token-2",
      "Bearer token-3",
    ]);
    expect(new Set(seenRequests).size).toBe(seenRequests.length);
  });

  test("invalid options are errors at the call", () => {
    expect(() => fetchEvents("http://x/", { retry: -1 })).toThrow(RangeError);
    expect(() => fetchEvents("http://x/", { maxRetry: 1.5 })).toThrow(RangeError);
    expect(() => fetchEvents("http://x/", { stallTimeout: 0 })).toThrow(RangeError);
    expect(() => fetchEvents("http://x/", { maxEventSize: 0 })).toThrow(RangeError);
    expect(() => fetchEvents("http://x/", { lastEventId: "a\nb" })).toThrow(TypeError);
    expect(() => fetchEvents("http://x/", { fetch: 42 as never })).toThrow(TypeError);
    expect(() => fetchEvents(42 as never)).toThrow(TypeError);
  });

  test("an option of the wrong type is a TypeError and a number out of range a RangeError, naming the option", () => {
    expect(() => fetchEvents("http://x/", { retry: "5" as never })).toThrow(
      /fetchEvents: "retry" must be a safe integer >= 0 in milliseconds \(got "5"\)/,
    );
    expect(() => fetchEvents("http://x/", { stallTimeout: "1s" as never })).toThrow(TypeError);
    expect(() => fetchEvents("http://x/", { stallTimeout: 1.5 })).toThrow(/"stallTimeout"/);
    expect(() => fetchEvents("http://x/", { maxEventSize: -1 })).toThrow(/"maxEventSize"/);
    expect(() => fetchEvents("http://x/", { signal: {} as never })).toThrow(TypeError);
    expect(() => fetchEvents("http://x/", { onReconnect: 1 as never })).toThrow(
      /"onReconnect" must be a function/,
    );
  });
});

describe("fetchEvents statuses", () => {
  test("204 ends the iteration normally and nothing reconnects", async () => {
    const server = await serve((_seen, _i, res) => {
      res.writeHead(204).end();
    });
    expect(await drain(open(server.url, { retry: 10 }))).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.seen).toHaveLength(1);
  });

  test.each([429, 502, 503, 504])("%i is retried after Retry-After seconds", async (status) => {
    const server = await serve((_seen, i, res) => {
      if (i === 0) {
        res.writeHead(status, { "retry-after": "1" }).end("busy");
        return;
      }
      streamHead(res);
      res.end("data: ok\n\n");
    });
    const reconnects: unknown[] = [];
    const stream = open(server.url, { retry: 10, onReconnect: (info) => reconnects.push(info) });
    expect((await take(stream, 1))[0]?.data).toBe("ok");
    expect(reconnects[0]).toEqual({ attempt: 1, delay: 1000, status });
  });

  test("Retry-After as an HTTP date is honoured, even above maxRetry", async () => {
    const server = await serve((_seen, i, res) => {
      if (i === 0) {
        res.writeHead(503, { "retry-after": new Date(Date.now() + 3000).toUTCString() }).end();
        return;
      }
      streamHead(res);
      res.end("data: ok\n\n");
    });
    const reconnects: { delay: number }[] = [];
    const stream = open(server.url, {
      retry: 10,
      maxRetry: 100,
      onReconnect: (info) => reconnects.push(info),
    });
    await take(stream, 1);
    // HTTP dates have whole seconds: 3 s from now is 2 to 3 s away.
    expect(reconnects[0]?.delay).toBeGreaterThan(1000);
    expect(reconnects[0]?.delay).toBeLessThanOrEqual(3000);
  });

  test("a retried response's body is cancelled", async () => {
    const server = await serve((_seen, i, res) => {
      if (i === 0) {
        // A body that would never end by itself.
        res.writeHead(503, { "retry-after": "0", "content-type": "text/plain" });
        res.write("overloaded ");
        return;
      }
      streamHead(res);
      res.end("data: ok\n\n");
    });
    await take(open(server.url), 1);
    await until(() => server.seen[0]?.closed === true, 5000, "the 503's connection to close");
  });

  test.each([
    [404, "text/plain"],
    [500, "text/event-stream"],
    [401, "text/event-stream"],
    [201, "text/event-stream"],
  ])(
    "%i (%s) rejects with SSEResponseError, its body readable, and nothing reconnects",
    async (status, type) => {
      const server = await serve((_seen, _i, res) => {
        res.writeHead(status, { "content-type": type }).end("not for you");
      });
      const stream = open(server.url, { retry: 10 });
      const error = await stream.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SSEResponseError);
      const refused = error as SSEResponseError;
      expect(refused.status).toBe(status);
      expect(refused.message).toContain(String(status));
      expect(await refused.response.text()).toBe("not for you");
      expect(await stream.next()).toEqual({ done: true, value: undefined });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(server.seen).toHaveLength(1);
    },
  );

  test("a 200 with another Content-Type rejects with SSEResponseError; parameters of the right one are ignored", async () => {
    const server = await serve((_seen, i, res) => {
      streamHead(res, i === 0 ? "text/html" : "Text/Event-Stream ; charset=utf-8");
      res.end("data: ok\n\n");
    });
    await expect(open(server.url).next()).rejects.toThrow(
      /Content-Type "text\/html".*text\/event-stream/,
    );
    expect((await drain(open(server.url, { reconnect: false })))[0]?.data).toBe("ok");
  });

  test("with reconnect false, 503 rejects with SSEResponseError and a refused connection rejects", async () => {
    const server = await serve((_seen, _i, res) => {
      res.writeHead(503, { "retry-after": "1" }).end();
    });
    await expect(open(server.url, { reconnect: false }).next()).rejects.toBeInstanceOf(
      SSEResponseError,
    );
    const gone = await rawServer(() => {});
    await gone.close();
    await expect(open(gone.url, { reconnect: false }).next()).rejects.toThrow();
  });
});

describe("fetchEvents reconnects", () => {
  test("uses the server's retry after an attempt that delivered events, and sends the last id", async () => {
    const server = await serve((_seen, i, res) => {
      streamHead(res);
      res.end(`retry: 25\nid: e${i}\ndata: ${i}\n\n`);
    });
    const reconnects: { delay: number; attempt: number }[] = [];
    const stream = open(server.url, { onReconnect: (info) => reconnects.push(info) });
    await take(stream, 3);
    expect(reconnects.slice(0, 2)).toEqual([
      { attempt: 1, delay: 25 },
      { attempt: 2, delay: 25 },
    ]);
  });

  test("doubles the delay with jitter, up to maxRetry, while attempts deliver nothing", async () => {
    const server = await serve((_seen, _i, res) => {
      streamHead(res);
      res.end(": nothing here\n\n");
    });
    const delays: number[] = [];
    const stream = open(server.url, {
      retry: 20,
      maxRetry: 200,
      onReconnect: ({ delay }) => delays.push(delay),
    });
    const next = stream.next();
    await until(() => delays.length >= 7, 10_000, "7 reconnects");
    stream.close();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(delays[0]).toBe(20);
    // Each doubled step lands in the upper half of its target, never below retry, never above maxRetry.
    const targets = [40, 80, 160, 200, 200, 200];
    targets.forEach((target, i) => {
      const delay = delays[i + 1] ?? -1;
      expect(delay, `reconnect ${i + 2}`).toBeGreaterThanOrEqual(Math.max(20, target / 2));
      expect(delay, `reconnect ${i + 2}`).toBeLessThanOrEqual(target);
    });
  });

  test("a server retry above maxRetry is honoured as given", async () => {
    const server = await serve((_seen, i, res) => {
      streamHead(res);
      res.end(i === 0 ? "retry: 1200\ndata: a\n\n" : "data: b\n\n");
    });
    const delays: number[] = [];
    const stream = open(server.url, {
      maxRetry: 100,
      onReconnect: ({ delay }) => delays.push(delay),
    });
    await take(stream, 2);
    expect(delays[0]).toBe(1200);
  });

  test("an id-only block moves the last event id; an id in a block cut off by the end does not", async () => {
    const server = await serve((_seen, i, res) => {
      streamHead(res);
      if (i === 0) res.end("retry: 10\ndata: a\n\nid: only\n\nid: cut\ndata: lost\n");
      else res.end("data: b\n\n");
    });
    const stream = open(server.url);
    const events = await take(stream, 2);
    expect(events.map((e) => e.data)).toEqual(["a", "b"]);
    expect(server.seen[1]?.headers["last-event-id"]).toBe("only");
    expect(events[1]?.lastEventId).toBe("only");
  });

  test("reconnects after a network error, then goes on with the last id", async () => {
    let first = true;
    const server = await serve((_seen, _i, res) => {
      streamHead(res);
      if (first) {
        first = false;
        res.write("retry: 10\nid: 1\ndata: one\n\n");
        // The connection drops mid-event.
        setTimeout(() => res.socket?.destroy(), 50);
        return;
      }
      res.end("id: 2\ndata: two\n\n");
    });
    const errors: unknown[] = [];
    const stream = open(server.url, { onReconnect: ({ error }) => errors.push(error) });
    expect((await take(stream, 2)).map((e) => e.data)).toEqual(["one", "two"]);
    expect(server.seen[1]?.headers["last-event-id"]).toBe("1");
  });

  test("a refused connection is retried like a network error", async () => {
    const down = await rawServer(() => {});
    const url = down.url;
    await down.close();
    const infos: { error?: unknown; attempt: number }[] = [];
    const stream = open(url, { retry: 10, maxRetry: 20, onReconnect: (info) => infos.push(info) });
    const next = stream.next();
    await until(() => infos.length >= 3, 5000, "3 reconnects");
    stream.close();
    expect(await next).toEqual({ done: true, value: undefined });
    expect(infos[0]?.error).toBeInstanceOf(Error);
  });

  test("a stall (no bytes for stallTimeout) counts as a lost connection and reopens it", async () => {
    const server = await serve((_seen, i, res) => {
      streamHead(res);
      if (i === 0)
        res.write("retry: 10\ndata: first\n\n"); // then silence
      else res.end("data: second\n\n");
    });
    const errors: unknown[] = [];
    const stream = open(server.url, {
      stallTimeout: 300,
      onReconnect: ({ error }) => errors.push(error),
    });
    expect((await take(stream, 2)).map((e) => e.data)).toEqual(["first", "second"]);
    expect(String(errors[0])).toMatch(/no bytes for 300 ms/);
    await until(() => server.seen[0]?.closed === true, 5000, "the stalled request to be closed");
  });

  test("keepalive comments are bytes: they hold off the stall timeout", async () => {
    const server = await serve(async (_seen, i, res) => {
      streamHead(res);
      if (i > 0) return void res.end("data: reconnected\n\n");
      for (let n = 0; n < 6; n++) {
        res.write(": keepalive\n\n");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      res.end("data: done\n\n");
    });
    const stream = open(server.url, { stallTimeout: 400, reconnect: false });
    expect((await drain(stream)).map((e) => e.data)).toEqual(["done"]);
  });

  test("an event larger than maxEventSize rejects with a RangeError after the events before it", async () => {
    const server = await serve((_seen, _i, res) => {
      streamHead(res);
      res.end(`data: ok\n\ndata: ${"x".repeat(5000)}\n\n`);
    });
    const stream = open(server.url, { maxEventSize: 1024 });
    expect((await stream.next()).value?.data).toBe("ok");
    await expect(stream.next()).rejects.toBeInstanceOf(RangeError);
  });
});

describe("fetchEvents ends cleanly", () => {
  /** A server that sends one event and then holds the stream open. */
  const holding: RawHandler = (_seen, _i, res) => {
    streamHead(res);
    res.write("data: held\n\n");
  };

  test("close() while a next() waits aborts the request at once and resolves that next() as done", async () => {
    const server = await serve(holding);
    const stream = open(server.url);
    await take(stream, 1);
    const pending = stream.next();
    stream.close();
    expect(await within(pending, 2000, "the pending next()")).toEqual({
      done: true,
      value: undefined,
    });
    await until(() => server.seen[0]?.closed === true, 2000, "the server to see the client leave");
  });

  test("leaving a for await loop aborts the request at once", async () => {
    const server = await serve(holding);
    const stream = open(server.url);
    for await (const event of stream) {
      expect(event.data).toBe("held");
      break;
    }
    await until(() => server.seen[0]?.closed === true, 2000, "the server to see the client leave");
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  test("aborting the signal ends the iteration without an error and aborts the request", async () => {
    const server = await serve(holding);
    const controller = new AbortController();
    const stream = open(server.url, { signal: controller.signal });
    await take(stream, 1);
    const pending = stream.next();
    controller.abort(new Error("user left"));
    expect(await within(pending, 2000, "the pending next()")).toEqual({
      done: true,
      value: undefined,
    });
    await until(() => server.seen[0]?.closed === true, 2000, "the server to see the client leave");
  });

  test("an aborted signal at the call makes no request", async () => {
    const server = await serve(holding);
    const stream = open(server.url, { signal: AbortSignal.abort() });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(server.seen).toHaveLength(0);
  });

  test("close() during the reconnect wait leaves no timer behind", async () => {
    const server = await serve((_seen, _i, res) => {
      streamHead(res);
      res.end("data: x\n\n");
    });
    // Watch only the reconnect wait's own timer (the one minute asked for):
    // other timers of the process come and go meanwhile.
    const waits = new Set<unknown>();
    const cleared = new Set<unknown>();
    const realSet = globalThis.setTimeout;
    const realClear = globalThis.clearTimeout;
    globalThis.setTimeout = ((callback: () => void, ms?: number) => {
      const handle = realSet(callback, ms);
      if (ms === 60_000) waits.add(handle);
      return handle;
    }) as typeof setTimeout;
    globalThis.clearTimeout = ((handle?: Parameters<typeof clearTimeout>[0]) => {
      if (handle !== undefined) cleared.add(handle);
      realClear(handle);
    }) as typeof clearTimeout;
    try {
      const stream = open(server.url, { retry: 60_000 });
      await take(stream, 1);
      const pending = stream.next();
      await until(() => waits.size === 1, 2000, "the reconnect timer");
      stream.close();
      expect(await pending).toEqual({ done: true, value: undefined });
      const [wait] = waits;
      await until(() => wait !== undefined && cleared.has(wait), 2000, "the timer to be cleared");
      expect(waits.size).toBe(1);
    } finally {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    }
  });

  test("close() while the response head is awaited aborts it without a rejection", async () => {
    const server = await serve(() => {
      // Never answers.
    });
    const stream = open(server.url);
    const pending = stream.next();
    await until(() => server.seen.length === 1, 2000, "the request");
    stream.close();
    expect(await within(pending, 2000, "the pending next()")).toEqual({
      done: true,
      value: undefined,
    });
    await until(() => server.seen[0]?.closed === true, 2000, "the server to see the client leave");
  });
});
