/**
 * fetchEvents with web-sse's own server side, on @hono/node-server: a proxy
 * that passes an upstream stream on (the README recipe), and a hub-backed job
 * started by a POST that resumes after a "reload" with nothing lost or twice.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { fetchEvents, type SSEEvent } from "../../src/client.ts";
import { createHub, type Hub } from "../../src/hub.ts";
import { type SSECloseReason, sleep, sseResponse } from "../../src/index.ts";
import { type RunningServer, startServer, until, within } from "../clients/node-server.ts";
import { take } from "./http.ts";

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serve(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<RunningServer> {
  const server = await startServer(fetch);
  cleanup.push(() => server.close());
  return server;
}

/** Like serve(), plus a way to drop every open connection while the server keeps listening. */
async function serveDroppable(
  fetch: (request: Request) => Response | Promise<Response>,
): Promise<RunningServer & { dropConnections(): void }> {
  const { serve: listen } = await import("@hono/node-server");
  const server = await new Promise<Server>((resolve) => {
    const s = listen({ fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(s as Server),
    ) as Server;
  });
  const { port } = server.address() as AddressInfo;
  const running = {
    url: `http://127.0.0.1:${port}`,
    dropConnections: () => server.closeAllConnections(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  cleanup.push(() => running.close());
  return running;
}

describe("fetchEvents with web-sse servers", () => {
  test("a proxy passes an upstream stream on as is, Last-Event-ID included, and a leaving client ends the upstream", async () => {
    const upstreamCloses: SSECloseReason[] = [];
    const upstreamIds: (string | undefined)[] = [];
    const upstream = await serve((request) =>
      sseResponse(
        async function* ({ signal, lastEventId }) {
          upstreamIds.push(lastEventId);
          let n = Number.parseInt(lastEventId ?? "0", 10);
          yield { event: "greeting", data: "multi\nline" };
          yield { id: "", data: "id reset" };
          while (!signal.aborted) {
            n++;
            yield { event: "tick", id: `${n}-\u00e9`, data: { n } };
            await sleep(50, signal);
          }
        },
        { request, onClose: (reason) => upstreamCloses.push(reason) },
      ),
    );
    const proxy = await serve((request) =>
      sseResponse(
        (ctx) =>
          fetchEvents(`${upstream.url}/events`, {
            reconnect: false,
            signal: ctx.signal,
            lastEventId: ctx.lastEventId,
          }),
        { request },
      ),
    );
    const stream = fetchEvents(`${proxy.url}/`, { lastEventId: "10-\u00e9", reconnect: false });
    cleanup.push(() => stream.close());
    const events = await take(stream, 4);
    expect(upstreamIds).toEqual(["10-\u00e9"]);
    expect(events.map(({ event, data, id }) => ({ event, data, id }))).toEqual([
      { event: "greeting", data: "multi\nline", id: undefined },
      { event: "message", data: "id reset", id: "" },
      { event: "tick", data: '{"n":11}', id: "11-\u00e9" },
      { event: "tick", data: '{"n":12}', id: "12-\u00e9" },
    ]);
    stream.close();
    await until(() => upstreamCloses.length === 1, 5000, "the upstream stream to close");
    // @hono/node-server reports a client that left through request.signal ("abort") or the body ("cancel").
    expect(upstreamCloses).toHaveLength(1);
    expect(["cancel", "abort"]).toContain(upstreamCloses[0]);
  });

  describe("a POST-started job on the hub (start: earliest)", () => {
    /** POST /jobs/:key starts the job once (the key makes a re-sent POST idempotent) and streams its topic. */
    async function jobServer(
      hub: Hub,
      total: number,
    ): Promise<RunningServer & { dropConnections(): void }> {
      const started = new Set<string>();
      return serveDroppable(async (request) => {
        const key = new URL(request.url).pathname.split("/")[2] ?? "";
        if (request.method !== "POST" || key === "") return new Response("no\n", { status: 404 });
        const { steps } = (await request.json()) as { steps: number };
        if (!started.has(key)) {
          started.add(key);
          void (async () => {
            for (let n = 1; n <= steps; n++) {
              await hub.publish(`job:${key}`, { event: "step", data: String(n) });
              await sleep(15);
            }
            await hub.end(`job:${key}`);
          })();
        }
        expect(steps).toBe(total);
        return hub.response(request, `job:${key}`, { start: "earliest", retry: 20 });
      });
    }

    test("a reload mid-job (a new fetchEvents with the old lastEventId) gets the rest: nothing lost, nothing twice, then 204 ends it", async () => {
      const hub = createHub();
      cleanup.push(() => hub.close());
      const server = await jobServer(hub, 40);
      const init = {
        method: "POST",
        body: JSON.stringify({ steps: 40 }),
        headers: { "content-type": "application/json" },
      };
      const first = fetchEvents(`${server.url}/jobs/a`, init);
      cleanup.push(() => first.close());
      const before = await take(first, 7);
      first.close(); // the page reloads
      const second = fetchEvents(`${server.url}/jobs/a`, {
        ...init,
        lastEventId: first.lastEventId,
      });
      cleanup.push(() => second.close());
      const after: SSEEvent[] = [];
      await within(
        (async () => {
          for await (const event of second) after.push(event);
        })(),
        15_000,
        "the job's end",
      );
      const steps = [...before, ...after].map((e) => Number(e.data));
      expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    });

    test("a connection dropped mid-job reconnects by itself with the same POST and Last-Event-ID", async () => {
      const hub = createHub();
      cleanup.push(() => hub.close());
      const server = await jobServer(hub, 30);
      const reconnects: unknown[] = [];
      const stream = fetchEvents(`${server.url}/jobs/b`, {
        method: "POST",
        body: JSON.stringify({ steps: 30 }),
        onReconnect: (info) => reconnects.push(info),
      });
      cleanup.push(() => stream.close());
      const events = await take(stream, 5);
      server.dropConnections();
      await within(
        (async () => {
          for await (const event of stream) events.push(event);
        })(),
        15_000,
        "the job's end",
      );
      expect(reconnects.length).toBeGreaterThanOrEqual(1);
      expect(events.map((e) => Number(e.data))).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
    });
  });
});
