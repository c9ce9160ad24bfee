/**
 * The page's way of asking (examples/ai-answer): fetchEvents POSTs the
 * question to /answers/:id/events and reads the answer from that response;
 * a re-sent POST (a reconnect, or a reload that follows the same id) resumes
 * the one job instead of starting another.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHub } from "web-sse/hub";
import { fetchEvents, SSEResponseError } from "../../src/client.ts";
import { type RunningServer, startServer, within } from "../../test/clients/node-server.ts";
import { answerTokens, createAnswerApp } from "./app.mjs";

describe("examples/ai-answer: asking with fetchEvents", () => {
  const hub = createHub();
  const jobs = new AbortController();
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(
      createAnswerApp({ hub, tokenMs: 10, retry: 50, signal: jobs.signal }).fetch,
    );
  });
  afterAll(async () => {
    jobs.abort();
    await hub.close();
    await server?.close();
  });

  const ask = (id: string, question: string, lastEventId?: string) =>
    fetchEvents(`${server.url}/answers/${id}/events`, {
      method: "POST",
      body: new URLSearchParams({ question }),
      ...(lastEventId === undefined ? {} : { lastEventId }),
    });

  test("the POST starts the answer and streams it; stopping and re-POSTing with the last id resumes the one job", async () => {
    const id = crypto.randomUUID();
    const first = ask(id, "resume me");
    const seen: string[] = [];
    for await (const event of first) {
      seen.push(event.data);
      if (seen.length === 5) break;
    }
    const rest = ask(id, "a different question is ignored", first.lastEventId);
    await within(
      (async () => {
        for await (const event of rest) seen.push(event.data);
      })(),
      15_000,
      "the rest of the answer",
    );
    expect(seen.join("")).toBe(answerTokens("resume me").join(""));
  });

  test("a bad id or question is refused with SSEResponseError (400) and nothing starts", async () => {
    const badId = ask("not-a-uuid", "q");
    await expect(badId.next()).rejects.toBeInstanceOf(SSEResponseError);
    const empty = ask(crypto.randomUUID(), " ");
    const error = await empty.next().then(
      () => undefined,
      (e: unknown) => e as SSEResponseError,
    );
    expect(error?.status).toBe(400);
    expect(await error?.response.text()).toMatch(/"question" must be 1 to 500 characters/);
  });

  test("the page can load web-sse/client from the server, and nothing outside dist/", async () => {
    const ok = await fetch(`${server.url}/web-sse/client.js`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("fetchEvents");
    expect((await fetch(`${server.url}/web-sse/..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/web-sse/nope.js`)).status).toBe(404);
  });
});
