/**
 * The runtime matrix: the same checks, from a real client, against any server
 * that serves `shared/app.ts` — for its plain `sseResponse` route and its Hono
 * `sse()` route alike. Each runtime's test file starts its server and calls
 * {@link describeMatrix}.
 *
 * The tests of one runtime run concurrently, the slow ones (12 s of silence)
 * first, so a runtime takes about as long as its slowest test.
 *
 * @module
 */
import { EventSource } from "eventsource";
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, beforeAll, describe, type ExpectStatic, test } from "vitest";
import { ID_SUFFIX } from "./app.ts";
import { type StreamClient, type Transport, utf8HeaderValue } from "./client.ts";

/** How the runtime under test learns that a client left. */
export type LeaveDetection =
  /** At once, whether or not the stream is writing (Node, Deno, Bun). */
  | { kind: "immediate" }
  /**
   * Only when the stream next writes: an event, or at the latest the keepalive
   * (5 s by default). workerd with `enable_request_signal`.
   */
  | { kind: "next-write" }
  /** Never: the source is neither returned nor told (workerd without `enable_request_signal`). */
  | { kind: "never" };

export interface MatrixOptions {
  /** Starts the server and returns how to reach it; called once in beforeAll. */
  start(): Promise<Transport>;
  /** Stops the server; called in afterAll, also when start or a test failed. */
  stop(): Promise<void>;
  /** How the runtime learns that a client left. @defaultValue `{ kind: "immediate" }` */
  leave?: LeaveDetection | undefined;
  /** The transport speaks HTTP/2: also check that no connection-specific header is sent. */
  http2?: boolean | undefined;
}

/** "Within about a second" on a loaded two-core machine, polled every 50 ms. */
const PROMPTLY = 1000;
/** The default keepalive interval, the latest moment a next-write runtime notices a leave. */
const KEEPALIVE = 5000;

let keys = 0;
function uniqueKey(label: string): string {
  return `${label}-${process.pid}-${++keys}-${Date.now()}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What the server noted under `key`. */
async function journal(transport: Transport, key: string): Promise<string[]> {
  return (await transport.json(`/journal?key=${encodeURIComponent(key)}`)) as string[];
}

/** Polls the journal until `done(entries)` holds; resolves with the entries and the wait, or null. */
async function journalUntil(
  transport: Transport,
  key: string,
  done: (entries: string[]) => boolean,
  timeoutMs: number,
): Promise<{ entries: string[]; waitedMs: number } | null> {
  const started = performance.now();
  for (;;) {
    const entries = await journal(transport, key);
    const waitedMs = performance.now() - started;
    if (done(entries)) return { entries, waitedMs };
    if (waitedMs > timeoutMs) return null;
    await sleep(50);
  }
}

const closes = (entries: string[]): string[] => entries.filter((e) => e.startsWith("close:"));

/** Checks that the server's record ends with exactly one close, of one of `reasons`, and a finally. */
async function expectOneClose(
  expect: ExpectStatic,
  transport: Transport,
  key: string,
  reasons: readonly string[],
): Promise<void> {
  // Give a late second report (Deno's request.signal aborting after the end) time to show.
  await sleep(500);
  const entries = await journal(transport, key);
  expect(closes(entries)).toHaveLength(1);
  expect(reasons.map((r) => `close:${r}`)).toContain(closes(entries)[0]);
  expect(entries.filter((e) => e === "finally")).toHaveLength(1);
}

/** Opens a stream and closes it at the end of the test, whatever happens. */
async function withStream<T>(
  transport: Transport,
  path: string,
  headers: Record<string, string>,
  body: (client: StreamClient) => Promise<T>,
): Promise<T> {
  const client = await transport.open(path, headers);
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

/**
 * Declares the matrix for one runtime (and one HTTP version).
 *
 * @param title - The runtime and its version, as the report should read.
 */
export function describeMatrix(title: string, options: MatrixOptions): void {
  const leave = options.leave ?? { kind: "immediate" };
  let transport: Transport | undefined;
  const server = (): Transport => {
    if (transport === undefined) throw new Error(`${title}: the server did not start`);
    return transport;
  };

  describe(title, { concurrent: true }, () => {
    beforeAll(async () => {
      try {
        transport = await options.start();
      } catch (error) {
        await options.stop();
        throw error;
      }
    });
    afterAll(async () => {
      transport?.dispose();
      await options.stop();
    });

    for (const route of ["plain", "hono"] as const) {
      const via = route === "plain" ? "sseResponse" : "Hono sse()";
      const path = (scenario: string, key: string): string => `/${route}/${scenario}?key=${key}`;

      // Real clients, on the transports that take a URL (not the h2c one).
      if (!options.http2) {
        test(`${via}: the eventsource package gets typed events with ids, and after the end reconnects with Last-Event-ID`, async ({
          expect,
        }) => {
          const t = server();
          if (t.origin === undefined) throw new Error("an HTTP/1.1 transport has an origin");
          const key = uniqueKey(route);
          const source = new EventSource(`${t.origin}${path("relay", key)}`);
          try {
            const received: { data: string; id: string }[] = [];
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(
                () => reject(new Error(`got ${JSON.stringify(received)}`)),
                10_000,
              );
              source.addEventListener("count", (event) => {
                received.push({ data: event.data, id: event.lastEventId });
                if (received.length === 4) {
                  clearTimeout(timer);
                  resolve();
                }
              });
            });
            expect(received).toEqual([
              { data: "1", id: "1" },
              { data: "2", id: "2" },
              { data: "3", id: "3" },
              { data: "4", id: "4" },
            ]);
          } finally {
            source.close();
          }
          const entries = await journal(t, key);
          expect(entries.filter((e) => e.startsWith("last-event-id:")).slice(0, 2)).toEqual([
            "last-event-id:",
            "last-event-id:2",
          ]);
        });

        test(`${via}: fetch() reads the body through eventsource-parser to its end`, async ({
          expect,
        }) => {
          const t = server();
          if (t.origin === undefined) throw new Error("an HTTP/1.1 transport has an origin");
          const key = uniqueKey(route);
          const response = await fetch(`${t.origin}${path("finite", key)}`, {
            headers: { accept: "text/event-stream" },
            signal: AbortSignal.timeout(10_000),
          });
          expect(response.status).toBe(200);
          expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
          const events: EventSourceMessage[] = [];
          const parser = createParser({ onEvent: (event) => events.push(event) });
          const decoder = new TextDecoder();
          for await (const chunk of response.body ?? [])
            parser.feed(decoder.decode(chunk, { stream: true }));
          expect(events.map((e) => [e.id, e.data])).toEqual([
            ["1", "event 1"],
            ["2", "event 2"],
            ["3", "event 3"],
          ]);
          await expectOneClose(expect, t, key, ["done"]);
        });
      }

      // The slow one first, so that it overlaps the others.
      test(`${via}: a stream silent for 12 s with default options stays open and delivers both events`, async ({
        expect,
      }) => {
        const t = server();
        const key = uniqueKey(route);
        await withStream(t, path("quiet", key), {}, async (client) => {
          expect((await client.next(5000)).event).toBe("before");
          const after = await client.next(20_000);
          expect(after.event).toBe("after");
          // The keepalive comments are what kept Bun (10 s idle timeout) and proxies from cutting it.
          expect(client.comments).toBeGreaterThanOrEqual(2);
          await client.ended(5000);
        });
        await expectOneClose(expect, t, key, ["done"]);
      });

      test(`${via}: status and headers reach the client before the source yields anything`, async ({
        expect,
      }) => {
        const t = server();
        const key = uniqueKey(route);
        await withStream(t, path("slow-start", key), {}, async (client) => {
          // The source waits 3 s before its first event; the head must not wait for it.
          expect(client.headMs).toBeLessThan(PROMPTLY);
          expect(client.status).toBe(200);
          expect(client.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
          expect(client.headers["cache-control"]).toBe("no-cache, no-transform");
          expect(client.headers["x-accel-buffering"]).toBe("no");
          expect(client.headers["content-length"]).toBeUndefined();
          expect(await journal(t, key)).toEqual(["start"]);
          const first = await client.next(10_000);
          expect(first).toMatchObject({ event: "first", data: "after 3 s" });
        });
      });

      test(`${via}: an event reaches the client while the source is still running`, async ({
        expect,
      }) => {
        const t = server();
        const key = uniqueKey(route);
        await withStream(t, path("park", key), {}, async (client) => {
          expect(await client.next(5000)).toMatchObject({ event: "ready", data: "parked" });
          // The source has yielded and now waits: nothing has ended it.
          expect(await journal(t, key)).toEqual(["start"]);
        });
      });

      if (leave.kind === "never") {
        test(`${via}: a client that leaves is never reported (the runtime does not tell the stream)`, async ({
          expect,
        }) => {
          const t = server();
          const key = uniqueKey(route);
          const client = await t.open(path("tick", key));
          expect((await client.next(5000)).event).toBe("tick");
          client.close();
          // Past one keepalive and several ticks: still nothing on the server.
          await sleep(KEEPALIVE + 2000);
          expect(await journal(t, key)).toEqual(["start"]);
        });
      } else {
        // Observed on workerd: 5.0 s after the last write, when the keepalive goes out.
        const parkedWithin = leave.kind === "immediate" ? PROMPTLY : KEEPALIVE + 2 * PROMPTLY;
        const leaveTest = (scenario: string, within: number, what: string): void => {
          test(`${via}: a client that leaves ${what} ends the source within ${within} ms, reported once as cancel or abort`, async ({
            expect,
          }) => {
            const t = server();
            const key = uniqueKey(route);
            const client = await t.open(path(scenario, key));
            await client.next(5000);
            client.close();
            const seen = await journalUntil(
              t,
              key,
              (entries) => entries.includes("finally") && closes(entries).length > 0,
              within + 5000,
            );
            expect(seen, "the server never noticed the client leaving").not.toBeNull();
            expect(seen?.waitedMs).toBeLessThan(within);
            await expectOneClose(expect, t, key, ["cancel", "abort"]);
          });
        };
        // A next-write runtime notices at the next tick (every 500 ms).
        leaveTest(
          "tick",
          leave.kind === "immediate" ? PROMPTLY : 500 + PROMPTLY,
          "a ticking stream",
        );
        leaveTest("park", parkedWithin, "a silent stream");
      }

      test(`${via}: a source that ends before the head goes out is still streamed, with no Content-Length`, async ({
        expect,
      }) => {
        const t = server();
        // Bun 1.4.5 gave a body that had closed before its head was written a Content-Length.
        await withStream(t, path("instant", uniqueKey(route)), {}, async (client) => {
          expect(client.headers["content-length"]).toBeUndefined();
          expect(await client.next(5000)).toMatchObject({ event: "only", data: "one" });
          await client.ended(5000);
        });
      });

      test(`${via}: a source that finishes reports done exactly once`, async ({ expect }) => {
        const t = server();
        const key = uniqueKey(route);
        await withStream(t, path("finite", key), {}, async (client) => {
          for (const n of [1, 2, 3]) {
            expect(await client.next(5000)).toMatchObject({ id: String(n), data: `event ${n}` });
          }
          await client.ended(5000);
        });
        const seen = await journalUntil(t, key, (e) => closes(e).length > 0, 5000);
        expect(seen).not.toBeNull();
        await expectOneClose(expect, t, key, ["done"]);
      });

      test(`${via}: a reconnect with a non-ASCII Last-Event-ID resumes after the last event received`, async ({
        expect,
      }) => {
        const t = server();
        const first = uniqueKey(route);
        const lastId = await withStream(t, path("resume", first), {}, async (client) => {
          expect((await client.next(5000)).id).toBe(`1${ID_SUFFIX}`);
          const second = await client.next(5000);
          expect(second.id).toBe(`2${ID_SUFFIX}`);
          return second.id ?? "";
        });
        const again = uniqueKey(route);
        const headers = { "last-event-id": utf8HeaderValue(lastId) };
        await withStream(t, path("resume", again), headers, async (client) => {
          // The data is the Last-Event-ID as the source saw it, decoded as UTF-8.
          expect(await client.next(5000)).toMatchObject({ id: `3${ID_SUFFIX}`, data: lastId });
          expect(await journal(t, again)).toContain(`last-event-id:2${ID_SUFFIX}`);
        });
      });

      if (options.http2 === true) {
        test(`${via}: over HTTP/2 the response carries no connection-specific headers`, async ({
          expect,
        }) => {
          const t = server();
          await withStream(t, path("park", uniqueKey(route)), {}, async (client) => {
            expect(client.status).toBe(200);
            for (const name of [
              "connection",
              "transfer-encoding",
              "keep-alive",
              "content-length",
            ]) {
              expect(client.headers[name], name).toBeUndefined();
            }
            expect((await client.next(5000)).event).toBe("ready");
          });
        });
      }
    }
  });
}
