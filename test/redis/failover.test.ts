// Two real instance processes on one Redis behind a client that fails over:
// kill -9 the instance a client is on; it reconnects to the other with its
// Last-Event-ID and gets every event once, in order, while publishing goes on.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { EventSource, type FetchLike } from "eventsource";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type RedisServer, startRedis } from "./redis-server.ts";

const children: ChildProcess[] = [];
let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  await redis?.dispose();
});

/** Starts test/redis/instance-server.mjs; resolves with its port (bounded). */
function instance(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [new URL("./instance-server.mjs", import.meta.url).pathname],
    {
      env: { ...process.env, REDIS_URL: redis.url },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("instance did not start within 15 s")), 15_000);
    child.once("exit", (code) => reject(new Error(`instance exited with ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ port: (JSON.parse(line) as { port: number }).port, child });
    });
  });
}

test("kill -9 the instance a client is on: it fails over with Last-Event-ID and gets every event once, in order, while publishing goes on", async () => {
  const first = await instance();
  const second = await instance();
  const ports = [first.port, second.port];
  // The load balancer: the first instance that answers takes the request.
  const failover: FetchLike = async (url, init) => {
    let lastError: unknown;
    for (const port of ports) {
      const target = new URL(url);
      target.port = String(port);
      try {
        return await fetch(target, init);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };
  const received: { id: string; data: string }[] = [];
  const lastEventIds: (string | null)[] = [];
  const source = new EventSource(`http://127.0.0.1:${first.port}/events?topic=t`, {
    fetch: (url, init) => {
      lastEventIds.push(new Headers(init?.headers).get("last-event-id"));
      return failover(url, init);
    },
  });
  source.onmessage = (event) => received.push({ id: event.lastEventId, data: event.data });
  await new Promise<void>((resolve, reject) => {
    source.onopen = () => resolve();
    setTimeout(() => reject(new Error("EventSource did not open within 10 s")), 10_000);
  });

  // Publishing goes on through the instance that survives.
  const published: { id: string; data: string }[] = [];
  const publishOne = async (i: number) => {
    const response = await fetch(`http://127.0.0.1:${second.port}/publish?topic=t&data=e${i}`, {
      method: "POST",
    });
    expect(response.status).toBe(200);
    published.push({ id: ((await response.json()) as { id: string }).id, data: `e${i}` });
  };
  let i = 0;
  for (; i < 30; i++) {
    await publishOne(i);
    await new Promise((r) => setTimeout(r, 10));
  }
  first.child.kill("SIGKILL");
  for (; i < 120; i++) {
    await publishOne(i);
    await new Promise((r) => setTimeout(r, 10));
  }
  const deadline = Date.now() + 20_000;
  while (received.length < published.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  source.close();
  expect(received).toEqual(published);
  // It did fail over: one reconnect, carrying an id it had received.
  const resumedWith = lastEventIds.slice(1);
  expect(resumedWith.length).toBeGreaterThanOrEqual(1);
  expect(published.map((p) => p.id)).toContain(resumedWith[0]);
  second.child.kill("SIGTERM");
});
