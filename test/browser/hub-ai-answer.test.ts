/**
 * The resumable AI answer example (examples/ai-answer, web-sse/hub) in headless
 * Chromium: ask, reload mid-answer (the page shows the whole answer so far and
 * goes on), and after the end the browser's EventSource gets 204 and stops.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createHub, type Hub } from "web-sse/hub";
import { answerTokens, createAnswerApp } from "../../examples/ai-answer/app.mjs";
import { type RunningServer, sleep, startServer } from "../clients/node-server.ts";
import { launchChromium, skipBrowserTests } from "./chromium.ts";

const QUESTION = "What happens when I reload?";
const ANSWER = answerTokens(QUESTION).join("");

const tokens = async (page: Page): Promise<number> => Number(await page.textContent("#tokens"));

describe.skipIf(skipBrowserTests)("the resumable AI answer in Chromium", () => {
  let browser: Browser | undefined;
  let hub: Hub | undefined;
  let server: RunningServer | undefined;
  let context: BrowserContext | undefined;
  const jobs = new AbortController();

  beforeAll(async () => {
    browser = await launchChromium();
    hub = createHub();
    server = await startServer(
      createAnswerApp({ hub, tokenMs: 40, retry: 200, signal: jobs.signal }).fetch,
    );
  });
  afterEach(async () => {
    await context?.close();
  });
  afterAll(async () => {
    jobs.abort();
    await browser?.close();
    await hub?.close();
    await server?.close();
  });

  test("a reload mid-answer shows the whole answer so far and goes on; at the end a 204 stops the EventSource", async () => {
    if (browser === undefined || server === undefined) throw new Error("set-up failed");
    context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    /** Status of every request for the answer's event stream, in order. */
    const statuses: number[] = [];
    page.on("response", (response) => {
      if (response.url().includes("/events")) statuses.push(response.status());
    });

    await page.goto(`${server.url}/`);
    await page.fill("#question", QUESTION);
    await page.click('button[type="submit"]');
    await page.waitForFunction(() => Number(document.getElementById("tokens")?.textContent) >= 12);
    expect(page.url()).toMatch(/\/\?answer=[0-9a-f-]{36}$/);
    const before = await tokens(page);

    await page.reload();
    // The whole answer so far arrives at once from the hub's history...
    await page.waitForFunction(
      (n) => Number(document.getElementById("tokens")?.textContent) >= n,
      before,
    );
    const soFar = (await page.textContent("#answer")) ?? "";
    expect(soFar.length).toBeGreaterThan(0);
    expect(ANSWER.startsWith(soFar)).toBe(true);
    expect(soFar.length).toBeLessThan(ANSWER.length); // ...and the rest is still to come
    expect(await page.getAttribute("#state", "data-state")).toBe("streaming");

    await page.waitForSelector('#state[data-state="complete"]');
    expect(await page.textContent("#answer")).toBe(ANSWER);
    expect(await tokens(page)).toBe(answerTokens(QUESTION).length);
    // Before the reload, after it, then the reconnect after the end: 204.
    expect(statuses).toEqual([200, 200, 204]);
    // Stopped for good: no reconnect after the 204 (five retry periods).
    await sleep(1000);
    expect(statuses).toEqual([200, 200, 204]);
    expect(await page.evaluate(() => document.getElementById("connections")?.textContent)).toBe(
      "1",
    );
  });

  test("a second tab on the same answer follows it too, and a reload after the end shows the whole answer", async () => {
    if (browser === undefined || server === undefined) throw new Error("set-up failed");
    context = await browser.newContext();
    const first = await context.newPage();
    first.setDefaultTimeout(15_000);
    await first.goto(`${server.url}/`);
    await first.fill("#question", "two tabs");
    await first.click('button[type="submit"]');
    await first.waitForFunction(() => Number(document.getElementById("tokens")?.textContent) >= 3);

    const second = await context.newPage();
    second.setDefaultTimeout(15_000);
    await second.goto(first.url());
    await first.waitForSelector('#state[data-state="complete"]');
    await second.waitForSelector('#state[data-state="complete"]');
    const whole = answerTokens("two tabs").join("");
    expect(await first.textContent("#answer")).toBe(whole);
    expect(await second.textContent("#answer")).toBe(whole);

    await second.reload();
    await second.waitForSelector('#state[data-state="complete"]');
    expect(await second.textContent("#answer")).toBe(whole);
  });
});
