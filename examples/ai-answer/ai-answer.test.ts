/**
 * The resumable AI answer example over real HTTP (@hono/node-server on
 * 127.0.0.1) with the `eventsource` package as the client. The browser side is
 * in test/browser/hub-ai-answer.test.ts.
 */
import { EventSource, type FetchLike } from "eventsource";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { createHub, type Hub } from "web-sse/hub";
import { type RunningServer, startServer, until } from "../../test/clients/node-server.ts";
import { readEvents } from "../../test/clients/read-events.ts";
import { answerTokens, createAnswerApp } from "./app.mjs";

/** One request an EventSource made: the Last-Event-ID it sent and the status it got. */
interface Attempt {
  lastEventId: string | null;
  status: number;
}

/** An EventSource on `url` that records every attempt and every token. */
function follow(url: string): {
  source: EventSource;
  tokens: string[];
  attempts: Attempt[];
  closedWith: Promise<number | undefined>;
} {
  const attempts: Attempt[] = [];
  const recording: FetchLike = async (input, init) => {
    const response = await fetch(input, init);
    const headers = new Headers(init.headers);
    attempts.push({ lastEventId: headers.get("last-event-id"), status: response.status });
    return response;
  };
  const source = new EventSource(url, { fetch: recording });
  sources.push(source);
  const tokens: string[] = [];
  source.addEventListener("token", (event) => tokens.push(event.data));
  const closedWith = new Promise<number | undefined>((resolve) => {
    source.addEventListener("error", (event) => {
      if (source.readyState === EventSource.CLOSED) resolve(event.code);
    });
  });
  return { source, tokens, attempts, closedWith };
}

const QUESTION = "Why do streams end on a 204?";
const expected = answerTokens(QUESTION);

let hub: Hub;
let server: RunningServer;
const sources: EventSource[] = [];
const jobs = new AbortController();

beforeAll(async () => {
  hub = createHub();
  const app = createAnswerApp({ hub, tokenMs: 40, retry: 100, signal: jobs.signal });
  server = await startServer(app.fetch);
});
afterEach(() => {
  for (const source of sources.splice(0)) source.close();
});
afterAll(async () => {
  jobs.abort();
  await hub?.close();
  await server?.close();
});

/** Starts an answer and returns its event-stream URL. */
async function ask(question = QUESTION): Promise<string> {
  const response = await fetch(`${server.url}/answers`, {
    method: "POST",
    headers: { accept: "application/json" },
    body: new URLSearchParams({ question }),
  });
  expect(response.status).toBe(201);
  const { events } = (await response.json()) as { events: string };
  return `${server.url}${events}`;
}

describe("examples/ai-answer with the eventsource package", () => {
  test("the answer has enough tokens to be followed mid-way", () => {
    expect(expected.length).toBeGreaterThan(60);
    expect(expected.join("")).toMatch(/^You asked: "Why do streams end on a 204\?"\. Server-Sent/);
  });

  test("a client that comes back mid-answer gets every token from the first, then the rest live, then 204 stops it", async () => {
    const url = await ask();
    const first = follow(url);
    await until(() => first.tokens.length >= 10, 10_000, "ten tokens");
    first.source.close(); // the tab is reloaded: a new EventSource, no Last-Event-ID

    const second = follow(url);
    await until(() => second.tokens.length >= first.tokens.length, 5000, "the answer so far");
    // Still mid-answer when it caught up: the rest arrives live.
    expect(second.tokens.length).toBeLessThan(expected.length);
    expect(second.tokens).toEqual(expected.slice(0, second.tokens.length));

    expect(await second.closedWith).toBe(204);
    expect(second.tokens).toEqual(expected);
    // One stream with the whole answer, then one reconnect with the last id, answered 204.
    expect(second.attempts).toHaveLength(2);
    expect(second.attempts[0]).toEqual({ lastEventId: null, status: 200 });
    expect(second.attempts[1]?.status).toBe(204);
    expect(second.attempts[1]?.lastEventId).toEqual(expect.any(String));
    expect(first.tokens).toEqual(expected.slice(0, first.tokens.length));
  });

  test("a client that arrives after the end gets the whole answer, then 204, and makes no more requests", async () => {
    const url = await ask("a late joiner");
    const during = follow(url);
    expect(await during.closedWith).toBe(204);

    const late = follow(url);
    expect(await late.closedWith).toBe(204);
    expect(late.tokens).toEqual(answerTokens("a late joiner"));
    expect(late.attempts.map((a) => a.status)).toEqual([200, 204]);
    await new Promise((resolve) => setTimeout(resolve, 400)); // four retry periods
    expect(late.attempts).toHaveLength(2);
  });

  test("a client that saw the whole answer and reconnects with its last id gets 204 at once", async () => {
    const url = await ask("short");
    const done = follow(url);
    expect(await done.closedWith).toBe(204);
    const lastId = done.attempts[1]?.lastEventId;
    expect(lastId).toEqual(expect.any(String));

    const again = await fetch(url, {
      headers: { accept: "text/event-stream", "last-event-id": lastId ?? "" },
    });
    expect(again.status).toBe(204);
    expect(await again.text()).toBe("");
  });

  test("past maxRunning answers at once a new question gets 429, and is accepted again once one ends", async () => {
    const small = createHub();
    const stop = new AbortController();
    const one = await startServer(
      createAnswerApp({ hub: small, tokenMs: 5, maxRunning: 1, signal: stop.signal }).fetch,
    );
    try {
      const post = () =>
        fetch(`${one.url}/answers`, {
          method: "POST",
          headers: { accept: "application/json" },
          body: new URLSearchParams({ question: "one at a time" }),
        });
      const first = await post();
      expect(first.status).toBe(201);
      const busy = await post();
      expect(busy.status).toBe(429);
      expect(busy.headers.get("retry-after")).toBe("5");
      expect(await busy.text()).toBe("busy: 1 of 1 answers being written; ask again shortly\n");

      const { events } = (await first.json()) as { events: string };
      const read = await readEvents(await fetch(`${one.url}${events}`), () => false, 10_000);
      expect(read.ended).toBe(true);
      await until(async () => (await post()).status === 201, 2000, "a new answer to be accepted");
    } finally {
      stop.abort(); // the answer accepted last stops before its hub closes
      await small.close();
      await one.close();
    }
  });

  test("bad input: an empty or too long question is 400 naming the field, an unknown answer 404, a JSON-only Accept 406", async () => {
    for (const question of ["", "   ", "x".repeat(501)]) {
      const response = await fetch(`${server.url}/answers`, {
        method: "POST",
        body: new URLSearchParams({ question }),
      });
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/^"question" must be 1 to 500 characters \(got \d+/);
    }
    const unknown = await fetch(`${server.url}/answers/nope/events`);
    expect(unknown.status).toBe(404);

    const url = await ask("refused");
    const refused = await fetch(url, { headers: { accept: "application/json" } });
    expect(refused.status).toBe(406);
    expect(refused.headers.get("vary")).toMatch(/accept/i);

    // The server kept serving: the same answer still streams.
    const read = await readEvents(await fetch(url), (r) => r.events.length >= 2);
    expect(read.events.map((e) => e.data)).toEqual(answerTokens("refused").slice(0, 2));
  });
});
