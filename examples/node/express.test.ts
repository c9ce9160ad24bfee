/**
 * The Express room (express.mjs) over a real socket: the page, the room's
 * stream (history, then live), a reconnect that resumes after its
 * Last-Event-ID, a post that does not pass the checks, and 406.
 */
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHub } from "web-sse/hub";
import { http1, type Transport } from "../../test/runtimes/shared/client.ts";
import { createExpressRoom } from "./express.mjs";

describe("examples/node express.mjs: the room on Express with web-sse/node", () => {
  const hub = createHub();
  let server: Server;
  let origin: string;
  let transport: Transport;
  beforeAll(async () => {
    server = createExpressRoom(hub).listen(0, "127.0.0.1");
    await once(server, "listening");
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    transport = http1(origin);
  });
  afterAll(async () => {
    await hub.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (body: Record<string, string>) =>
    fetch(`${origin}/room/messages`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams(body),
    });

  test("serves the room page", async () => {
    const page = await fetch(`${origin}/room`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>web-sse room</title>");
  });

  test("a posted message reaches every open tab; a reconnect resumes after its Last-Event-ID", async () => {
    const first = await post({ name: "ada", text: "before anyone listened" });
    expect(first.status).toBe(202);
    const tab = await transport.open("/room/events");
    expect(tab.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    const history = await tab.next(5000);
    expect(JSON.parse(history.data)).toMatchObject({ name: "ada", text: "before anyone listened" });
    const other = await transport.open("/room/events", { "last-event-id": history.id ?? "" });
    const sent = (await (await post({ name: "bob", text: "hello room" })).json()) as { id: string };
    const live = await tab.next(5000);
    expect(live.event).toBe("message");
    expect(live.id).toBe(sent.id);
    expect(JSON.parse(live.data)).toMatchObject({ name: "bob", text: "hello room" });
    const resumed = await other.next(5000);
    expect(resumed.id).toBe(sent.id);
    tab.close();
    other.close();
    const deadline = Date.now() + 5000;
    while (hub.subscribers() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(hub.subscribers()).toBe(0);
  });

  test("a message that fails the checks is a 400 naming the field, and nothing is published", async () => {
    const answer = await post({ name: "ada", text: "   " });
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/"text" must not be empty/);
  });

  test("a request that does not accept text/event-stream gets 406", async () => {
    const answer = await fetch(`${origin}/room/events`, {
      headers: { accept: "application/json" },
    });
    expect(answer.status).toBe(406);
    expect(answer.headers.get("vary")).toMatch(/Accept/);
  });
});
