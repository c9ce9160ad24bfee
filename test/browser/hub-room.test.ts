/**
 * The demo's chat room (examples/node/room.mjs, web-sse/hub) in headless
 * Chromium: two tabs, a form post in one shows in both, and a tab reloaded
 * while messages keep coming resumes after its Last-Event-ID with nothing
 * missing and nothing twice; a tab whose id the hub cannot bridge handles the
 * hub's reset event by reloading the room.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createHub, type Hub } from "web-sse/hub";
import { createDemoApp } from "../../examples/node/app.mjs";
import { type RunningServer, sleep, startServer } from "../clients/node-server.ts";
import { launchChromium, skipBrowserTests } from "./chromium.ts";

/** The texts of the messages a page shows, oldest first. */
function shown(page: Page): Promise<string[]> {
  return page.$$eval("#messages li", (items) =>
    items.map((item) => item.childNodes[1]?.textContent ?? ""),
  );
}

/** Waits (bounded by the page's default timeout) until `page` shows `text`. */
function waitForMessage(page: Page, text: string): Promise<unknown> {
  return page.waitForFunction(
    (wanted) =>
      [...document.querySelectorAll("#messages li")].some(
        (item) => item.childNodes[1]?.textContent === wanted,
      ),
    text,
  );
}

describe.skipIf(skipBrowserTests)("the demo's room (web-sse/hub) in Chromium", () => {
  let browser: Browser | undefined;
  let hub: Hub | undefined;
  let server: RunningServer | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await context?.close();
    await hub?.close();
    await server?.close();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A fresh hub and server per test (an empty room), and a browser context with `tabs` room tabs open. */
  async function openRoom(tabs: number): Promise<Page[]> {
    if (browser === undefined) throw new Error("Chromium did not start");
    hub = createHub();
    server = await startServer(createDemoApp({ hub, log: () => {} }).fetch);
    context = await browser.newContext();
    const pages: Page[] = [];
    for (let i = 0; i < tabs; i++) {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${server.url}/room`);
      await page.waitForSelector('#state[data-state="open"]');
      pages.push(page);
    }
    return pages;
  }

  test("a message posted with the form in one tab shows in both tabs, once", async () => {
    const [a, b] = await openRoom(2);
    if (a === undefined || b === undefined) throw new Error("two tabs expected");

    await a.fill("#name", "alice");
    await a.fill("#text", "hello from tab A");
    await a.click('button[type="submit"]');
    await waitForMessage(a, "hello from tab A");
    await waitForMessage(b, "hello from tab A");

    await b.fill("#text", "and back from tab B");
    await b.press("#text", "Enter");
    await waitForMessage(a, "and back from tab B");
    await waitForMessage(b, "and back from tab B");

    expect(await shown(a)).toEqual(["hello from tab A", "and back from tab B"]);
    expect(await shown(b)).toEqual(["hello from tab A", "and back from tab B"]);
    expect(await a.textContent("#messages li b")).toBe("alice");
    expect(await a.inputValue("#text")).toBe(""); // the form was cleared after the post
    expect(hub?.subscribers("room")).toBe(2);
  });

  test("a tab reloaded while messages keep coming resumes after its last id: no gap, no duplicate", async () => {
    const [a, b] = await openRoom(2);
    if (a === undefined || b === undefined || server === undefined)
      throw new Error("set-up failed");
    const url = server.url;
    const streams: string[] = [];
    a.on("request", (request) => {
      if (request.url().includes("/room/events")) streams.push(request.url());
    });

    // Someone else keeps posting: 40 messages, 40 ms apart, through the same form endpoint.
    const texts = Array.from({ length: 40 }, (_, i) => `message ${i + 1}`);
    const posting = (async () => {
      for (const text of texts) {
        const response = await fetch(`${url}/room/messages`, {
          method: "POST",
          headers: { accept: "application/json" },
          body: new URLSearchParams({ name: "bot", text }),
        });
        if (response.status !== 202) throw new Error(`post answered ${response.status}`);
        await sleep(40);
      }
    })();

    await waitForMessage(a, "message 8");
    await a.reload();
    await a.waitForSelector('#state[data-state="open"]');
    await posting;
    await waitForMessage(a, "message 40");
    await waitForMessage(b, "message 40");

    expect(await shown(a)).toEqual(texts);
    expect(await shown(b)).toEqual(texts);
    // The reloaded tab asked to resume after an id it had saved, and said so.
    expect(streams).toHaveLength(1);
    expect(new URL(streams[0] ?? "").searchParams.get("lastEventId")).toMatch(/.+/);
    expect(await a.textContent("#resumed")).toMatch(/resumed after \d+ saved messages/);
  });

  test("a tab whose saved id the hub cannot bridge (a restarted, empty hub) handles reset: clears, reloads the room's history, goes on live", async () => {
    // An id from an earlier life of the in-memory hub: what a tab holds after the server restarted.
    const earlier = createHub();
    const staleId = await earlier.publish("room", {
      event: "message",
      data: { name: "x", text: "x", at: 0 },
    });
    await earlier.close();

    const [a] = await openRoom(1);
    if (a === undefined || server === undefined) throw new Error("set-up failed");
    const url = server.url;
    const post = async (text: string): Promise<void> => {
      const response = await fetch(`${url}/room/messages`, {
        method: "POST",
        headers: { accept: "application/json" },
        body: new URLSearchParams({ name: "bot", text }),
      });
      if (response.status !== 202) throw new Error(`post answered ${response.status}`);
    };
    await post("kept 1");
    await post("kept 2");
    await waitForMessage(a, "kept 2");

    // The tab saved, before the restart, a message the new hub never had and that hub's id.
    await a.evaluate((id) => {
      const before = {
        id,
        name: "old",
        text: "from before the restart",
        at: new Date().toISOString(),
      };
      sessionStorage.setItem(
        "web-sse-room:v1",
        JSON.stringify({ lastEventId: id, messages: [before] }),
      );
    }, staleId);
    const streams: string[] = [];
    a.on("request", (request) => {
      if (request.url().includes("/room/events")) streams.push(request.url());
    });
    await a.reload();
    // A page that only cleared itself on reset would never show these again.
    await waitForMessage(a, "kept 2");
    expect(await a.textContent("#resumed")).toContain("reloaded the room");
    await post("after the reset");
    await waitForMessage(a, "after the reset");

    expect(await shown(a)).toEqual(["kept 1", "kept 2", "after the reset"]);
    // First the stale id (answered with reset), then a fresh stream without one.
    expect(streams.map((s) => new URL(s).searchParams.get("lastEventId"))).toEqual([staleId, null]);
    // What the tab saved for its next reload is the new hub's, not the stale one.
    const saved: { lastEventId: string; messages: { text: string }[] } = await a.evaluate(() =>
      JSON.parse(sessionStorage.getItem("web-sse-room:v1") ?? "null"),
    );
    expect(saved.messages.map((m) => m.text)).toEqual(["kept 1", "kept 2", "after the reset"]);
    expect(saved.lastEventId).not.toBe(staleId);
  });

  test("a post with an empty message is refused with a message naming the field, and the room goes on", async () => {
    const [a] = await openRoom(1);
    if (a === undefined || server === undefined) throw new Error("set-up failed");

    const refused = await fetch(`${server.url}/room/messages`, {
      method: "POST",
      body: new URLSearchParams({ name: "alice", text: "   " }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toBe('"text" must not be empty\n');
    const tooLong = await fetch(`${server.url}/room/messages`, {
      method: "POST",
      body: new URLSearchParams({ name: "x".repeat(41), text: "hi" }),
    });
    expect(await tooLong.text()).toMatch(
      /^"name" must be at most 40 characters \(got 41: "x{37}\.\.\."\)/,
    );

    // Without script the browser posts the form itself and is sent back to the room.
    const plain = await fetch(`${server.url}/room/messages`, {
      method: "POST",
      body: new URLSearchParams({ name: "alice", text: "no script" }),
      redirect: "manual",
    });
    expect(plain.status).toBe(303);
    expect(plain.headers.get("location")).toBe("/room");
    await waitForMessage(a, "no script");
    expect(await shown(a)).toEqual(["no script"]);
  });
});
