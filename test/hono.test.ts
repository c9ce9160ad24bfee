/**
 * `web-sse/hono`: `sse()` and `acceptEventStream()` on a real Hono app, driven
 * through `app.request()`. The runtime matrix (test/runtimes/) runs the same
 * adapter on real servers.
 */
import { type Context, type Env, type Handler, Hono } from "hono";
import { cors } from "hono/cors";
import { afterEach, describe, expect, expectTypeOf, test, vi } from "vitest";
import { acceptEventStream, requireEventStream, sse } from "../src/hono.ts";
import type { SSECloseReason, SSEContext } from "../src/index.ts";
import { type RunningServer, startServer, within } from "./clients/node-server.ts";
import { parse, StreamReader, sleep, waitFor } from "./helpers/core-sse.ts";

/** Every header a response must never carry: the connection is the server's business. */
const CONNECTION_HEADERS = [
  "connection",
  "transfer-encoding",
  "keep-alive",
  "content-length",
  "upgrade",
  "proxy-connection",
  "te",
];

let running: RunningServer | undefined;
afterEach(async () => {
  const server = running;
  running = undefined;
  await server?.close();
});

/** Serves `app` with @hono/node-server on 127.0.0.1 and returns its base URL. */
async function serve(app: { fetch: (request: Request) => Response | Promise<Response> }) {
  running = await startServer(app.fetch);
  return running.url;
}

/** A source that yields one event, then waits (tied to ctx.signal) and notes its finally. */
function parked(log: string[]) {
  return async function* (_c: Context, { signal }: SSEContext) {
    try {
      yield { event: "ready", data: "1" };
      await sleep(60_000, signal);
    } finally {
      log.push("finally");
    }
  };
}

async function readEvents(response: Response, ms = 5000) {
  if (response.body === null) throw new Error("no body");
  return parse(await new StreamReader(response.body).readAll(ms)).events;
}

describe("sse() Accept negotiation", () => {
  test("sse() answers 406 with Vary: Accept and a short text body when Accept refuses text/event-stream", async () => {
    let called = false;
    const app = new Hono().get(
      "/events",
      sse(async function* () {
        called = true;
        yield "never";
      }),
    );
    const response = await app.request("/events", { headers: { accept: "application/json" } });
    expect(response.status).toBe(406);
    expect(response.headers.get("vary")).toMatch(/\baccept\b/i);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const body = await response.text();
    expect(body.length).toBeGreaterThan(0);
    expect(body.length).toBeLessThan(200);
    expect(called).toBe(false);
  });

  test("sse()'s 406 adds Accept to a Vary set earlier (CORS's Origin) instead of replacing it", async () => {
    const app = new Hono()
      .use(async (c, next) => {
        c.header("Vary", "Origin");
        await next();
      })
      .get(
        "/events",
        sse(() => ["never"]),
      );
    const response = await app.request("/events", { headers: { accept: "application/json" } });
    expect(response.status).toBe(406);
    expect(response.headers.get("vary")).toBe("Origin, Accept");
  });

  test.each([
    ["no Accept header", undefined],
    ["text/event-stream", "text/event-stream"],
    ["*/*", "*/*"],
    ["text/* among others", "application/json;q=0.5, text/*"],
  ])("sse() streams when the request sends %s", async (_, accept) => {
    const app = new Hono().get(
      "/events",
      sse(() => ["a", "b"]),
    );
    const response = await app.request(
      "/events",
      accept === undefined ? {} : { headers: { accept } },
    );
    expect(response.status).toBe(200);
    expect((await readEvents(response)).map((e) => e.data)).toEqual(["a", "b"]);
  });
});

describe.each([
  ["acceptEventStream()", acceptEventStream],
  ["requireEventStream()", requireEventStream],
])("%s", (_, middleware) => {
  const app = new Hono()
    .use("/guarded/*", middleware())
    .get("/guarded/json", (c) => c.json({ reached: true }));

  test("answers 406 with Vary: Accept and a short text body when Accept refuses text/event-stream", async () => {
    const response = await app.request("/guarded/json", {
      headers: { accept: "application/json" },
    });
    expect(response.status).toBe(406);
    expect(response.headers.get("vary")).toMatch(/\baccept\b/i);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect((await response.text()).length).toBeLessThan(200);
  });

  test("keeps a Vary and a CORS header set earlier on its 406", async () => {
    const guarded = new Hono()
      .use(async (c, next) => {
        c.header("Vary", "Origin");
        c.header("access-control-allow-origin", "*");
        c.header("connection", "close");
        await next();
      })
      .use(middleware())
      .get("/", (c) => c.text("reached"));
    const response = await guarded.request("/", { headers: { accept: "application/json" } });
    expect(response.status).toBe(406);
    expect(response.headers.get("vary")).toBe("Origin, Accept");
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("connection")).toBeNull();
  });

  test("lets a request that accepts text/event-stream through to the route", async () => {
    for (const headers of [{ accept: "text/event-stream" }, {}]) {
      const response = await app.request("/guarded/json", { headers });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ reached: true });
    }
  });
});

describe("sse() responses", () => {
  test("sse() sends the event-stream headers of the contract and no connection headers", async () => {
    const app = new Hono().get(
      "/events",
      sse(() => ["x"]),
    );
    const response = await app.request("/events");
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    for (const name of ["connection", "transfer-encoding", "keep-alive", "content-length"]) {
      expect(response.headers.get(name), name).toBeNull();
    }
    await response.body?.cancel();
  });

  test("sse() uses options.status and merges options.headers over the defaults", async () => {
    const app = new Hono().get(
      "/events",
      sse(() => ["x"], { status: 201, headers: { "cache-control": "no-store", "x-extra": "1" } }),
    );
    const response = await app.request("/events");
    expect(response.status).toBe(201);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-extra")).toBe("1");
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    await response.body?.cancel();
  });

  test("sse() keeps headers that middleware set earlier with c.header()", async () => {
    const app = new Hono()
      .use(async (c, next) => {
        c.header("access-control-allow-origin", "https://example.test");
        c.header("set-cookie", "a=1");
        c.header("set-cookie", "b=2", { append: true });
        await next();
      })
      .get(
        "/events",
        sse(() => ["x"]),
      );
    const response = await app.request("/events");
    expect(response.headers.get("access-control-allow-origin")).toBe("https://example.test");
    expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect((await readEvents(response)).map((e) => e.data)).toEqual(["x"]);
  });

  test("sse() streams an event while the source is still running", async () => {
    const log: string[] = [];
    const app = new Hono().get("/events", sse(parked(log)));
    const controller = new AbortController();
    const response = await app.request(
      new Request("http://localhost/events", { signal: controller.signal }),
    );
    if (response.body === null) throw new Error("no body");
    const reader = new StreamReader(response.body);
    await reader.readUntil((text) => text.includes("event: ready\ndata: 1\n\n"), 2000);
    expect(log).toEqual([]);
    controller.abort();
    await waitFor(() => log.includes("finally"), 1000, "the source's finally");
  });
});

describe("sse() Last-Event-ID", () => {
  const seen: (string | undefined)[] = [];
  const app = new Hono().get(
    "/events",
    sse((_c, { lastEventId }) => {
      seen.push(lastEventId);
      return [{ data: lastEventId ?? "none" }];
    }),
  );

  test("sse() passes an ASCII Last-Event-ID to ctx.lastEventId", async () => {
    const response = await app.request("/events", { headers: { "last-event-id": "42" } });
    expect((await readEvents(response))[0]?.data).toBe("42");
  });

  test("sse() decodes a non-ASCII Last-Event-ID sent as UTF-8 bytes (a Latin-1 string here)", async () => {
    // What a runtime hands over for the bytes of "…é": one code unit per byte.
    const onTheWire = String.fromCharCode(...new TextEncoder().encode("7…é"));
    const response = await app.request("/events", { headers: { "last-event-id": onTheWire } });
    expect((await readEvents(response))[0]?.data).toBe("7…é");
  });

  test("sse() gives ctx.lastEventId undefined without the header", async () => {
    seen.length = 0;
    const response = await app.request("/events");
    expect((await readEvents(response))[0]?.data).toBe("none");
    expect(seen).toEqual([undefined]);
  });
});

describe("sse() and the Hono Context", () => {
  type AppEnv = { Variables: { user: string } };

  test("sse() hands the source the request's Context: query, params and middleware variables", async () => {
    const app = new Hono<AppEnv>()
      .use(async (c, next) => {
        c.set("user", "ada");
        await next();
      })
      .get(
        "/rooms/:room",
        // The Env is given explicitly: TypeScript cannot infer it through Hono's route overloads.
        sse<AppEnv>((c) => [
          { event: "who", data: c.get("user") },
          { event: "room", data: c.req.param("room") },
          { event: "since", data: c.req.query("since") ?? "" },
        ]),
      );
    const response = await app.request("/rooms/lobby?since=5");
    const events = await readEvents(response);
    expect(events.map((e) => [e.event, e.data])).toEqual([
      ["who", "ada"],
      ["room", "lobby"],
      ["since", "5"],
    ]);
  });

  test("sse<Env>() types the source's Context with the app's Env", () => {
    const handler = sse<AppEnv>((c) => {
      expectTypeOf(c.get("user")).toEqualTypeOf<string>();
      // @ts-expect-error: "missing" is not a variable of AppEnv.
      c.get("missing");
      return [];
    });
    // The handler fits a route of a Hono app with the same Env.
    new Hono<AppEnv>().get("/typed", handler);
    expectTypeOf(sse).parameter(0).parameter(1).toEqualTypeOf<SSEContext>();
  });

  test("sse<Env, Path>() types the route's path parameters as strings", async () => {
    const app = new Hono<AppEnv>().get(
      "/rooms/:room/:seat?",
      sse<AppEnv, "/rooms/:room/:seat?">((c) => {
        expectTypeOf(c.req.param("room")).toEqualTypeOf<string>();
        expectTypeOf(c.req.param("seat")).toEqualTypeOf<string | undefined>();
        expectTypeOf(c.req.param()).toHaveProperty("room").toEqualTypeOf<string>();
        return [c.req.param("room")];
      }),
    );
    expect((await readEvents(await app.request("/rooms/lobby"))).map((e) => e.data)).toEqual([
      "lobby",
    ]);
  });

  test("sse<Env>() is exactly the Handler<Env> of the contract", () => {
    expectTypeOf(sse<AppEnv>(() => [])).toEqualTypeOf<Handler<AppEnv>>();
    expectTypeOf(sse(() => [])).toEqualTypeOf<Handler<Env>>();
  });

  test("sse() without a path type reads a path parameter as string | undefined", () => {
    // TypeScript cannot carry app.get()'s path into a handler made by a call:
    // the parameter then reads as Hono types an unknown path.
    sse((c) => {
      expectTypeOf(c.req.param("room")).toEqualTypeOf<string | undefined>();
      return [];
    });
  });
});

describe("sse() ending the stream", () => {
  test("sse() ends the stream when options.signal aborts: finally runs, onClose says abort", async () => {
    const log: string[] = [];
    const reasons: SSECloseReason[] = [];
    const route = new AbortController();
    const app = new Hono().get(
      "/events",
      sse(parked(log), { signal: route.signal, onClose: (r) => reasons.push(r) }),
    );
    const response = await app.request("/events");
    if (response.body === null) throw new Error("no body");
    const reader = new StreamReader(response.body);
    await reader.readUntil((text) => text.includes("event: ready"), 2000);
    route.abort();
    await waitFor(() => log.includes("finally"), 1000, "the source's finally");
    await reader.readAll(1000);
    expect(reasons).toEqual(["abort"]);
  });

  test("sse() ends the stream when the request's signal aborts: finally runs, onClose says abort", async () => {
    const log: string[] = [];
    const reasons: SSECloseReason[] = [];
    const app = new Hono().get("/events", sse(parked(log), { onClose: (r) => reasons.push(r) }));
    const client = new AbortController();
    const response = await app.request(
      new Request("http://localhost/events", { signal: client.signal }),
    );
    if (response.body === null) throw new Error("no body");
    const reader = new StreamReader(response.body);
    await reader.readUntil((text) => text.includes("event: ready"), 2000);
    client.abort();
    await waitFor(() => log.includes("finally"), 1000, "the source's finally");
    expect(reasons).toEqual(["abort"]);
  });

  test("sse() returns the source when the client cancels the body: onClose says cancel", async () => {
    const log: string[] = [];
    const reasons: SSECloseReason[] = [];
    const app = new Hono().get("/events", sse(parked(log), { onClose: (r) => reasons.push(r) }));
    const response = await app.request("/events");
    if (response.body === null) throw new Error("no body");
    const reader = new StreamReader(response.body);
    await reader.readUntil((text) => text.includes("event: ready"), 2000);
    await reader.reader.cancel();
    await waitFor(() => log.includes("finally"), 1000, "the source's finally");
    expect(reasons).toEqual(["cancel"]);
  });

  test("sse() with an options.signal already aborted ends each stream at once", async () => {
    const reasons: SSECloseReason[] = [];
    const app = new Hono().get(
      "/events",
      sse(() => ["never"], { signal: AbortSignal.abort(), onClose: (r) => reasons.push(r) }),
    );
    const response = await app.request("/events");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    expect(reasons).toEqual(["abort"]);
  });
});

// The option table every entry point is checked against lives in test/response.test.ts.
describe("sse() checks at definition", () => {
  test("sse() throws a TypeError at definition when the source is not a function", () => {
    expect(() => sse(["a"] as never)).toThrow(/^sse: the source must be a function/);
    expect(() => sse("data" as never)).toThrow(TypeError);
  });

  test("sse() refuses a request option at definition: it always uses the request it answers", () => {
    const request = new Request("http://localhost/");
    let error: unknown;
    try {
      sse(() => [], { request });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^sse: "request"/);
    expect((error as Error).message).toMatch(/c\.req\.raw/);
  });

  test("sse() errors about options say sse:, not sseStream:", () => {
    expect(() => sse(() => [], { keepAlive: -1 })).toThrow(RangeError);
    expect(() => sse(() => [], { keepAlive: -1 })).toThrow(/^sse: "keepAlive"/);
    expect(() => sse(() => [], { headers: { "bad name": "x" } })).toThrow(/^sse: "headers"/);
  });
});

describe("sse() when the source function returns something that is not a source", () => {
  test.each([
    ["a string", "ada", /^sse: the source function returned a string \("ada"\)/],
    ["a number", 42, /^sse: the source function must return .* \(got 42\)/],
    [
      "a plain object",
      { data: "x" },
      /^sse: the source function must return .* \(got \{"data":"x"\}\)/,
    ],
    [
      "a promise of a string",
      Promise.resolve("ada"),
      /^sse: the source function returned a string/,
    ],
  ])("%s is a clear TypeError on the onError path, and nothing is sent", async (_, value, rule) => {
    const errors: unknown[] = [];
    const reasons: SSECloseReason[] = [];
    const app = new Hono().get(
      "/events",
      sse(() => value as never, {
        onError: (error) => {
          errors.push(error);
        },
        onClose: (r) => reasons.push(r),
      }),
    );
    const response = await app.request("/events");
    expect(await within(response.text(), 2000, "the body")).toBe("");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect((errors[0] as Error).message).toMatch(rule);
    expect(reasons).toEqual(["error"]);
  });
});

describe("sse() when the source function returns a string, without onError", () => {
  test('sse<AppEnv>((c) => c.get("user")) is reported on the server by console.error naming the mistake; the client gets an empty stream', async () => {
    type AppEnv = { Variables: { user: string } };
    const logged: unknown[][] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      logged.push(args);
    });
    try {
      const app = new Hono<AppEnv>()
        .use(async (c, next) => {
          c.set("user", "ada");
          await next();
        })
        // A string is an Iterable<string> to TypeScript, so this compiles.
        .get(
          "/events",
          sse<AppEnv>((c) => c.get("user")),
        );
      const response = await app.request("/events");
      expect(await within(response.text(), 2000, "the body")).toBe("");
      await waitFor(() => logged.length > 0, 1000, "console.error");
      const error = logged[0]?.find((arg) => arg instanceof TypeError) as TypeError | undefined;
      expect(error?.message).toMatch(/^sse: the source function returned a string \("ada"\)/);
    } finally {
      spy.mockRestore();
    }
  });
});

describe("sse() answers HEAD with the headers and no stream", () => {
  /** A route whose source and stream log what happens to them. */
  function logged(log: string[]) {
    return new Hono()
      .use(async (c, next) => {
        c.header("x-from-middleware", "1");
        await next();
      })
      .get(
        "/events",
        sse(
          async function* () {
            log.push("source called");
            yield "x";
          },
          // Short timers: a stream left dangling would time out and report it.
          { keepAlive: 20, sendTimeout: 40, onClose: (r) => log.push(`closed: ${r}`) },
        ),
      );
  }

  test("HEAD through app.request(): status and headers of a GET, no body, the source never called, no stream left open", async () => {
    const log: string[] = [];
    const app = logged(log);
    const response = await app.request("/events", { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-from-middleware")).toBe("1");
    expect(response.body).toBeNull();
    // A stream made and dropped would say "closed: timeout" after about 60 ms.
    await sleep(400);
    expect(log).toEqual([]);
  });

  test("HEAD refused by Accept is a 406 like a GET", async () => {
    const log: string[] = [];
    const response = await logged(log).request("/events", {
      method: "HEAD",
      headers: { accept: "application/json" },
    });
    expect(response.status).toBe(406);
    expect(response.headers.get("vary")).toMatch(/\baccept\b/i);
  });

  test("HEAD over @hono/node-server: the headers arrive, the source is never called, and a GET then streams", async () => {
    const log: string[] = [];
    const url = await serve(logged(log));
    const head = await within(fetch(`${url}/events`, { method: "HEAD" }), 5000, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(head.headers.get("x-from-middleware")).toBe("1");
    expect(await within(head.text(), 2000, "the HEAD body")).toBe("");
    await sleep(400);
    expect(log).toEqual([]);
    const get = await within(fetch(`${url}/events`), 5000, "GET");
    expect(await within(get.text(), 5000, "the GET body")).toBe("data: x\n\n");
    expect(log).toEqual(["source called", "closed: done"]);
  });
});

describe("sse() headers: options.headers over c.header() over the defaults, never a connection header", () => {
  /** Middleware that sets, through c.header(), a Cache-Control and every connection header. */
  function withHeaders(
    options?: Parameters<typeof sse>[1],
    touchRes = false,
    source: Parameters<typeof sse>[0] = () => ["one event, longer than five bytes"],
  ) {
    return new Hono()
      .use(async (c, next) => {
        c.header("cache-control", "private, no-cache");
        c.header("x-request-id", "r-1");
        c.header("connection", "close");
        c.header("content-length", "5");
        c.header("transfer-encoding", "gzip");
        c.header("keep-alive", "timeout=99");
        c.header("upgrade", "websocket");
        c.header("proxy-connection", "keep-alive");
        c.header("te", "trailers");
        // Reading c.res makes Hono merge these headers into the handler's
        // response after it returns: they must be cleaned at the source too.
        if (touchRes) void c.res;
        await next();
      })
      .get("/events", sse(source, options));
  }

  test.each([
    ["", false],
    [" (c.res read before the handler)", true],
  ])("a Cache-Control set with c.header() wins over the default%s", async (_, touchRes) => {
    const response = await withHeaders(undefined, touchRes).request("/events");
    expect(response.headers.get("cache-control")).toBe("private, no-cache");
    expect(response.headers.get("x-request-id")).toBe("r-1");
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    await response.body?.cancel();
  });

  test.each([
    ["", false],
    [" (c.res read before the handler)", true],
  ])("options.headers win over c.header()%s", async (_, touchRes) => {
    const response = await withHeaders(
      { headers: { "Cache-Control": "no-store", "x-request-id": "r-2" } },
      touchRes,
    ).request("/events");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("x-request-id")).toBe("r-2");
    await response.body?.cancel();
  });

  test.each([
    ["", false],
    [" (c.res read before the handler)", true],
  ])("connection headers set with c.header() never go out%s", async (_, touchRes) => {
    const response = await withHeaders(undefined, touchRes).request("/events");
    for (const name of CONNECTION_HEADERS) expect(response.headers.get(name), name).toBeNull();
    expect((await readEvents(response)).map((e) => e.data)).toEqual([
      "one event, longer than five bytes",
    ]);
  });

  test("connection headers in options.headers are dropped, not an error (an AI SDK's header set works as given)", async () => {
    const response = await withHeaders({
      headers: {
        connection: "keep-alive",
        "content-length": "3",
        "x-vercel-ai-ui-message-stream": "v1",
      },
    }).request("/events");
    for (const name of CONNECTION_HEADERS) expect(response.headers.get(name), name).toBeNull();
    expect(response.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    expect((await readEvents(response)).map((e) => e.data)).toEqual([
      "one event, longer than five bytes",
    ]);
  });

  test("Hono's own cors() middleware (which writes to c.res.headers) keeps its headers on the stream", async () => {
    const app = new Hono().use(cors({ origin: "https://app.example", credentials: true })).get(
      "/events",
      sse(() => ["x"]),
    );
    const response = await app.request("/events", {
      headers: { origin: "https://app.example" },
    });
    expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("vary")).toMatch(/\borigin\b/i);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect((await readEvents(response)).map((e) => e.data)).toEqual(["x"]);
  });

  test("over @hono/node-server: c.header()'s Cache-Control arrives, its Connection and Content-Length do not, and the stream is whole", async () => {
    // A stream that stays open: @hono/node-server sets its own Content-Length
    // on a body that is already complete when it starts writing.
    const url = await serve(
      withHeaders(undefined, false, async function* (_c, { signal }) {
        yield "one event, longer than five bytes";
        await sleep(60_000, signal);
      }),
    );
    const client = new AbortController();
    const response = await within(fetch(`${url}/events`, { signal: client.signal }), 5000, "fetch");
    expect(response.headers.get("cache-control")).toBe("private, no-cache");
    expect(response.headers.get("x-request-id")).toBe("r-1");
    // Node's HTTP/1.1 server frames the connection itself (Connection: keep-alive,
    // Keep-Alive: timeout=5, Transfer-Encoding: chunked); the middleware's values must not appear.
    expect(response.headers.get("connection")).toBe("keep-alive");
    expect(response.headers.get("keep-alive")).not.toBe("timeout=99");
    expect(response.headers.get("transfer-encoding")).toBe("chunked");
    expect(response.headers.get("content-length")).toBeNull();
    for (const name of ["upgrade", "proxy-connection", "te"]) {
      expect(response.headers.get(name), name).toBeNull();
    }
    if (response.body === null) throw new Error("no body");
    const reader = new StreamReader(response.body);
    await reader.readUntil((text) => text.includes("\n\n"), 5000);
    expect(reader.text).toBe("data: one event, longer than five bytes\n\n");
    client.abort();
    await reader.reader.cancel().catch(() => {});
  });
});
