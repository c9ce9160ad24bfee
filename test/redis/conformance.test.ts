// The hub backend conformance suite on redisBackend(), over a real redis-server,
// with node-redis and with ioredis.
import { afterAll, beforeAll } from "vitest";
import { redisBackend } from "../../src/redis.ts";
import { backendConformance } from "../hub/conformance.ts";
import { CLIENT_KINDS, connect, type TestClient } from "./clients.ts";
import { type RedisServer, startRedis } from "./redis-server.ts";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedis();
});
afterAll(async () => {
  await server?.dispose();
});

let prefixes = 0;

for (const kind of CLIENT_KINDS) {
  backendConformance(
    `redisBackend(${kind})`,
    async () => {
      // A fresh prefix per test: an empty store that nothing else writes to.
      const prefix = `conformance-${kind}-${++prefixes}`;
      const clients: TestClient[] = [];
      const backendOn = async () => {
        const client = await connect(kind, server.url);
        clients.push(client);
        return redisBackend(client.client, { prefix });
      };
      const first = await backendOn();
      return {
        backend: first,
        // Another instance: its own connection, the same Redis and prefix.
        share: backendOn,
        // A new process on the same Redis, which kept its data.
        restart: backendOn,
        // Redis lost everything (FLUSHALL), then a new process comes up.
        wipe: async () => {
          await clients[0]?.command("FLUSHALL");
          return backendOn();
        },
        dispose: async () => {
          for (const client of clients) await client.close();
        },
      };
    },
    { share: true, restart: true, wipe: true },
  );
}
