/**
 * Smoke test of the chat room on HubObject in examples/workers: the Worker
 * and its Durable Objects run on workerd through miniflare with the settings
 * of wrangler.jsonc (see ./start.ts); real HTTP clients read the rooms.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { http1, type StreamClient } from "../../test/runtimes/shared/client.ts";
import type { RunningExample } from "../../test/runtimes/shared/example-smoke.ts";
import { CHAT_TOKEN, startExample } from "./start.ts";

let example: RunningExample | undefined;

function running(): RunningExample {
  if (example === undefined) throw new Error("the example is not running");
  return example;
}

beforeAll(async () => {
  example = await startExample();
});

afterAll(async () => {
  await example?.stop();
});

function events(room: string, token = CHAT_TOKEN): string {
  return `/rooms/${room}/events?token=${encodeURIComponent(token)}`;
}

async function say(room: string, body: unknown, token = CHAT_TOKEN): Promise<Response> {
  return fetch(`${running().origin}/rooms/${room}/messages?token=${encodeURIComponent(token)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function open(path: string, headers?: Record<string, string>): Promise<StreamClient> {
  return http1(running().origin).open(path, headers);
}

/** Polls the log written after `from` until `line` matches; false after `ms`. */
async function logged(from: number, line: RegExp, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!line.test(running().log().slice(from))) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

describe("examples/workers chat room on HubObject (workerd)", () => {
  test("the page is served", async () => {
    const response = await fetch(`${running().origin}/chat`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toContain("new EventSource(");
  });

  test("the object refuses subscribers without the right token", async () => {
    for (const path of ["/rooms/lobby/events", events("lobby", "wrong")]) {
      const response = await fetch(`${running().origin}${path}`, {
        headers: { accept: "text/event-stream" },
      });
      expect(response.status).toBe(403);
      await response.body?.cancel();
    }
    expect((await say("lobby", { name: "eve", text: "hi" }, "wrong")).status).toBe(403);
  });

  test("a message posted to a room reaches its subscribers, and a late joiner gets the history", async () => {
    const alice = await open(events("garden"));
    try {
      expect(alice.status).toBe(200);
      const posted = await say("garden", { name: "ann", text: "hello" });
      expect(posted.status).toBe(200);
      const { id } = (await posted.json()) as { id: string };
      const event = await alice.next(5000);
      expect(event).toMatchObject({ event: "message", id });
      expect(JSON.parse(event.data)).toEqual({ name: "ann", text: "hello" });

      const late = await open(events("garden"));
      try {
        expect(JSON.parse((await late.next(5000)).data)).toEqual({ name: "ann", text: "hello" });
      } finally {
        late.close();
      }
    } finally {
      alice.close();
    }
  });

  test("a reconnect with Last-Event-ID gets only what it missed", async () => {
    const ids: string[] = [];
    for (const text of ["one", "two", "three"]) {
      const response = await say("replay", { name: "bob", text });
      ids.push(((await response.json()) as { id: string }).id);
    }
    const client = await open(events("replay"), { "last-event-id": ids[0] ?? "" });
    try {
      expect((await client.next(5000)).id).toBe(ids[1]);
      expect((await client.next(5000)).id).toBe(ids[2]);
    } finally {
      client.close();
    }
  });

  test("rooms are separate", async () => {
    await say("room-one", { name: "a", text: "in one" });
    await say("room-two", { name: "b", text: "in two" });
    const client = await open(events("room-two"));
    try {
      expect(JSON.parse((await client.next(5000)).data)).toEqual({ name: "b", text: "in two" });
      await say("room-one", { name: "a", text: "one again" });
      await say("room-two", { name: "b", text: "two again" });
      expect(JSON.parse((await client.next(5000)).data).text).toBe("two again");
    } finally {
      client.close();
    }
  });

  test("an invalid message is a 400 naming the field, and the room keeps working", async () => {
    const empty = await say("checks", { name: "c", text: "   " });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(/"text"/);
    const notJson = await fetch(`${running().origin}/rooms/checks/messages?token=${CHAT_TOKEN}`, {
      method: "POST",
      body: "{",
    });
    expect(notJson.status).toBe(400);
    expect((await say("checks", { name: "c", text: "fine" })).status).toBe(200);
  });

  test("a subscriber that leaves is noticed by the object within the keepalive", async () => {
    const mark = running().log().length;
    const client = await open(events("leaving"));
    expect(client.status).toBe(200);
    await say("leaving", { name: "d", text: "bye" });
    await client.next(5000);
    client.close();
    // The object notices at the stream's next write: web-sse's 5 s keepalive at the latest.
    expect(
      await logged(mark, /^chat: stream closed \((cancel|abort)\)$/m, 5000 + 2000),
      `no "chat: stream closed" line; log:\n${running().log().slice(mark)}`,
    ).toBe(true);
  });
});
