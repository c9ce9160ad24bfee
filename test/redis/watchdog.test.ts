// The live reader's watchdog: a connection that goes silent without closing
// (ioredis after a restart, #610/#1285; a dead NAT entry; a half-open TCP
// connection) is replaced after BLOCK plus the watchdog, and the feed catches
// up from the last id it saw. A TCP proxy in front of Redis freezes every
// connection open at that moment, while new ones go through.
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { createHub } from "../../src/hub.ts";
import { redisBackend } from "../../src/redis.ts";
import { connect } from "../hub/client.ts";
import { CLIENT_KINDS, connect as connectRedis } from "./clients.ts";
import { startRedis } from "./redis-server.ts";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
});

/** A proxy to `port`; freeze() stops every connection open now from passing bytes either way. */
async function proxy(
  port: number,
): Promise<{ url: string; freeze(): void; close(): Promise<void> }> {
  const pairs: [Socket, Socket][] = [];
  const server: Server = createServer((client) => {
    const upstream = createConnection(port, "127.0.0.1");
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const own = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${own}`,
    freeze() {
      for (const [client, upstream] of pairs.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        cleanup.push(async () => {
          client.destroy();
          upstream.destroy();
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(CLIENT_KINDS)("the live reader's watchdog, with %s", (kind) => {
  test("a reader whose connection goes silent reconnects and catches up: nothing lost, the stream stays open", async () => {
    const redis = await startRedis();
    cleanup.push(() => redis.dispose());
    const front = await proxy(redis.port);
    cleanup.push(() => front.close());
    const direct = await connectRedis(kind, redis.url);
    const viaProxy = await connectRedis(kind, front.url);
    cleanup.push(async () => {
      await direct.close();
      await viaProxy.close();
    });
    const a = createHub({ backend: redisBackend(direct.client, { prefix: "w" }) });
    const b = createHub({ backend: redisBackend(viaProxy.client, { prefix: "w", timeout: 1000 }) });
    cleanup.push(async () => {
      await a.close();
      await b.close();
    });
    const live = await connect(b, "t", { keepAlive: 500 });
    cleanup.push(() => live.close());
    await a.publish("t", "before");
    await live.count(1);
    front.freeze();
    const started = Date.now();
    await a.publish("t", "during1");
    await a.publish("t", "during2");
    // BLOCK (2 s) + watchdog (3 s), then a fresh connection reads from the last id.
    await live.count(3, 15_000);
    expect(Date.now() - started).toBeGreaterThan(1000);
    expect(live.data).toEqual(["before", "during1", "during2"]);
    expect(live.isEnded).toBe(false);
  });
});
