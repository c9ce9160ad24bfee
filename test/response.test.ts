import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterEach, describe, expect, test } from "vitest";
import { sse } from "../src/hono.ts";
import {
  SSE_HEADERS,
  type SSECloseReason,
  SSEEncodeError,
  type SSEOptions,
  sseHeaders,
  sseResponse,
  sseStream,
} from "../src/index.ts";
import { parse, readText, StreamReader, sleep, waitFor, within } from "./helpers/core-sse.ts";

const CONNECTION_HEADERS = [
  "connection",
  "transfer-encoding",
  "keep-alive",
  "content-length",
  "upgrade",
  "proxy-connection",
  "te",
];

/** The three headers API.md gives every event stream, written out here rather than read from src. */
const CONTRACT_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

describe("sseResponse headers and status", () => {
  test("sets exactly the event-stream headers and no connection headers", () => {
    const response = sseResponse([]);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    for (const name of CONNECTION_HEADERS) expect(response.headers.has(name)).toBe(false);
    expect([...response.headers.keys()].sort()).toEqual([
      "cache-control",
      "content-type",
      "x-accel-buffering",
    ]);
  });

  test("status is 200 unless set, and a custom status is kept", () => {
    expect(sseResponse([]).status).toBe(200);
    expect(sseResponse([], { status: 201 }).status).toBe(201);
    expect(sseResponse([], { status: 503 }).status).toBe(503);
  });

  test("a status that forbids a body throws at the call", () => {
    for (const status of [204, 304, 99, 600]) expect(() => sseResponse([], { status })).toThrow();
  });

  test("user headers merge in and win over the defaults, whatever their case", () => {
    const response = sseResponse([], {
      headers: {
        "Cache-Control": "no-store",
        "X-Request-Id": "abc",
        "Access-Control-Allow-Origin": "*",
      },
    });
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-request-id")).toBe("abc");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
  });

  test("a user's content-type wins too", () => {
    const response = sseResponse([], { headers: [["content-type", "text/event-stream"]] });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
  });

  test("several Set-Cookie headers all survive, from tuples or a Headers object", () => {
    const tuples = sseResponse([], {
      headers: [
        ["set-cookie", "a=1; Path=/"],
        ["set-cookie", "b=2; HttpOnly"],
      ],
    });
    expect(tuples.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; HttpOnly"]);
    const headers = new Headers();
    headers.append("Set-Cookie", "c=3");
    headers.append("Set-Cookie", "d=4");
    expect(sseResponse([], { headers }).headers.getSetCookie()).toEqual(["c=3", "d=4"]);
  });

  test.each([
    ["Connection", "close"],
    ["Transfer-Encoding", "chunked"],
    ["Keep-Alive", "timeout=5"],
    ["Content-Length", "10"],
    ["content-length", "10"],
    // Connection-specific too: HTTP/2 forbids them in a response (RFC 9113, 8.2.2).
    ["Upgrade", "websocket"],
    ["Proxy-Connection", "keep-alive"],
    ["TE", "trailers"],
  ])(
    "a %s header in options.headers is dropped, not an error, and the rest go out",
    async (name, value) => {
      const response = sseResponse(["x"], {
        keepAlive: false,
        headers: { [name]: value, "x-kept": "1" },
      });
      expect(response.headers.has(name)).toBe(false);
      expect(response.headers.get("x-kept")).toBe("1");
      expect(await within(response.text(), 2000, "response.text()")).toBe("data: x\n\n");
      const headers = sseHeaders({ [name]: value, "x-kept": "1" });
      expect(headers.has(name)).toBe(false);
      expect(headers.get("x-kept")).toBe("1");
    },
  );

  test("a header set made for another library (an AI SDK's, with Connection: keep-alive) works as given", async () => {
    // The shape of the AI SDK's UI message stream headers, written out here.
    const aiSdkHeaders = {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-vercel-ai-ui-message-stream": "v1",
      "x-accel-buffering": "no",
    };
    const response = sseResponse([{ data: { type: "start" } }], {
      keepAlive: false,
      headers: aiSdkHeaders,
    });
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toEqual({
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-vercel-ai-ui-message-stream": "v1",
      "x-accel-buffering": "no",
    });
    expect(await within(response.text(), 2000, "response.text()")).toBe(
      'data: {"type":"start"}\n\n',
    );
  });

  test("a header the Headers class refuses is a TypeError naming the headers option", () => {
    expect(() => sseResponse([], { headers: { "bad name": "x" } })).toThrow(
      /^"headers" must be valid/,
    );
  });

  test("sseHeaders() and SSE_HEADERS are exactly the contract's three headers, and SSE_HEADERS cannot be changed", () => {
    expect(Object.fromEntries(sseHeaders())).toEqual(CONTRACT_HEADERS);
    expect({ ...SSE_HEADERS }).toEqual(CONTRACT_HEADERS);
    expect(() => {
      (SSE_HEADERS as Record<string, string>)["cache-control"] = "public";
    }).toThrow(TypeError);
    expect(sseHeaders().get("cache-control")).toBe("no-cache, no-transform");
  });

  test("sseHeaders(init) merges the user's headers over the defaults and returns a fresh object each time", () => {
    const merged = sseHeaders({ "Cache-Control": "no-store", "x-a": "1" });
    expect(Object.fromEntries(merged)).toEqual({
      ...CONTRACT_HEADERS,
      "cache-control": "no-store",
      "x-a": "1",
    });
    merged.set("x-b", "2");
    expect(sseHeaders().has("x-b")).toBe(false);
  });
});

/**
 * The one table of invalid options, run against every entry point that takes
 * options: sseResponse, sseStream and the Hono adapter's sse(). Each must
 * throw at the call, name the option, and never call the source.
 */
describe("every entry point checks its options at the call", () => {
  const invalid: [string, SSEOptions, ErrorConstructor][] = [
    ["keepAlive -1", { keepAlive: -1 }, RangeError],
    ["keepAlive 1.5", { keepAlive: 1.5 }, RangeError],
    ["keepAlive NaN", { keepAlive: Number.NaN }, RangeError],
    ['keepAlive "5"', { keepAlive: "5" as never }, TypeError],
    ["keepAlive true", { keepAlive: true as never }, TypeError],
    ["sendTimeout -1", { sendTimeout: -1 }, RangeError],
    ["sendTimeout 1.5", { sendTimeout: 1.5 }, RangeError],
    ['sendTimeout "100"', { sendTimeout: "100" as never }, TypeError],
    ["maxDuration -1", { maxDuration: -1 }, RangeError],
    ["maxDuration Infinity", { maxDuration: Number.POSITIVE_INFINITY }, RangeError],
    ['maxDuration "60"', { maxDuration: "60" as never }, TypeError],
    ["retry -1", { retry: -1 }, RangeError],
    ["retry 0.5", { retry: 0.5 }, RangeError],
    ["retry Infinity", { retry: Number.POSITIVE_INFINITY }, RangeError],
    ['retry "3000"', { retry: "3000" as never }, TypeError],
    ["onError not a function", { onError: "x" as never }, TypeError],
    ["onClose not a function", { onClose: 1 as never }, TypeError],
    ["serialize not a function", { serialize: {} as never }, TypeError],
    ["signal not an AbortSignal", { signal: {} as never }, TypeError],
    ["status 204", { status: 204 }, RangeError],
    ["status 99", { status: 99 }, RangeError],
    ["status 1.5", { status: 1.5 }, RangeError],
    ['status "200"', { status: "200" as never }, TypeError],
    ["headers with an invalid name", { headers: { "bad name": "x" } }, TypeError],
    ["headers with an invalid value", { headers: { "x-a": "a\nb" } }, TypeError],
  ];
  const entries: [string, (source: () => never[], options: SSEOptions) => unknown][] = [
    ["sseResponse", sseResponse],
    ["sseStream", sseStream],
    ["sse", sse],
  ];
  const cases = entries.flatMap(([entry, call]) =>
    invalid
      // sseStream makes a body only: it takes no status or headers.
      .filter(
        ([name]) =>
          entry !== "sseStream" || !(name.startsWith("headers") || name.startsWith("status")),
      )
      .map(([name, options, type]) => [entry, name, options, type, call] as const),
  );

  test.each(cases)("%s with %s throws, naming the option", (_, name, options, type, call) => {
    let called = false;
    let error: unknown;
    try {
      call(() => {
        called = true;
        return [];
      }, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toContain(`"${name.split(" ")[0]}"`);
    expect(called).toBe(false);
  });

  test.each([
    ["a number", 1],
    ["a plain object", {}],
    ["a bare string", "data"],
    ["a Promise", Promise.resolve([])],
    ["undefined", undefined],
  ])("a source that is %s throws a TypeError naming the function called", (_, source) => {
    expect(() => sseResponse(source as never)).toThrow(TypeError);
    expect(() => sseResponse(source as never)).toThrow(/^sseResponse: the source must/);
    expect(() => sseStream(source as never)).toThrow(/^sseStream: the source must/);
  });
});

describe("sseResponse and HEAD", () => {
  test("a HEAD request gets the status and headers, a null body, and the source function is not called", () => {
    let called = false;
    const response = sseResponse(
      () => {
        called = true;
        return ["x"];
      },
      { request: new Request("http://localhost/", { method: "HEAD" }), status: 201 },
    );
    expect(response.status).toBe(201);
    expect(Object.fromEntries(response.headers)).toEqual(CONTRACT_HEADERS);
    expect(response.body).toBeNull();
    expect(called).toBe(false);
  });

  test("a HEAD request closes an iterable or ReadableStream source unread", async () => {
    const log: string[] = [];
    async function* subscription() {
      try {
        yield "never read";
      } finally {
        log.push("generator returned");
      }
    }
    const generator = subscription();
    // A generator that has not started has no finally to run: start it, as a subscription would be.
    const first = generator.next();
    const head = new Request("http://localhost/", { method: "HEAD" });
    sseResponse(generator, { request: head });
    await first;
    const stream = new ReadableStream<string>({ cancel: () => void log.push("stream cancelled") });
    sseResponse(stream, { request: head });
    await waitFor(() => log.length === 2, 1000, "both sources closed");
    expect(log.sort()).toEqual(["generator returned", "stream cancelled"]);
  });
});

describe("sseResponse body", () => {
  test("a byte source (an upstream body passed straight through) takes the onError path: an SSEEncodeError, nothing sent", async () => {
    const upstream = new Response("data: from upstream\n\n").body as ReadableStream<Uint8Array>;
    const errors: unknown[] = [];
    const closes: SSECloseReason[] = [];
    const response = sseResponse(upstream as never, {
      keepAlive: false,
      onError: (error) => {
        errors.push(error);
      },
      onClose: (r) => closes.push(r),
    });
    expect(await within(response.text(), 2000, "response.text()")).toBe("");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SSEEncodeError);
    expect((errors[0] as Error).message).toMatch(/byte chunk is not a message/);
    expect(closes).toEqual(["error"]);
  });

  test("the body is the encoded events and ends when the source does", async () => {
    const response = sseResponse([{ event: "a", data: { n: 1 } }, "b"], { keepAlive: false });
    expect(await within(response.text(), 2000, "response.text()")).toBe(
      'event: a\ndata: {"n":1}\n\ndata: b\n\n',
    );
  });

  test("the request's signal ends the stream and its Last-Event-ID reaches the source", async () => {
    const controller = new AbortController();
    const request = new Request("http://localhost/", {
      signal: controller.signal,
      headers: { "Last-Event-ID": "41" },
    });
    const closes: SSECloseReason[] = [];
    const response = sseResponse(
      async function* ({ lastEventId, signal }) {
        yield { id: Number(lastEventId) + 1, data: "next" };
        await sleep(10_000, signal);
      },
      { request, onClose: (r) => closes.push(r) },
    );
    const reader = new StreamReader(response.body as ReadableStream<Uint8Array>);
    expect(await reader.read()).toBe("id: 42\ndata: next\n\n");
    controller.abort();
    await reader.readAll(2000);
    expect(closes).toEqual(["abort"]);
  });
});

describe("sseResponse over a real Node HTTP server", () => {
  let server: Server | undefined;
  afterEach(async () => {
    const running = server;
    server = undefined;
    if (running === undefined) return;
    running.closeAllConnections();
    await new Promise<void>((resolve) => running.close(() => resolve()));
  });

  function start(fetch: (request: Request) => Response): Promise<string> {
    return new Promise((resolve, reject) => {
      const listening = serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
        resolve(`http://127.0.0.1:${info.port}`),
      ) as Server;
      listening.once("error", reject);
      server = listening;
    });
  }

  test("the headers arrive, the events parse, and a client that leaves ends the source", async () => {
    const closes: SSECloseReason[] = [];
    let finallyRan = false;
    const url = await start((request) =>
      sseResponse(
        async function* ({ signal }) {
          try {
            for (let n = 1; !signal.aborted; n++) {
              yield { id: n, data: { n } };
              await sleep(20, signal);
            }
          } finally {
            finallyRan = true;
          }
        },
        { request, onClose: (r) => closes.push(r), headers: { "x-test": "1" } },
      ),
    );
    const client = new AbortController();
    const response = await within(fetch(url, { signal: client.signal }), 5000, "fetch");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("x-test")).toBe("1");
    expect(response.headers.has("content-length")).toBe(false);
    const reader = new StreamReader(response.body as ReadableStream<Uint8Array>);
    await reader.readUntil((text) => parse(text).events.length >= 3, 5000);
    expect(
      parse(reader.text)
        .events.slice(0, 3)
        .map((e) => e.id),
    ).toEqual(["1", "2", "3"]);
    client.abort();
    await reader.reader.cancel().catch(() => {});
    await waitFor(
      () => closes.length > 0 && finallyRan,
      5000,
      "the server noticing the client left",
    );
    // @hono/node-server reports a closed socket through request.signal, or by cancelling the body.
    expect(["abort", "cancel"]).toContain(closes[0]);
    expect(closes).toHaveLength(1);
  });

  test("HEAD with the request given: the headers, no stream, the source function never called", async () => {
    const log: string[] = [];
    const url = await start((request) =>
      sseResponse(
        async function* ({ signal }) {
          log.push("source called");
          while (!signal.aborted) {
            yield "x";
            await sleep(20, signal);
          }
        },
        { request, headers: { "x-test": "1" }, onClose: (r) => log.push(`closed: ${r}`) },
      ),
    );
    const head = await within(fetch(url, { method: "HEAD" }), 5000, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(head.headers.get("x-test")).toBe("1");
    expect(await within(head.text(), 2000, "the HEAD body")).toBe("");
    await sleep(300);
    expect(log).toEqual([]);
  });

  test("a finite source ends the response and the client reads it to the end", async () => {
    const url = await start(() => sseResponse(["one", { event: "two", data: 2 }], { retry: 1000 }));
    const response = await within(fetch(url), 5000, "fetch");
    const text = await readText(response.body as ReadableStream<Uint8Array>);
    expect(text).toBe("retry: 1000\n\ndata: one\n\nevent: two\ndata: 2\n\n");
  });
});
