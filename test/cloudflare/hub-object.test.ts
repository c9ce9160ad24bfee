/**
 * HubObject in workerd (miniflare 4, `cf: false`, SQLite-backed objects
 * persisted in a temporary directory): a Worker (./hub-worker.ts) routes rooms
 * with `getByName`, publishes over RPC, and returns the object's event stream
 * unchanged to real HTTP clients on miniflare's server.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { http1, type StreamClient } from "../runtimes/shared/client.ts";
import { workerdVersion } from "../runtimes/workerd/miniflare.ts";
import { bundleObjectWorker, type ObjectWorker, startObjectWorker } from "./miniflare.ts";

const persist = mkdtempSync(join(tmpdir(), "web-sse-hub-object-"));
let script = "";
let worker: ObjectWorker | undefined;

async function start(port?: number): Promise<void> {
  worker = await startObjectWorker({
    script,
    objects: { HUB: "TestHub" },
    persist,
    compatibilityFlags: ["enable_request_signal"],
    port,
  });
}

function origin(): string {
  if (worker === undefined) throw new Error("workerd is not running");
  return worker.origin;
}

beforeAll(async () => {
  script = await bundleObjectWorker("test/cloudflare/hub-worker.ts");
  await start();
});

afterAll(async () => {
  await worker?.dispose();
  rmSync(persist, { recursive: true, force: true });
});

async function publish(room: string, topic: string, message: unknown): Promise<string> {
  const response = await fetch(`${origin()}/rooms/${room}/publish?topic=${topic}`, {
    method: "POST",
    body: JSON.stringify(message),
  });
  const answer = (await response.json()) as { id?: string; name?: string; message?: string };
  if (answer.id === undefined) throw new Error(`publish failed: ${JSON.stringify(answer)}`);
  return answer.id;
}

/** What a failed publish reported: the error's name and message as the Worker caught them. */
async function publishError(
  room: string,
  topic: string,
  message: unknown,
): Promise<{ status: number; name?: string; message?: string }> {
  const response = await fetch(
    `${origin()}/rooms/${room}/publish?topic=${encodeURIComponent(topic)}`,
    { method: "POST", body: JSON.stringify(message) },
  );
  return { status: response.status, ...((await response.json()) as object) };
}

async function end(room: string, topic: string): Promise<void> {
  const response = await fetch(`${origin()}/rooms/${room}/end?topic=${topic}`, { method: "POST" });
  expect(response.status).toBe(204);
}

async function subscribers(room: string, topic?: string): Promise<number> {
  const query = topic === undefined ? "" : `?topic=${topic}`;
  const response = await fetch(`${origin()}/rooms/${room}/subscribers${query}`);
  return (await response.json()) as number;
}

/** Polls `check` until it returns true; false after `ms`. */
async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

async function open(path: string, headers?: Record<string, string>): Promise<StreamClient> {
  return http1(origin()).open(path, headers);
}

/** Opens `count` subscribers of `room`/`topics` and waits until the object counts them. */
async function subscribe(room: string, topics: string[], count = 1): Promise<StreamClient[]> {
  const before = await subscribers(room);
  const query = topics.map((topic) => `topic=${topic}`).join("&");
  const clients: StreamClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await open(`/rooms/${room}/events?${query}`));
  for (const client of clients) expect(client.status).toBe(200);
  expect(await until(async () => (await subscribers(room)) === before + count, 5000)).toBe(true);
  return clients;
}

describe(`HubObject on ${workerdVersion()}`, () => {
  test("every subscriber in a room gets what the Worker publishes over RPC, with the same ids", async () => {
    const clients = await subscribe("lobby", ["chat"], 2);
    try {
      const ids = [];
      for (const text of ["one", "two", "three"]) {
        ids.push(await publish("lobby", "chat", { event: "message", data: { text } }));
      }
      expect(new Set(ids).size).toBe(3);
      for (const client of clients) {
        expect(client.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
        for (const [i, text] of ["one", "two", "three"].entries()) {
          const event = await client.next(5000);
          expect(event).toMatchObject({ event: "message", id: ids[i] });
          expect(JSON.parse(event.data)).toEqual({ text });
        }
      }
    } finally {
      for (const client of clients) client.close();
    }
  });

  test("rooms are separate objects: an event published in one never reaches another", async () => {
    const [inA] = await subscribe("room-a", ["chat"]);
    const [inB] = await subscribe("room-b", ["chat"]);
    try {
      await publish("room-a", "chat", { data: "for a" });
      await publish("room-b", "chat", { data: "for b" });
      expect((await inA?.next(5000))?.data).toBe("for a");
      expect((await inB?.next(5000))?.data).toBe("for b");
      // The next event each gets is its own room's again.
      await publish("room-b", "chat", { data: "b again" });
      await publish("room-a", "chat", { data: "a again" });
      expect((await inA?.next(5000))?.data).toBe("a again");
      expect((await inB?.next(5000))?.data).toBe("b again");
    } finally {
      inA?.close();
      inB?.close();
    }
  });

  test("one stream follows several topics from repeated topic parameters, in publish order", async () => {
    const [client] = await subscribe("multi", ["x", "y"]);
    try {
      await publish("multi", "x", { data: "x1" });
      await publish("multi", "z", { data: "not followed" });
      await publish("multi", "y", { data: "y1" });
      await publish("multi", "x", { data: "x2" });
      const got = [];
      for (let i = 0; i < 3; i++) got.push((await client?.next(5000))?.data);
      expect(got).toEqual(["x1", "y1", "x2"]);
      expect(await subscribers("multi", "x")).toBe(1);
      expect(await subscribers("multi", "z")).toBe(0);
    } finally {
      client?.close();
    }
  });

  test("a client that leaves stops counting within the keepalive", async () => {
    const keepAlive = 1000;
    const client = await open(`/rooms/leaving/events?topic=t&keepalive=${keepAlive}`);
    expect(client.status).toBe(200);
    expect(await until(async () => (await subscribers("leaving")) === 1, 5000)).toBe(true);
    client.close();
    // Through stub.fetch the object notices at its next write: the keepalive at the latest.
    expect(await until(async () => (await subscribers("leaving")) === 0, keepAlive + 4000)).toBe(
      true,
    );
  });

  test("a client that does not accept text/event-stream gets 406 with Vary: Accept", async () => {
    const response = await fetch(`${origin()}/rooms/lobby/events?topic=chat`, {
      headers: { accept: "application/json" },
    });
    expect(response.status).toBe(406);
    expect(response.headers.get("vary")).toMatch(/accept/i);
    await response.body?.cancel();
  });

  test("a request without a valid topic gets 400 saying so", async () => {
    const none = await fetch(`${origin()}/rooms/lobby/events`);
    expect(none.status).toBe(400);
    expect(await none.text()).toBe(
      'HubObject.fetch: the "topic" query parameter (?topic=a&topic=b) must name at least one topic\n',
    );
    const tooLong = await fetch(`${origin()}/rooms/lobby/events?topic=${"x".repeat(257)}`);
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toMatch(/256/);
  });

  test("after the end a subscriber's stream closes, and its reconnect with the last position gets 204", async () => {
    const first = await publish("ending", "answer", { data: "only" });
    const live = await fetch(`${origin()}/rooms/ending/events?topic=answer`, {
      headers: { accept: "text/event-stream", "last-event-id": first },
    });
    expect(live.status).toBe(200);
    expect(await until(async () => (await subscribers("ending")) === 1, 5000)).toBe(true);
    await end("ending", "answer");
    // The stream ends by itself: its last id line is the client's final position.
    const text = await live.text();
    const ids = [...text.matchAll(/^id: (.*)$/gm)].map((match) => match[1]);
    const position = ids.at(-1);
    expect(position).toBeDefined();
    const again = await fetch(`${origin()}/rooms/ending/events?topic=answer`, {
      headers: { accept: "text/event-stream", "last-event-id": position ?? "" },
    });
    expect(again.status).toBe(204);
    // A fresh client on an ended topic (start "latest"): nothing will ever come.
    const fresh = await fetch(`${origin()}/rooms/ending/events?topic=answer`, {
      headers: { accept: "text/event-stream" },
    });
    expect(fresh.status).toBe(204);
    expect((await publishError("ending", "answer", { data: "late" })).status).toBe(400);
  });

  test("a subclass's hubOptions() sets the hub's options: past its history of 50 a resume is a gap", async () => {
    const ids = [];
    for (let i = 0; i < 52; i++) ids.push(await publish("short", "t", { data: `e${i}` }));
    const within = await open("/rooms/short/events?topic=t", { "last-event-id": ids[1] ?? "" });
    const past = await open("/rooms/short/events?topic=t", { "last-event-id": ids[0] ?? "" });
    try {
      // The newest 50 are kept: from the second event on the replay is whole.
      expect(await within.next(5000)).toMatchObject({ id: ids[2], data: "e2" });
      expect(await past.next(5000)).toMatchObject({ event: "reset", id: ids[51] });
    } finally {
      within.close();
      past.close();
    }
  });

  test("an invalid publish reaches the Worker as a TypeError, and the object keeps serving", async () => {
    expect(await publishError("errors", "", { data: "x" })).toMatchObject({
      status: 400,
      name: "TypeError",
    });
    expect(await publishError("errors", "t", { data: "x", id: "mine" })).toMatchObject({
      status: 400,
      name: "TypeError",
    });
    // An SSEEncodeError (a TypeError subclass, which RPC would turn into a plain Error).
    const bad = await publishError("errors", "t", { data: "x", retry: -1 });
    expect(bad).toMatchObject({ status: 400, name: "TypeError" });
    expect(bad.message).toMatch(/SSEEncodeError: "retry"/);
    expect(await publish("errors", "t", { data: "fine" })).toMatch(/\S/);
  });

  test("an event too big for the object's storage is a RangeError at the Worker, and nothing is published", async () => {
    const [client] = await subscribe("big", ["t"]);
    try {
      const big = await publishError("big", "t", { data: "x".repeat(3_000_000) });
      expect(big).toMatchObject({ status: 400, name: "RangeError" });
      expect(big.message).toMatch(/too big/);
      await publish("big", "t", { data: "small" });
      expect((await client?.next(5000))?.data).toBe("small");
    } finally {
      client?.close();
    }
  });
});

describe(`HubObject without enable_request_signal (${workerdVersion()})`, () => {
  test("the object still notices a client that left, at its next write", async () => {
    const plainPersist = mkdtempSync(join(tmpdir(), "web-sse-hub-object-plain-"));
    const plain = await startObjectWorker({
      script,
      objects: { HUB: "TestHub" },
      persist: plainPersist,
    });
    const count = async (): Promise<number> =>
      (await (await fetch(`${plain.origin}/rooms/plain/subscribers`)).json()) as number;
    try {
      const client = await http1(plain.origin).open("/rooms/plain/events?topic=t&keepalive=1000");
      expect(client.status).toBe(200);
      expect(await until(async () => (await count()) === 1, 5000)).toBe(true);
      client.close();
      // The write into the Worker's closed response fails: no request signal needed.
      expect(await until(async () => (await count()) === 0, 1000 + 4000)).toBe(true);
    } finally {
      await plain.dispose();
      rmSync(plainPersist, { recursive: true, force: true });
    }
  });
});

describe(`HubObject in a class not declared SQLite-backed (${workerdVersion()})`, () => {
  test("every call fails with workerd's message naming new_sqlite_classes", async () => {
    const kvPersist = mkdtempSync(join(tmpdir(), "web-sse-hub-object-kv-"));
    const kv = await startObjectWorker({
      script,
      objects: { HUB: "TestHub" },
      persist: kvPersist,
      sqlite: false,
    });
    try {
      const response = await fetch(`${kv.origin}/rooms/kv/publish?topic=t`, {
        method: "POST",
        body: JSON.stringify({ data: "x" }),
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toMatch(
        /new_sqlite_classes/,
      );
    } finally {
      await kv.dispose();
      rmSync(kvPersist, { recursive: true, force: true });
    }
  });
});

describe(`HubObject across a restart of workerd on the same storage (${workerdVersion()})`, () => {
  test("the history survives, Last-Event-ID replays what was missed, and no id repeats", async () => {
    const ids = [];
    for (const n of [1, 2, 3]) ids.push(await publish("durable", "log", { data: `before ${n}` }));
    await worker?.dispose();
    worker = undefined;
    await start();

    const client = await open("/rooms/durable/events?topic=log", { "last-event-id": ids[0] ?? "" });
    try {
      expect(client.status).toBe(200);
      expect(await client.next(5000)).toMatchObject({ id: ids[1], data: "before 2" });
      expect(await client.next(5000)).toMatchObject({ id: ids[2], data: "before 3" });
      const after = await publish("durable", "log", { data: "after" });
      expect(ids).not.toContain(after);
      expect(await client.next(5000)).toMatchObject({ id: after, data: "after" });
    } finally {
      client.close();
    }

    // An id the object never gave is a gap, not a position: the reset event, then live.
    const stranger = await open("/rooms/durable/events?topic=log", {
      "last-event-id": "nonsense-7",
    });
    try {
      expect(await stranger.next(5000)).toMatchObject({ event: "reset" });
    } finally {
      stranger.close();
    }
  });

  test("an EventSource whose object restarts (a deploy) reconnects with its Last-Event-ID and gets what it missed, once", async () => {
    // Reconnect 5 s after the drop: the restart and a publish happen before it.
    const source = new EventSource(`${origin()}/rooms/deploy/events?topic=t&retry=5000`);
    const received: { id: string; data: string }[] = [];
    source.addEventListener("message", (event) => {
      received.push({ id: event.lastEventId, data: event.data });
    });
    try {
      expect(await until(async () => (await subscribers("deploy")) === 1, 5000)).toBe(true);
      const first = await publish("deploy", "t", { data: "before the deploy" });
      expect(await until(async () => received.length === 1, 5000)).toBe(true);

      const port = Number(new URL(origin()).port);
      await worker?.dispose();
      worker = undefined;
      await start(port);
      // Published while the client is away: it can only arrive by replay.
      expect(await subscribers("deploy")).toBe(0);
      const missed = await publish("deploy", "t", { data: "while away" });

      expect(await until(async () => received.length === 2, 15_000)).toBe(true);
      await publish("deploy", "t", { data: "after" });
      expect(await until(async () => received.length === 3, 5000)).toBe(true);
      expect(received.slice(0, 2)).toEqual([
        { id: first, data: "before the deploy" },
        { id: missed, data: "while away" },
      ]);
      expect(received[2]?.data).toBe("after");
    } finally {
      source.close();
    }
  });
});
