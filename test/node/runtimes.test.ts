/**
 * web-sse/node on Bun's and Deno's `node:http` (Node's own runs in
 * http.test.ts), each server in its own process: streaming with the headers,
 * the client leaving, a source that ends, and the hub.
 */
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { http1, type Transport } from "../runtimes/shared/client.ts";
import { ROOT, type ServerProcess, startServer } from "../runtimes/shared/spawn.ts";

interface Seen {
  closes: string[];
  finallies: number;
  settled: string[];
  lastEventIds: (string | null)[];
  subscribers: number;
}

const SCRIPT = "test/node/runtime-server.ts";
const runtimes: [string, string, string[]][] = [
  ["Bun", `${ROOT}node_modules/.bin/bun`, ["run", SCRIPT]],
  [
    "Deno",
    `${ROOT}node_modules/.bin/deno`,
    ["run", "--allow-net=127.0.0.1", "--no-prompt", SCRIPT],
  ],
];

function version(command: string): string {
  return execFileSync(command, ["--version"], { encoding: "utf8" }).split("\n")[0]?.trim() ?? "";
}

for (const [name, command, args] of runtimes) {
  describe(`${name}'s node:http (${version(command)})`, () => {
    let server: ServerProcess;
    let transport: Transport;
    const seen = async (): Promise<Seen> => (await transport.json("/state")) as Seen;
    beforeAll(async () => {
      server = await startServer(command, args);
      transport = http1(`http://127.0.0.1:${server.port}`);
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });
    beforeEach(async () => {
      await transport.json("/reset");
    });

    test("streams the events, retry first, with the event-stream headers and middleware's", async () => {
      const client = await transport.open("/stream", { "last-event-id": "7" });
      try {
        expect(client.status).toBe(200);
        expect(client.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
        expect(client.headers["cache-control"]).toBe("no-cache, no-transform");
        expect(client.headers["x-middleware"]).toBe("kept");
        expect(client.headers["content-length"]).toBeUndefined();
        const ids = [];
        for (let i = 0; i < 4; i++) ids.push((await client.next(5000)).id);
        expect(ids).toEqual(["1", "2", "3", "4"]);
      } finally {
        client.close();
      }
      expect((await seen()).lastEventIds).toEqual(["7"]);
    });

    test("the client leaving returns the source and calls onClose('cancel') once", async () => {
      const client = await transport.open("/stream");
      await client.next(5000);
      client.close();
      let state: Seen | undefined;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        state = await seen();
        if (state.settled.length === 1 && state.finallies === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(state?.closes).toEqual(["cancel"]);
      expect(state?.finallies).toBe(1);
      expect(state?.settled).toEqual(["resolved"]);
    });

    test("a source that ends closes the response: onClose('done')", async () => {
      const client = await transport.open("/done");
      expect((await client.next(5000)).data).toBe("one");
      expect((await client.next(5000)).event).toBe("two");
      await client.ended(5000);
      const deadline = Date.now() + 5000;
      let state = await seen();
      while (state.settled.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        state = await seen();
      }
      expect(state.closes).toEqual(["done"]);
    });

    test("sendHub: live events, then replay from Last-Event-ID", async () => {
      const first = await transport.open("/hub");
      const deadline = Date.now() + 5000;
      while ((await seen()).subscribers !== 1 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const a = (await transport.json("/publish?data=a")) as string;
      await transport.json("/publish?data=b");
      expect((await first.next(5000)).data).toBe("a");
      expect((await first.next(5000)).data).toBe("b");
      const second = await transport.open("/hub", { "last-event-id": a });
      expect((await second.next(5000)).data).toBe("b");
      first.close();
      second.close();
    });
  });
}
