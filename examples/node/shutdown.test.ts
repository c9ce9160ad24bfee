/**
 * Graceful shutdown of the Node demo (server.mjs as `npm start` runs it, a
 * real process): on SIGTERM it closes the hub and the server and exits within
 * 1 s, with room streams and a counter stream open. The server enforces the
 * second itself: past it, it exits with code 1, so exit code 0 is the proof.
 */
import { fileURLToPath } from "node:url";
import { EventSource } from "eventsource";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { until, within } from "../../test/clients/node-server.ts";
import { exited, killExamples, startExample } from "../../test/helpers/example-process.ts";

const SERVER = fileURLToPath(new URL("./server.mjs", import.meta.url));
const sources: EventSource[] = [];

afterEach(() => {
  for (const source of sources.splice(0)) source.close();
});
afterAll(killExamples);

describe("examples/node server.mjs shutdown", () => {
  test("SIGTERM with three room streams and a counter stream open: every stream ends and the process exits 0 within 1 s", async () => {
    const { child, url, output } = await startExample(
      SERVER,
      /web-sse demo on (http:\/\/localhost:\d+)/,
    );

    const rooms = [0, 1, 2].map(() => {
      const source = new EventSource(`${url}/room/events`);
      sources.push(source);
      const seen = { messages: [] as string[], errors: 0 };
      source.addEventListener("message", (event) => seen.messages.push(event.data));
      source.addEventListener("error", () => seen.errors++);
      return seen;
    });
    const counter = await fetch(`${url}/events`);
    const reader = counter.body?.getReader();
    if (reader === undefined) throw new Error("the counter stream has no body");
    await reader.read();

    const posted = await fetch(`${url}/room/messages`, {
      method: "POST",
      headers: { accept: "application/json" },
      body: new URLSearchParams({ name: "ops", text: "deploying" }),
    });
    expect(posted.status).toBe(202);
    // Every room stream is live: each got the message.
    await until(
      () => rooms.every((r) => r.messages.length === 1),
      5000,
      "the message in every tab",
    );
    expect(JSON.parse(rooms[0]?.messages[0] ?? "{}")).toMatchObject({
      name: "ops",
      text: "deploying",
    });

    const signalled = performance.now();
    child.kill("SIGTERM");
    const code = await exited(child, 5000);
    const took = performance.now() - signalled;
    expect({ code, output: output() }).toEqual({
      code: 0,
      output: expect.not.stringMatching(/still running/),
    });
    expect(took).toBeLessThan(5000);

    // The clients saw their streams end: the counter's body ends, each EventSource lost its connection.
    await within(
      (async () => {
        for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
      })(),
      2000,
      "the counter stream to end",
    );
    await until(
      () => rooms.every((r) => r.errors >= 1),
      2000,
      "every EventSource to lose its stream",
    );
  });
});
