/**
 * fetchEvents in headless Chromium: a page POSTs to a web-sse counter stream
 * and keeps following it across a server restart, resuming with Last-Event-ID
 * (nothing lost, nothing twice), its POST body re-sent on the reconnect.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sleep, sseResponse } from "../../src/index.ts";
import { lastEventId } from "../../src/last-event-id.ts";
import { launchChromium, skipBrowserTests } from "./chromium.ts";
import { clientBundle, type RestartableServer, restartableServer } from "./client-page.ts";

const PAGE = '<!doctype html><meta charset="utf-8"><title>web-sse client test</title>';

describe.skipIf(skipBrowserTests)("fetchEvents in Chromium", () => {
  let browser: Browser | undefined;
  let server: RestartableServer | undefined;
  let bundle = "";
  /** Each stream request: its method, body and Last-Event-ID. */
  const requests: { method: string; body: string; lastEventId: string | undefined }[] = [];

  beforeAll(async () => {
    bundle = await clientBundle();
    server = await restartableServer(async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/") return new Response(PAGE, { headers: { "content-type": "text/html" } });
      if (path === "/client.js") {
        return new Response(bundle, { headers: { "content-type": "text/javascript" } });
      }
      if (path === "/count" && request.method === "POST") {
        const body = await request.text();
        requests.push({ method: request.method, body, lastEventId: lastEventId(request) });
        return sseResponse(
          async function* ({ signal, lastEventId: last }) {
            let n = last === undefined ? 0 : Number.parseInt(last, 10);
            while (!signal.aborted) {
              n++;
              yield { event: "count", id: `${n}-\u00e9`, data: `${body}:${n}` };
              await sleep(60, signal);
            }
          },
          { request, retry: 200 },
        );
      }
      return new Response("not found\n", { status: 404 });
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("a page POSTs with fetchEvents and follows the count across a server restart via Last-Event-ID", async () => {
    if (browser === undefined || server === undefined) throw new Error("set-up failed");
    const page = await browser.newPage();
    try {
      page.setDefaultTimeout(20_000);
      await page.goto(`http://127.0.0.1:${server.port}/`);
      // A string, so vitest leaves the import() to the browser.
      await page.evaluate('import("/client.js").then((m) => { window.client = m; })');
      await page.evaluate(() => {
        const w = window as unknown as {
          seen: string[];
          reconnects: number;
          stream: unknown;
          client: typeof import("../../src/client.ts");
        };
        const { fetchEvents } = w.client;
        w.seen = [];
        w.reconnects = 0;
        const stream = fetchEvents("/count", {
          method: "POST",
          body: "job-7",
          headers: { "content-type": "text/plain" },
          onReconnect: () => {
            w.reconnects++;
          },
        });
        w.stream = stream;
        (async () => {
          for await (const event of stream) w.seen.push(`${event.lastEventId}|${event.data}`);
        })();
      });
      await page.waitForFunction(() => (window as unknown as { seen: string[] }).seen.length >= 4);
      await server.stop();
      // The page's reconnects fail while the server is down; it keeps trying.
      await page.waitForFunction(
        () => (window as unknown as { reconnects: number }).reconnects >= 2,
      );
      await server.start();
      const seenBefore = (await page.evaluate(
        () => (window as unknown as { seen: string[] }).seen.length,
      )) as number;
      await page.waitForFunction(
        (n) => (window as unknown as { seen: string[] }).seen.length >= n + 4,
        seenBefore,
      );
      const seen = (await page.evaluate(() => {
        const w = window as unknown as { seen: string[]; stream: { close(): void } };
        w.stream.close();
        return w.seen;
      })) as string[];
      const counts = seen.map((s) => Number(s.split("|")[1]?.split(":")[1]));
      expect(counts).toEqual(Array.from({ length: counts.length }, (_, i) => i + 1));
      expect(seen[0]).toBe("1-\u00e9|job-7:1");
      // Every stream request was the POST with its body; each reconnect sent the id it had reached.
      expect(requests.every((r) => r.method === "POST" && r.body === "job-7")).toBe(true);
      expect(requests[0]?.lastEventId).toBeUndefined();
      const resumed = requests.at(-1)?.lastEventId ?? "";
      expect(resumed).toMatch(/^\d+-\u00e9$/);
      expect(counts).toContain(Number.parseInt(resumed, 10) + 1);
    } finally {
      await page.close();
    }
  });
});
