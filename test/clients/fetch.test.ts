/**
 * fetch() reading the body through eventsource-parser, the way fetch-based
 * SSE clients do, against web-sse on a real Node server (plain sseResponse and
 * the Hono sse() route).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { SSECloseReason } from "../../src/index.ts";
import { KINDS, type ScenarioServer, startScenarioServer } from "./mount.ts";
import { sleep, until } from "./node-server.ts";
import { readEvents } from "./read-events.ts";

let server: ScenarioServer;

beforeAll(async () => {
  server = await startScenarioServer();
});
afterAll(async () => {
  await server?.close();
});

/** A header value that puts `text`'s UTF-8 bytes on the wire (fetch takes one Latin-1 code unit per byte). */
function utf8Header(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

describe.each(KINDS)("fetch() with eventsource-parser against %s on Node", (kind) => {
  test("gets the event-stream headers, the retry line first, then each event with its type, data and id", async () => {
    const url = server.mount(kind, {
      async *source({ signal }) {
        yield "plain";
        yield { event: "greeting", id: "g-1", data: "héllo\r\nwörld\rline 3" };
        yield { event: "json", data: { n: 1 } };
        yield { id: 7, data: "" };
        await sleep(60_000, signal);
      },
      options: { retry: 1500, headers: { "x-demo": "kept" } },
    });
    const response = await fetch(url, { headers: { accept: "text/event-stream" } });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("x-demo")).toBe("kept");
    expect(response.headers.get("content-length")).toBeNull();

    const read = await readEvents(response, (r) => r.events.length >= 4);
    expect(read.retries).toEqual([1500]);
    expect(read.events).toEqual([
      { event: undefined, id: undefined, data: "plain" },
      { event: "greeting", id: "g-1", data: "héllo\nwörld\nline 3" },
      { event: "json", id: undefined, data: '{"n":1}' },
      { event: undefined, id: "7", data: "" },
    ]);
  });

  test("Last-Event-ID sent as UTF-8 bytes reaches ctx.lastEventId decoded", async () => {
    const seen: (string | undefined)[] = [];
    const url = server.mount(kind, {
      *source({ lastEventId }) {
        seen.push(lastEventId);
        yield { data: String(lastEventId) };
      },
    });

    for (const id of ["41", "…é 🙂", "café"]) {
      const read = await readEvents(
        await fetch(url, { headers: { "last-event-id": utf8Header(id) } }),
      );
      expect(read.events.map((e) => e.data)).toEqual([id]);
    }
    // Absent and empty are both "no id".
    await readEvents(await fetch(url));
    await readEvents(await fetch(url, { headers: { "last-event-id": "" } }));

    expect(seen).toEqual(["41", "…é 🙂", "café", undefined, undefined]);
  });

  test("a source that throws: onError's event is the last, then the body ends, with no error text", async () => {
    const reasons: SSECloseReason[] = [];
    const url = server.mount(kind, {
      async *source() {
        yield { id: "1", data: "before" };
        throw new Error("secret: the database password");
      },
      options: {
        onError: () => ({ event: "error", data: "something went wrong" }),
        onClose: (reason) => reasons.push(reason),
      },
    });
    const response = await fetch(url);
    const text = await response.clone().text();

    const read = await readEvents(response);

    expect(read.ended).toBe(true);
    expect(read.events).toEqual([
      { event: undefined, id: "1", data: "before" },
      { event: "error", id: undefined, data: "something went wrong" },
    ]);
    expect(text).not.toMatch(/secret/);
    expect(reasons).toEqual(["error"]);
  });

  test("a source that throws without onError: the body just ends, with nothing of the error", async () => {
    const url = server.mount(kind, {
      async *source() {
        yield { data: "before" };
        throw new Error("secret: the database password");
      },
    });

    const text = await (await fetch(url)).text();

    expect(text).toBe("data: before\n\n");
  });

  test("a silent source gets keepalive comments", async () => {
    const url = server.mount(kind, {
      async *source({ signal }) {
        await sleep(60_000, signal);
        yield { data: "never" };
      },
      options: { keepAlive: 100 },
    });

    const read = await readEvents(await fetch(url), (r) => r.comments.length >= 3);

    expect(read.events).toEqual([]);
    expect(read.comments.length).toBeGreaterThanOrEqual(3);
  });

  test("cancelling the body ends the server's stream: finally runs and onClose is called", async () => {
    let finallyRan = false;
    const reasons: SSECloseReason[] = [];
    const url = server.mount(kind, {
      async *source({ signal }) {
        try {
          yield { data: "hello" };
          await sleep(60_000, signal);
        } finally {
          finallyRan = true;
        }
      },
      options: { onClose: (reason) => reasons.push(reason) },
    });

    // readEvents cancels the body once it has the first event.
    const read = await readEvents(await fetch(url), (r) => r.events.length >= 1);
    expect(read.events).toHaveLength(1);

    await until(() => finallyRan && reasons.length === 1, 2000, "finally and onClose");
    expect(["cancel", "abort"]).toContain(reasons[0]);
  });
});

describe("fetch() against the Hono sse() route on Node", () => {
  test("Accept: application/json gets 406 with Vary: Accept and the source never runs", async () => {
    let ran = false;
    const url = server.mount("hono", {
      *source() {
        ran = true;
        yield "not for JSON";
      },
    });

    const response = await fetch(url, { headers: { accept: "application/json" } });

    expect(response.status).toBe(406);
    expect(response.headers.get("vary")).toMatch(/accept/i);
    expect(await response.text()).toMatch(/Not Acceptable/);
    expect(ran).toBe(false);
  });
});
