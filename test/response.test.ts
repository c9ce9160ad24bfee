import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { afterEach, describe, expect, test } from "vitest";
import {
  SSE_HEADERS,
  type SSECloseReason,
  type SSEOptions,
  sseHeaders,
  sseResponse,
} from "../src/index.ts";
import { parse, readText, StreamReader, sleep, waitFor, within } from "./helpers/core-sse.ts";

const CONNECTION_HEADERS = ["connection", "transfer-encoding", "keep-alive", "content-length"];

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

  test.each(["Connection", "Transfer-Encoding", "Keep-Alive", "Content-Length", "content-length"])(
    "a %s header is a TypeError at the call, before the source is touched",
    (name) => {
      let called = false;
      expect(() =>
        sseResponse(
          () => {
            called = true;
            return [];
          },
          { headers: { [name]: name.toLowerCase() === "content-length" ? "10" : "close" } },
        ),
      ).toThrow(TypeError);
      expect(called).toBe(false);
    },
  );

  test("sseHeaders and SSE_HEADERS describe the same defaults", () => {
    expect(Object.fromEntries(sseHeaders())).toEqual({ ...SSE_HEADERS });
    expect(Object.isFrozen(SSE_HEADERS)).toBe(true);
  });
});

describe("sseResponse checks its options and source before any Response exists", () => {
  const invalid: [string, SSEOptions][] = [
    ["keepAlive -1", { keepAlive: -1 }],
    ["keepAlive 1.5", { keepAlive: 1.5 }],
    ['keepAlive "5"', { keepAlive: "5" as never }],
    ["sendTimeout -1", { sendTimeout: -1 }],
    ["sendTimeout 1.5", { sendTimeout: 1.5 }],
    ["maxDuration -1", { maxDuration: -1 }],
    ['maxDuration "60"', { maxDuration: "60" as never }],
    ["retry -1", { retry: -1 }],
    ["retry 0.5", { retry: 0.5 }],
    ["retry Infinity", { retry: Number.POSITIVE_INFINITY }],
    ['retry "3000"', { retry: "3000" as never }],
  ];

  test.each(invalid)("%s throws a TypeError or RangeError naming the option", (name, options) => {
    let called = false;
    let error: unknown;
    try {
      sseResponse(() => {
        called = true;
        return [];
      }, options);
    } catch (e) {
      error = e;
    }
    expect(error instanceof TypeError || error instanceof RangeError).toBe(true);
    expect((error as Error).message).toContain(`"${name.split(" ")[0]}"`);
    expect(called).toBe(false);
  });

  test.each([
    ["a number", 1],
    ["a plain object", {}],
    ["a bare string", "data"],
    ["a Promise", Promise.resolve([])],
    ["undefined", undefined],
  ])("a source that is %s throws a TypeError", (_, source) => {
    expect(() => sseResponse(source as never)).toThrow(TypeError);
  });
});

describe("sseResponse body", () => {
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

  test("a finite source ends the response and the client reads it to the end", async () => {
    const url = await start(() => sseResponse(["one", { event: "two", data: 2 }], { retry: 1000 }));
    const response = await within(fetch(url), 5000, "fetch");
    const text = await readText(response.body as ReadableStream<Uint8Array>);
    expect(text).toBe("retry: 1000\n\ndata: one\n\nevent: two\ndata: 2\n\n");
  });
});
