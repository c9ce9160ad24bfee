/**
 * The chat page of examples/workers in headless Chromium: two tabs join one
 * room on workerd (miniflare, see ./start.ts); a message sent in one shows in
 * both, and a wrong token is refused.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { launchChromium, skipBrowserTests } from "../../test/browser/chromium.ts";
import type { RunningExample } from "../../test/runtimes/shared/example-smoke.ts";
import { CHAT_TOKEN, startExample } from "./start.ts";

describe.skipIf(skipBrowserTests)("examples/workers chat page in Chromium", () => {
  let example: RunningExample | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    example = await startExample();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await example?.stop();
  });

  async function join(room: string, name: string, token = CHAT_TOKEN): Promise<Page> {
    if (browser === undefined || example === undefined) throw new Error("not started");
    const page = await browser.newPage();
    await page.goto(`${example.origin}/chat`);
    await page.fill("#room", room);
    await page.fill("#name", name);
    await page.fill("#token", token);
    await page.click("#join button");
    return page;
  }

  test("a message sent in one tab shows in both", async () => {
    const one = await join("browser-room", "ann");
    const two = await join("browser-room", "bob");
    try {
      for (const page of [one, two]) {
        await page.waitForSelector("#status:has-text('Connected to browser-room.')", {
          timeout: 10_000,
        });
      }
      await one.fill("#text", "hello from one");
      await one.click("#say button");
      for (const page of [one, two]) {
        await page.waitForSelector("#log li:has-text('ann: hello from one')", { timeout: 10_000 });
        expect(await page.locator("#log li").allTextContents()).toEqual(["ann: hello from one"]);
      }
    } finally {
      await one.close();
      await two.close();
    }
  });

  test("a wrong token is refused and EventSource stops", async () => {
    const page = await join("browser-room", "eve", "wrong");
    try {
      await page.waitForSelector("#status:has-text('Refused')", { timeout: 10_000 });
      expect(await page.locator("#say").isHidden()).toBe(true);
    } finally {
      await page.close();
    }
  });
});
