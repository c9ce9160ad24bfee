/**
 * fetchEvents across origins in headless Chromium: Last-Event-ID is not a
 * CORS-safelisted header, so every reconnect that carries it is preflighted.
 * The stream's server answers the OPTIONS request (the docs/client.md recipe);
 * a refused preflight is a network error that fetchEvents retries.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sseResponse } from "../../src/index.ts";
import { lastEventId } from "../../src/last-event-id.ts";
import { launchChromium, skipBrowserTests } from "./chromium.ts";
import { clientBundle, type RestartableServer, restartableServer } from "./client-page.ts";

const PAGE = '<!doctype html><meta charset="utf-8"><title>web-sse cross-origin client test</title>';

describe.skipIf(skipBrowserTests)("fetchEvents across origins in Chromium", () => {
  let browser: Browser | undefined;
  let pages: RestartableServer | undefined;
  let api: RestartableServer | undefined;
  /** What the API server saw, in order: "OPTIONS <requested headers>" or "POST <Last-Event-ID>". */
  const log: string[] = [];
  let answerPreflight = true;

  beforeAll(async () => {
    const bundle = await clientBundle();
    pages = await restartableServer((request) => {
      const path = new URL(request.url).pathname;
      if (path === "/client.js") {
        return new Response(bundle, { headers: { "content-type": "text/javascript" } });
      }
      return new Response(PAGE, { headers: { "content-type": "text/html" } });
    });
    const pageOrigin = `http://127.0.0.1:${pages.port}`;
    // The recipe: allow the page's origin, the POST, and the Last-Event-ID header.
    const cors = {
      "access-control-allow-origin": pageOrigin,
      "access-control-allow-methods": "GET, POST",
      "access-control-allow-headers": "last-event-id, content-type",
      // 0: preflight every time, so the test sees one per reconnect (browsers cache it otherwise).
      "access-control-max-age": "0",
      vary: "Origin",
    };
    api = await restartableServer(async (request) => {
      if (request.method === "OPTIONS") {
        log.push(`OPTIONS ${request.headers.get("access-control-request-headers") ?? ""}`);
        return answerPreflight
          ? new Response(null, { status: 204, headers: cors })
          : new Response("no\n", { status: 403 });
      }
      const last = lastEventId(request);
      log.push(`POST ${last ?? "-"}`);
      const from = last === undefined ? 0 : Number(last);
      return sseResponse(
        [
          { id: from + 1, data: String(from + 1) },
          { id: from + 2, data: String(from + 2) },
        ],
        {
          request,
          retry: 100,
          headers: { "access-control-allow-origin": pageOrigin, vary: "Origin" },
        },
      );
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await pages?.stop();
  });

  async function follow(page: Page, apiUrl: string): Promise<void> {
    await page.goto(`http://127.0.0.1:${pages?.port}/`);
    // A string, so vitest leaves the import() to the browser.
    await page.evaluate('import("/client.js").then((m) => { window.client = m; })');
    await page.evaluate((url) => {
      const w = window as unknown as {
        seen: string[];
        errors: string[];
        stream: { close(): void };
        client: typeof import("../../src/client.ts");
      };
      w.seen = [];
      w.errors = [];
      const stream = w.client.fetchEvents(url, {
        method: "POST",
        body: "go",
        headers: { "content-type": "text/plain" },
        maxRetry: 300,
        onReconnect: ({ error }) => {
          if (error !== undefined) w.errors.push(String(error));
        },
      });
      w.stream = stream;
      (async () => {
        for await (const event of stream) w.seen.push(event.data);
      })();
    }, apiUrl);
  }

  test("each reconnect carrying Last-Event-ID is preflighted, and goes on once the server answers OPTIONS", async () => {
    if (browser === undefined || api === undefined) throw new Error("set-up failed");
    log.length = 0;
    answerPreflight = true;
    const page = await browser.newPage();
    try {
      page.setDefaultTimeout(20_000);
      await follow(page, `http://127.0.0.1:${api.port}/stream`);
      await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.length >= 6);
      await page.evaluate(() =>
        (window as unknown as { stream: { close(): void } }).stream.close(),
      );
      const seen = (await page.evaluate(
        () => (window as unknown as { seen: string[] }).seen,
      )) as string[];
      expect(seen.slice(0, 6)).toEqual(["1", "2", "3", "4", "5", "6"]);
      // The first request carries no Last-Event-ID and is not preflighted; every later one is.
      expect(log.slice(0, 5)).toEqual([
        "POST -",
        "OPTIONS last-event-id",
        "POST 2",
        "OPTIONS last-event-id",
        "POST 4",
      ]);
    } finally {
      await page.close();
    }
  });

  test("a refused preflight is a network error that fetchEvents retries; it resumes once OPTIONS is answered", async () => {
    if (browser === undefined || api === undefined) throw new Error("set-up failed");
    log.length = 0;
    answerPreflight = false;
    const page = await browser.newPage();
    try {
      page.setDefaultTimeout(20_000);
      await follow(page, `http://127.0.0.1:${api.port}/stream`);
      await page.waitForFunction(
        () => (window as unknown as { errors: string[] }).errors.length >= 2,
      );
      expect(log.filter((l) => l.startsWith("POST"))).toEqual(["POST -"]);
      answerPreflight = true;
      await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.length >= 4);
      await page.evaluate(() =>
        (window as unknown as { stream: { close(): void } }).stream.close(),
      );
      const seen = (await page.evaluate(
        () => (window as unknown as { seen: string[] }).seen,
      )) as string[];
      expect(seen.slice(0, 4)).toEqual(["1", "2", "3", "4"]);
      expect(log.filter((l) => l.startsWith("POST")).slice(0, 2)).toEqual(["POST -", "POST 2"]);
    } finally {
      await page.close();
    }
  });
});
