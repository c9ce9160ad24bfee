/**
 * The hub over a real server on another runtime: replay by Last-Event-ID over
 * real HTTP, the `eventsource` package across maxDuration cuts, and the 204
 * that ends an EventSource. Each runtime's hub.test.ts starts its server
 * (serving fixtures/hub-app.ts) and calls {@link describeHubRuntime}.
 *
 * @module
 */
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "./client.ts";

/** How to start and stop the runtime's server. */
export interface HubRuntime {
  /** Starts the server; resolves to its base URL. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Defines the hub tests for one runtime. */
export function describeHubRuntime(name: string, runtime: HubRuntime): void {
  describe(`hub on ${name}`, () => {
    let base = "";
    beforeAll(async () => {
      base = await runtime.start();
    }, 60_000);
    afterAll(async () => {
      await runtime.stop();
    });

    async function publish(topic: string, text: string): Promise<string> {
      const response = await fetch(`${base}/publish?topic=${encodeURIComponent(topic)}`, {
        method: "POST",
        body: text,
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { id: string }).id;
    }

    async function events(query: string, lastEventId?: string): Promise<Client> {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
      const response = await fetch(`${base}/events?${query}`, { headers });
      expect(response.status).toBe(200);
      return new Client(response);
    }

    it("a client resuming with Last-Event-ID gets exactly what it missed, then live", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await publish("replay", `r${i}`));
      const client = await events("topic=replay", ids[1]);
      await client.count(4);
      await publish("replay", "live");
      await client.count(5);
      expect(client.data).toEqual(["r2", "r3", "r4", "r5", "live"]);
      expect(client.events.slice(0, 4).map((event) => event.id)).toEqual(ids.slice(2));
      await client.close();
      const gapped = await events("topic=replay", "not-an-id");
      await gapped.count(1);
      expect(gapped.events[0]?.event).toBe("reset");
      await gapped.close();
    });

    it("the eventsource package loses nothing across repeated maxDuration cuts", async () => {
      const source = new EventSource(`${base}/events?topic=cuts&start=earliest&maxDuration=250`);
      const seen: string[] = [];
      let opens = 0;
      source.addEventListener("open", () => opens++);
      source.addEventListener("note", (event) => seen.push(event.data));
      try {
        const total = 80;
        for (let n = 0; n < total; n++) {
          await publish("cuts", String(n));
          await new Promise((resolve) => setTimeout(resolve, 15));
        }
        await until(() => seen.length >= total, 15_000, `${total} events`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(seen).toEqual(Array.from({ length: total }, (_, n) => String(n)));
        expect(opens).toBeGreaterThanOrEqual(3);
      } finally {
        source.close();
      }
    });

    it("an EventSource on an ended topic ends on a 204 and the server keeps no subscriber", async () => {
      const source = new EventSource(`${base}/events?topic=job&start=earliest`);
      const seen: string[] = [];
      source.addEventListener("note", (event) => seen.push(event.data));
      try {
        await publish("job", "one");
        await publish("job", "two");
        const ended = await fetch(`${base}/end?topic=job`, { method: "POST" });
        expect(ended.status).toBe(200);
        await until(() => source.readyState === EventSource.CLOSED, 10_000, "EventSource closed");
        expect(seen).toEqual(["one", "two"]);
        const count = await fetch(`${base}/subscribers?topic=job`);
        expect(await count.json()).toEqual({ count: 0 });
      } finally {
        source.close();
      }
    });
  });
}
