/**
 * Smoke test of the Node demo: server.mjs as `npm start` runs it, and the app's
 * routes through Hono's app.request(). The browser side is in test/browser/demo.test.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { until } from "../../test/clients/node-server.ts";
import { readEvents } from "../../test/clients/read-events.ts";
import { createDemoApp, SAFE_ERROR_MESSAGE } from "./app.mjs";

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts server.mjs with PORT=0 and resolves with the URL it prints. */
function startDemo(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL("./server.mjs", import.meta.url))], {
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no URL within 10 s; output: ${out}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const url = /web-sse demo on (http:\/\/localhost:\d+)/.exec(out)?.[1];
      if (url === undefined) return;
      clearTimeout(timer);
      resolve({ child, url });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server.mjs exited (${code}): ${out}`));
    });
  });
}

function exited(child: ChildProcess, ms: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe("examples/node server.mjs", () => {
  test("prints its URL for PORT=0, serves the page and the stream, and stops on SIGTERM with a stream open", async () => {
    const { child, url } = await startDemo();
    // localhost may resolve to ::1 or 127.0.0.1; the server listens on both.
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>web-sse live demo</title>");

    const stream = await fetch(`${url}/events?client=smoke`, { headers: { "last-event-id": "9" } });
    const read = await readEvents(stream, (r) => r.events.some((e) => e.event === "count"));
    expect(read.events.slice(0, 2)).toMatchObject([
      { event: "hello", data: '{"resumedFrom":9,"via":"Last-Event-ID"}' },
      { event: "count", id: "10", data: "10" },
    ]);
    expect(read.retries).toEqual([1000]);

    const open = await fetch(`${url}/events?client=held`);
    expect(open.status).toBe(200);
    child.kill("SIGTERM");
    expect(await exited(child, 5000)).toBe(0);
  });
});

/** Reads `response` to its end; `first` resolves once its first event is in (the stream is registered by then). */
function readToEnd(response: Response): {
  first: Promise<void>;
  ended: ReturnType<typeof readEvents>;
} {
  let started!: () => void;
  const first = new Promise<void>((resolve) => {
    started = resolve;
  });
  const ended = readEvents(response, (read) => {
    if (read.events.length > 0) started();
    return false;
  });
  return { first, ended };
}

describe("examples/node app.mjs", () => {
  const app = createDemoApp({ tick: 50, log: () => {} });

  test("the stream counts from 1, or from the Last-Event-ID or ?from it is given", async () => {
    const first = await readEvents(await app.request("/events"), (r) => r.events.length >= 5);
    expect(first.events.map((e) => [e.event, e.id])).toEqual([
      ["hello", undefined],
      ["count", "1"],
      ["clock", undefined],
      ["count", "2"],
      ["clock", undefined],
    ]);
    expect(JSON.parse(first.events[0]?.data ?? "")).toEqual({ resumedFrom: null, via: null });

    const resumed = await readEvents(
      await app.request("/events?from=3", { headers: { "Last-Event-ID": "41" } }),
      (r) => r.events.length >= 2,
    );
    expect(resumed.events.map((e) => e.data)).toEqual([
      '{"resumedFrom":41,"via":"Last-Event-ID"}',
      "42",
    ]);

    const reloaded = await readEvents(
      await app.request("/events?from=3"),
      (r) => r.events.length >= 2,
    );
    expect(reloaded.events.map((e) => e.data)).toEqual(['{"resumedFrom":3,"via":"?from"}', "4"]);
  });

  test("'end' ends the client's stream normally", async () => {
    const { first, ended } = readToEnd(await app.request("/events?client=a"));
    await first;
    expect((await app.request("/control/end?client=a", { method: "POST" })).status).toBe(202);
    const read = await ended;
    expect(read.ended).toBe(true);
    expect(read.events.map((e) => e.event)).not.toContain("error");
  });

  test("'throw' sends one safe error event, never the exception text, then ends the stream", async () => {
    const errors: unknown[] = [];
    const logged = createDemoApp({ tick: 50, log: (_message, error) => errors.push(error) });
    const response = await logged.request("/events?client=b");
    const text = response.clone().text();
    const { first, ended } = readToEnd(response);
    await first;
    expect((await logged.request("/control/throw?client=b", { method: "POST" })).status).toBe(202);
    const read = await ended;
    expect(read.ended).toBe(true);
    expect(read.events.at(-1)).toMatchObject({
      event: "error",
      data: JSON.stringify({ message: SAFE_ERROR_MESSAGE }),
    });
    expect(await text).not.toMatch(/hunter2|demo failure/);
    expect(String(errors[0])).toMatch(/hunter2/);
  });

  test("a client that leaves mid-wait stops its stream at once, not at the next tick", async () => {
    const slow = createDemoApp({ tick: 60_000, log: () => {} });
    const response = await slow.request("/events?client=c");
    await readEvents(response, (read) => read.events.length >= 2); // then cancels the body

    // The stream's finally unregisters the client; with a sleep not tied to ctx.signal it would wait 60 s.
    await until(
      async () => (await slow.request("/control/end?client=c", { method: "POST" })).status === 409,
      2000,
      "the stream to unregister",
    );
  });

  test("a command for a client without a stream is 409, an unknown command 404, and a JSON-only Accept 406", async () => {
    expect((await app.request("/control/end?client=nobody", { method: "POST" })).status).toBe(409);
    expect((await app.request("/control/explode?client=a", { method: "POST" })).status).toBe(404);
    expect((await app.request("/events", { headers: { Accept: "application/json" } })).status).toBe(
      406,
    );
  });
});
