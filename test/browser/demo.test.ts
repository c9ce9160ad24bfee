/**
 * The live demo (examples/node) in headless Chromium: the page's own
 * EventSource, its buttons, and what it shows. Set UPDATE_SCREENSHOT=1 to
 * rewrite docs/demo.png from this run.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createDemoApp, SAFE_ERROR_MESSAGE } from "../../examples/node/app.mjs";
import { type RunningServer, startServer } from "../clients/node-server.ts";
import { launchChromium, skipBrowserTests } from "./chromium.ts";

/** One row of the page's event log, oldest first. */
interface Row {
  type: string;
  id: string;
  data: string;
}

async function logRows(page: Page): Promise<Row[]> {
  const rows = await page.$$eval("#log tr", (trs) =>
    trs.map((tr) => {
      const cells = [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "");
      return { type: cells[1] ?? "", id: cells[2] ?? "", data: cells[3] ?? "" };
    }),
  );
  return rows.reverse();
}

const counts = (rows: Row[]): number[] =>
  rows.filter((r) => r.type === "count").map((r) => Number(r.id));

describe.skipIf(skipBrowserTests)("the examples/node live demo in Chromium", () => {
  let browser: Browser | undefined;
  let server: RunningServer | undefined;
  const serverErrors: unknown[] = [];

  beforeAll(async () => {
    const app = createDemoApp({ tick: 400, log: (_message, error) => serverErrors.push(error) });
    server = await startServer(app.fetch);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test("the page shows the clock, the counter and the log, and resumes the count after the server ends or throws", async () => {
    if (browser === undefined || server === undefined) throw new Error("set-up failed");
    const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${server.url}/`);

      await page.waitForSelector('#state[data-state="open"]');
      await page.waitForFunction(() => Number(document.getElementById("count")?.textContent) >= 2);
      expect(await page.textContent("#clock")).toMatch(/\d{1,2}:\d{2}:\d{2}/);
      expect(await page.textContent("#resumed")).toBe("new stream, counting from 1");
      const first = await logRows(page);
      expect(first[0]).toMatchObject({ type: "(open)" });
      expect(first[1]).toMatchObject({ type: "hello", id: "" });
      expect(first.slice(2, 4)).toEqual([
        { type: "count", id: "1", data: "1" },
        { type: "clock", id: "1", data: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      ]);

      // A normal end: the browser reconnects with Last-Event-ID and the count goes on.
      await page.click("#end");
      await page.waitForSelector('#state[data-state="reconnecting"]');
      await page.waitForSelector('#state[data-state="open"]');
      await page.waitForFunction(() =>
        document.getElementById("resumed")?.textContent?.includes("via Last-Event-ID"),
      );
      const beforeThrow = Number(await page.textContent("#count"));

      // A throw: one safe `error` event, then a reconnect that goes on counting too.
      await page.click("#throw");
      await page.waitForSelector('#log tr[data-type="error"]');
      await page.waitForSelector('#state[data-state="open"]');
      await page.waitForFunction(
        (after) => Number(document.getElementById("count")?.textContent) > after + 1,
        beforeThrow,
      );

      const rows = await logRows(page);
      const ids = counts(rows);
      // Consecutive across both reconnects: nothing lost, nothing repeated.
      expect(ids.length).toBeGreaterThan(4);
      expect(ids).toEqual(ids.map((_, i) => (ids[0] ?? 0) + i));
      expect(rows.filter((r) => r.type === "hello").map((r) => JSON.parse(r.data))).toEqual([
        { resumedFrom: null, via: null },
        { resumedFrom: expect.any(Number), via: "Last-Event-ID" },
        { resumedFrom: expect.any(Number), via: "Last-Event-ID" },
      ]);
      const errors = rows.filter((r) => r.type === "error");
      expect(errors.map((r) => r.data)).toEqual([JSON.stringify({ message: SAFE_ERROR_MESSAGE })]);
      expect(rows.map((r) => r.type)).toContain("(reconnecting)");
      // The exception text stayed on the server.
      expect(serverErrors).toHaveLength(1);
      expect(String(serverErrors[0])).toMatch(/hunter2/);
      expect(await page.content()).not.toMatch(/hunter2/);

      await page.mouse.move(0, 0); // no hover highlight in the picture
      const png = await page.screenshot({ fullPage: true });
      expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
      if (process.env.UPDATE_SCREENSHOT === "1") {
        mkdirSync(new URL("../../docs/", import.meta.url), { recursive: true });
        writeFileSync(new URL("../../docs/demo.png", import.meta.url), png);
      }
    } finally {
      await context.close();
    }
  });

  test("after a page reload the counter resumes from the id the page saved", async () => {
    if (browser === undefined || server === undefined) throw new Error("set-up failed");
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() => Number(document.getElementById("count")?.textContent) >= 2);

      await page.reload();
      await page.waitForSelector('#state[data-state="open"]');
      await page.waitForFunction(() => document.getElementById("count")?.textContent !== "-");

      const rows = await logRows(page);
      const hello = JSON.parse(rows.find((r) => r.type === "hello")?.data ?? "null");
      expect(hello).toEqual({ resumedFrom: expect.any(Number), via: "?from" });
      expect(counts(rows)[0]).toBe(hello.resumedFrom + 1);
      expect(hello.resumedFrom).toBeGreaterThanOrEqual(2);
    } finally {
      await context.close();
    }
  });
});
