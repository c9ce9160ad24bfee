/**
 * The `eventsource` npm package (v4, the EventSource most Node code uses)
 * against web-sse on a real Node server, through plain sseResponse and the
 * Hono sse() route.
 */
import { EventSource, type FetchLike } from "eventsource";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { SSECloseReason } from "../../src/index.ts";
import { KINDS, type ScenarioServer, startScenarioServer } from "./mount.ts";
import { sleep, until } from "./node-server.ts";

/** What the client saw of one event. */
interface Received {
  type: string;
  data: string;
  lastEventId: string;
}

let server: ScenarioServer;
const sources: EventSource[] = [];

beforeAll(async () => {
  server = await startScenarioServer();
});
afterEach(() => {
  for (const source of sources.splice(0)) source.close();
});
afterAll(async () => {
  await server?.close();
});

/** Opens an EventSource (closed after the test) and collects the events of `types`. */
function open(
  url: string,
  types: string[],
  init?: { fetch?: FetchLike },
): { source: EventSource; received: Received[] } {
  const source = new EventSource(url, init);
  sources.push(source);
  const received: Received[] = [];
  for (const type of types) {
    source.addEventListener(type, (event: Event) => {
      // "error" is also the connection's own error event, which carries no data.
      if (!(event instanceof MessageEvent)) return;
      received.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
    });
  }
  return { source, received };
}

/** Sends a Last-Event-ID as the UTF-8 bytes browsers send (fetch takes header values as Latin-1 code units). */
const utf8LastEventId: FetchLike = (url, init) => {
  const headers = new Headers();
  for (const [name, value] of Object.entries(init.headers ?? {})) {
    const bytes =
      name.toLowerCase() === "last-event-id" ? new TextEncoder().encode(value) : undefined;
    headers.set(name, bytes === undefined ? value : String.fromCharCode(...bytes));
  }
  return fetch(url, { ...init, headers });
};

describe.each(KINDS)("the eventsource package against %s on Node", (kind) => {
  test("receives each event with its type, data and id", async () => {
    const url = server.mount(kind, {
      async *source({ signal }) {
        yield "plain";
        yield { event: "greeting", id: "g-1", data: "héllo\nwörld" };
        yield { event: "json", data: { n: 1, list: [true, null] } };
        yield { event: "done", id: 7, data: "" };
        await sleep(60_000, signal);
      },
    });
    const { received } = open(url, ["message", "greeting", "json", "done"]);

    await until(() => received.length >= 4, 5000, "four events");

    expect(received.map(({ type, data }) => ({ type, data }))).toEqual([
      { type: "message", data: "plain" },
      { type: "greeting", data: "héllo\nwörld" },
      { type: "json", data: '{"n":1,"list":[true,null]}' },
      { type: "done", data: "" },
    ]);
    // (For an event without an id, this package reports lastEventId "" rather than the last id.)
    expect(received[1]?.lastEventId).toBe("g-1");
    expect(received[3]?.lastEventId).toBe("7");
  });

  test("reconnects after a normal end and sends Last-Event-ID", async () => {
    const seen: (string | undefined)[] = [];
    const url = server.mount(kind, {
      async *source({ signal, lastEventId }) {
        seen.push(lastEventId);
        if (seen.length === 1) {
          yield { id: "41", data: "first" };
          return;
        }
        yield { data: `again after ${lastEventId}` };
        await sleep(60_000, signal);
      },
      options: { retry: 50 },
    });
    const { received } = open(url, ["message"]);

    await until(() => received.length >= 2, 5000, "the event after the reconnect");

    expect(seen).toEqual([undefined, "41"]);
    expect(received.map((r) => r.data)).toEqual(["first", "again after 41"]);
  });

  test("a Latin-1 id (é) comes back in ctx.lastEventId as sent", async () => {
    const seen: (string | undefined)[] = [];
    const url = server.mount(kind, {
      async *source({ signal, lastEventId }) {
        seen.push(lastEventId);
        if (seen.length === 1) {
          yield { id: "café", data: "first" };
          return;
        }
        yield { data: "again" };
        await sleep(60_000, signal);
      },
      options: { retry: 50 },
    });
    const { received } = open(url, ["message"]);

    await until(() => received.length >= 2, 5000, "the event after the reconnect");

    // The package sends é as the single byte E9, which is not UTF-8: lastEventId() keeps it as given.
    expect(seen).toEqual([undefined, "café"]);
  });

  test("an id beyond Latin-1 comes back intact when the client sends its UTF-8 bytes", async () => {
    const seen: (string | undefined)[] = [];
    const url = server.mount(kind, {
      async *source({ signal, lastEventId }) {
        seen.push(lastEventId);
        if (seen.length === 1) {
          yield { id: "…é 🙂", data: "first" };
          return;
        }
        yield { data: "again" };
        await sleep(60_000, signal);
      },
      options: { retry: 50 },
    });
    // Without this, fetch() refuses the header ("…" is not a Latin-1 character) and the package never reconnects.
    const { received } = open(url, ["message"], { fetch: utf8LastEventId });

    await until(() => received.length >= 2, 5000, "the event after the reconnect");

    expect(received[0]?.lastEventId).toBe("…é 🙂");
    expect(seen).toEqual([undefined, "…é 🙂"]);
  });

  test("an empty id clears the last event id: the reconnect carries no Last-Event-ID", async () => {
    const seen: (string | undefined)[] = [];
    const url = server.mount(kind, {
      async *source({ signal, lastEventId }) {
        seen.push(lastEventId);
        if (seen.length === 1) {
          yield { id: "9", data: "with an id" };
          yield { id: "", data: "id cleared" };
          return;
        }
        yield { data: "again" };
        await sleep(60_000, signal);
      },
      options: { retry: 50 },
    });
    const { received } = open(url, ["message"]);

    await until(() => received.length >= 3, 5000, "the event after the reconnect");

    expect(seen).toEqual([undefined, undefined]);
  });

  test("retry: 200 brings the reconnect in well under the package's 3 s default", async () => {
    const startedAt: number[] = [];
    let endedAt: number | undefined;
    const url = server.mount(kind, {
      async *source({ signal }) {
        startedAt.push(performance.now());
        if (startedAt.length === 1) {
          yield { data: "one" };
          return;
        }
        yield { data: "two" };
        await sleep(60_000, signal);
      },
      options: {
        retry: 200,
        onClose: (reason) => {
          if (reason === "done") endedAt ??= performance.now();
        },
      },
    });
    const { received } = open(url, ["message"]);

    await until(() => received.length >= 2, 5000, "the event after the reconnect");

    const gap = (startedAt[1] ?? Number.POSITIVE_INFINITY) - (endedAt ?? 0);
    expect(endedAt).toBeDefined();
    expect(gap).toBeLessThan(2000);
  });

  test("a source that throws: onError's event arrives last, never the error's text, and the client reconnects", async () => {
    const seen: (string | undefined)[] = [];
    const reasons: SSECloseReason[] = [];
    const url = server.mount(kind, {
      async *source({ signal, lastEventId }) {
        seen.push(lastEventId);
        if (seen.length === 1) {
          yield { id: "5", data: "before" };
          throw new Error("secret: the database password");
        }
        yield { data: "after" };
        await sleep(60_000, signal);
      },
      options: {
        retry: 50,
        onError: () => ({ event: "error", data: "something went wrong" }),
        onClose: (reason) => reasons.push(reason),
      },
    });
    const { received } = open(url, ["message", "error"]);

    await until(() => received.length >= 3, 5000, "the event after the reconnect");

    expect(received.map(({ type, data }) => ({ type, data }))).toEqual([
      { type: "message", data: "before" },
      { type: "error", data: "something went wrong" },
      { type: "message", data: "after" },
    ]);
    expect(JSON.stringify(received)).not.toMatch(/secret/);
    expect(seen).toEqual([undefined, "5"]);
    expect(reasons[0]).toBe("error");
  });

  test("closing the EventSource ends the server's stream: finally runs and onClose is called", async () => {
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
    const { source, received } = open(url, ["message"]);
    await until(() => received.length >= 1, 5000, "the first event");

    source.close();

    await until(() => finallyRan && reasons.length === 1, 2000, "finally and onClose");
    expect(["cancel", "abort"]).toContain(reasons[0]);
  });
});
