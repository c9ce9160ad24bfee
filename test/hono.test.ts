/**
 * `web-sse/hono`: `sse()` and `acceptEventStream()` on a real Hono app, driven
 * through `app.request()`. The runtime matrix (test/runtimes/) runs the same
 * adapter on real servers.
 */
import { type Context, Hono } from "hono";
import { describe, expect, expectTypeOf, test } from "vitest";
import { acceptEventStream, sse } from "../src/hono.ts";
import type { SSECloseReason, SSEContext } from "../src/index.ts";
import { parse, StreamReader, sleep, waitFor } from "./helpers/core-sse.ts";

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

describe("acceptEventStream()", () => {
  const app = new Hono()
    .use("/guarded/*", acceptEventStream())
    .get("/guarded/json", (c) => c.json({ reached: true }));

  test("acceptEventStream() answers 406 with Vary: Accept when Accept refuses text/event-stream", async () => {
    const response = await app.request("/guarded/json", {
      headers: { accept: "application/json" },
    });
    expect(response.status).toBe(406);
    expect(response.headers.get("vary")).toMatch(/\baccept\b/i);
    expect((await response.text()).length).toBeLessThan(200);
  });

  test("acceptEventStream() lets a request that accepts text/event-stream through to the route", async () => {
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

describe("sse() option checks", () => {
  const source = () => [];

  test.each([
    ["a negative keepAlive", { keepAlive: -1 }, RangeError],
    ["a fractional sendTimeout", { sendTimeout: 1.5 }, RangeError],
    ["a string maxDuration", { maxDuration: "10" as never }, TypeError],
    ["a negative retry", { retry: -5 }, RangeError],
    ["a Connection header", { headers: { connection: "keep-alive" } }, TypeError],
    ["a Content-Length header", { headers: { "content-length": "0" } }, TypeError],
    ["an onClose that is not a function", { onClose: 1 as never }, TypeError],
    ["a status that allows no body", { status: 204 }, RangeError],
  ] as const)("sse() throws at definition for %s", (_, options, error) => {
    expect(() => sse(source, options)).toThrow(error);
  });

  test("sse() throws a TypeError at definition when the source is not a function", () => {
    expect(() => sse(["a"] as never)).toThrow(TypeError);
    expect(() => sse("data" as never)).toThrow(TypeError);
  });
});
