// The Redis clients the backend is tested with, each connected to a test's own server.
import { Redis as IORedis } from "ioredis";
import { createClient } from "redis";
import type { RedisLike } from "../../src/redis.ts";

export interface TestClient {
  readonly client: RedisLike;
  /** Sends a raw command (for FLUSHALL and inspection). */
  command(...args: string[]): Promise<unknown>;
  close(): Promise<void>;
}

export type ClientKind = "node-redis" | "ioredis";

export const CLIENT_KINDS: readonly ClientKind[] = ["node-redis", "ioredis"];

export async function connect(kind: ClientKind, url: string): Promise<TestClient> {
  if (kind === "node-redis") {
    const client = createClient({ url });
    // Without a listener, node-redis crashes the process when Redis restarts.
    client.on("error", () => {});
    await client.connect();
    return {
      client,
      command: (...args) => client.sendCommand(args),
      close: async () => {
        client.destroy();
      },
    };
  }
  // ioredis with its defaults (20 retries per request, offline queue): the backend bounds every command itself.
  const client = new IORedis(url);
  client.on("error", () => {});
  return {
    client,
    command: (name, ...args) => client.call(name as string, ...args),
    close: async () => {
      client.disconnect();
    },
  };
}
