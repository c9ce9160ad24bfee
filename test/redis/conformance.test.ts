// The hub backend conformance suite on redisBackend(), over a real redis-server,
// with node-redis and with ioredis.
import { Redis as IORedis } from "ioredis";
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
        // Redis restored from an older snapshot while the instances run: every
        // key of the prefix DUMPed now and RESTOREd later (keys made since are deleted).
        checkpoint: async () => {
          const raw = new IORedis(server.url);
          raw.on("error", () => {});
          clients.push({
            client: raw,
            command: async () => {},
            close: async () => raw.disconnect(),
          });
          const keys = await raw.keys(`{${prefix}}:*`);
          const dumps = await Promise.all(keys.map((key) => raw.dumpBuffer(key)));
          return async () => {
            const now = await raw.keys(`{${prefix}}:*`);
            if (now.length > 0) await raw.del(...now);
            for (let i = 0; i < keys.length; i++) {
              const dump = dumps[i];
              if (dump) await raw.restore(keys[i] as string, 0, dump, "REPLACE");
            }
          };
        },
        dispose: async () => {
          for (const client of clients) await client.close();
        },
      };
    },
    { share: true, restart: true, wipe: true, checkpoint: true },
  );
}
