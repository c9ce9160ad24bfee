/**
 * Headless Chromium's own EventSource against web-sse's Hono route on a real
 * Node server: the page is served by the same server, so every EventSource and
 * fetch below is same-origin and runs exactly as in a user's browser.
 */
import type { HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { sse } from "../../src/hono.ts";
import type { SSECloseReason } from "../../src/index.ts";
import {
  hex,
  type RunningServer,
  rawHeaderBytes,
  sleep,
  startServer,
  until,
} from "../clients/node-server.ts";
import { BLANK_PAGE, launchChromium, skipBrowserTests } from "./chromium.ts";

type Env = { Bindings: HttpBindings };

/** What the page reports for one received event. */
interface Received {
  type: string;
  data: string;
  lastEventId: string;
}

/** The page-side state of the seven-connection test. */
type WithSources = typeof globalThis & { sources: EventSource[] };

describe.skipIf(skipBrowserTests)("Chromium's EventSource against web-sse on Node", () => {
  let browser: Browser | undefined;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Serves `app` (plus a blank page at /) and opens that page in a fresh browser context. */
  async function openPage(app: Hono<Env>): Promise<{ page: Page; server: RunningServer }> {
    if (browser === undefined) throw new Error("Chromium did not start");
    app.get("/", (c) => c.html(BLANK_PAGE));
    const server = await startServer(app.fetch);
    cleanups.push(() => server.close());
    // A context of its own: its own connection pool, closed (with its EventSources) after the test.
    const context = await browser.newContext();
    cleanups.push(() => context.close());
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/`);
    return { page, server };
  }

  /** Opens an EventSource in the page and resolves with the first `count` events of `types`. */
  function receive(page: Page, url: string, types: string[], count: number): Promise<Received[]> {
    return page.evaluate(
      ({ url, types, count }) =>
        new Promise<Received[]>((resolve, reject) => {
          const source = new EventSource(url);
          const received: Received[] = [];
          const timer = setTimeout(() => {
            source.close();
            reject(new Error(`only ${received.length} events: ${JSON.stringify(received)}`));
          }, 8000);
          const onEvent = (event: MessageEvent): void => {
            received.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
            if (received.length < count) return;
            clearTimeout(timer);
            source.close();
            resolve(received);
          };
          for (const type of types) source.addEventListener(type, onEvent as EventListener);
        }),
      { url, types, count },
    );
  }

  test("EventSource receives each event with its type, data and lastEventId", async () => {
    const app = new Hono<Env>();
    app.get(
      "/events",
      sse(async function* (_c, { signal }) {
        yield "plain";
        yield { event: "greeting", id: "g-1", data: "héllo\nwörld" };
        yield { event: "json", data: { n: 1, list: [true, null] } };
        yield { event: "reset", id: "", data: "the id is cleared" };
        yield { event: "done", id: 7, data: "" };
        await sleep(60_000, signal);
      }),
    );
    const { page } = await openPage(app);

    const received = await receive(
      page,
      "/events",
      ["message", "greeting", "json", "reset", "done"],
      5,
    );

    expect(received).toEqual([
      { type: "message", data: "plain", lastEventId: "" },
      { type: "greeting", data: "héllo\nwörld", lastEventId: "g-1" },
      // An event without an id keeps the last one.
      { type: "json", data: '{"n":1,"list":[true,null]}', lastEventId: "g-1" },
      { type: "reset", data: "the id is cleared", lastEventId: "" },
      { type: "done", data: "", lastEventId: "7" },
    ]);
  });

  test("after a normal end the browser reconnects with Last-Event-ID, and a non-ASCII id reaches ctx.lastEventId intact", async () => {
    const seen: { lastEventId: string | undefined; raw: Uint8Array | undefined }[] = [];
    const app = new Hono<Env>();
    app.get(
      "/events",
      sse<Env>(
        async function* (c, { signal, lastEventId }) {
          seen.push({ lastEventId, raw: rawHeaderBytes(c.env, "last-event-id") });
          if (seen.length === 1) {
            yield { id: "…é", data: "first" };
            return;
          }
          yield { data: `again after ${lastEventId}` };
          await sleep(60_000, signal);
        },
        { retry: 100 },
      ),
    );
    const { page } = await openPage(app);

    const received = await receive(page, "/events", ["message"], 2);

    expect(received).toEqual([
      { type: "message", data: "first", lastEventId: "…é" },
      { type: "message", data: "again after …é", lastEventId: "…é" },
    ]);
    expect(seen.map((s) => s.lastEventId)).toEqual([undefined, "…é"]);
    // Chromium sends the id as its UTF-8 bytes; Node hands them over one Latin-1 unit per byte.
    expect(hex(seen[1]?.raw)).toBe(hex(new TextEncoder().encode("…é")));
  });

  test("retry: 500 brings the reconnect in well under the 3 s default", async () => {
    let endedAt: number | undefined;
    const startedAt: number[] = [];
    const app = new Hono<Env>();
    app.get(
      "/events",
      sse(
        async function* (_c, { signal }) {
          startedAt.push(performance.now());
          if (startedAt.length === 1) {
            yield { id: "1", data: "one" };
            return;
          }
          yield { data: "two" };
          await sleep(60_000, signal);
        },
        {
          retry: 500,
          onClose: (reason) => {
            if (reason === "done") endedAt ??= performance.now();
          },
        },
      ),
    );
    const { page } = await openPage(app);

    const received = await receive(page, "/events", ["message"], 2);

    expect(received.map((r) => r.data)).toEqual(["one", "two"]);
    expect(endedAt).toBeDefined();
    const gap = (startedAt[1] ?? Number.POSITIVE_INFINITY) - (endedAt ?? 0);
    expect(gap).toBeLessThan(2000);
  });

  test("closing the EventSource in the page runs the source's finally and onClose within 2 s", async () => {
    let finallyRan = false;
    let signalAborted = false;
    const reasons: SSECloseReason[] = [];
    const app = new Hono<Env>();
    app.get(
      "/events",
      sse(
        async function* (_c, { signal }) {
          try {
            yield { data: "hello" };
            await sleep(60_000, signal);
            yield { data: "never sent" };
          } finally {
            finallyRan = true;
            signalAborted = signal.aborted;
          }
        },
        { onClose: (reason) => reasons.push(reason) },
      ),
    );
    const { page } = await openPage(app);

    // receive() closes the EventSource as soon as the first event is in.
    expect(await receive(page, "/events", ["message"], 1)).toHaveLength(1);
    await until(() => finallyRan && reasons.length > 0, 2000, "finally and onClose after close()");

    expect(signalAborted).toBe(true);
    expect(reasons).toHaveLength(1);
    // @hono/node-server reports a client that left by cancelling the body or aborting request.signal.
    expect(["cancel", "abort"]).toContain(reasons[0]);
  });

  test("a fetch from the page that accepts only JSON gets 406 from the sse() route", async () => {
    let started = 0;
    const app = new Hono<Env>();
    app.get(
      "/events",
      sse(async function* () {
        started++;
        yield { data: "not for JSON clients" };
      }),
    );
    const { page } = await openPage(app);

    const answers = await page.evaluate(async () => {
      const refused = await fetch("/events", { headers: { Accept: "application/json" } });
      const accepted = await fetch("/events", { headers: { Accept: "text/event-stream" } });
      return [
        { status: refused.status, vary: refused.headers.get("vary"), body: await refused.text() },
        {
          status: accepted.status,
          type: accepted.headers.get("content-type"),
          body: await accepted.text(),
        },
      ];
    });

    expect(answers[0]?.status).toBe(406);
    expect(answers[0]?.vary?.toLowerCase()).toContain("accept");
    expect(answers[0]?.body).toMatch(/Not Acceptable/);
    expect(answers[1]).toEqual({
      status: 200,
      type: "text/event-stream; charset=utf-8",
      body: "data: not for JSON clients\n\n",
    });
    expect(started).toBe(1);
  });

  test("a seventh EventSource to one HTTP/1.1 origin waits until one of the six others closes", async () => {
    let open = 0;
    const app = new Hono<Env>();
    app.get(
      "/stream",
      sse(async function* (c, { signal }) {
        open++;
        try {
          yield { data: c.req.query("i") ?? "" };
          await sleep(60_000, signal);
        } finally {
          open--;
        }
      }),
    );
    const { page } = await openPage(app);

    await page.evaluate(() => {
      (globalThis as WithSources).sources = Array.from(
        { length: 7 },
        (_, i) => new EventSource(`/stream?i=${i}`),
      );
    });
    await page.waitForFunction(
      () => (globalThis as WithSources).sources.filter((s) => s.readyState === 1).length === 6,
    );
    // Long enough for a seventh connection to open if Chromium allowed one.
    await sleep(1500);
    const states = await page.evaluate(() =>
      (globalThis as WithSources).sources.map((s) => s.readyState),
    );

    expect(states).toEqual([1, 1, 1, 1, 1, 1, 0]);
    expect(open).toBe(6);

    await page.evaluate(() => (globalThis as WithSources).sources[0]?.close());
    await page.waitForFunction(() => (globalThis as WithSources).sources[6]?.readyState === 1);
    await until(() => open === 6, 2000, "six streams open on the server again");
    await page.evaluate(() => {
      for (const source of (globalThis as WithSources).sources) source.close();
    });
    await until(() => open === 0, 2000, "every stream closed on the server");
  });
});
