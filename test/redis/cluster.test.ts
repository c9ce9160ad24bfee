// redisBackend on a real Redis Cluster (three masters started here): every key
// of a hub shares the hash tag {prefix}, so its multi-key scripts run in one
// slot. The conformance suite with node-redis's createCluster() and ioredis's
// Cluster.
import { execFile } from "node:child_process";
import { Cluster } from "ioredis";
import { createCluster } from "redis";
import { afterAll, beforeAll } from "vitest";
import { redisBackend } from "../../src/redis.ts";
import { backendConformance } from "../hub/conformance.ts";
import { type RedisServer, startRedis } from "./redis-server.ts";

const nodes: RedisServer[] = [];

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "/usr/bin/redis-cli",
      args,
      { timeout: 30_000, killSignal: "SIGKILL" },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    nodes.push(
      await startRedis({
        args: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
      }),
    );
  }
  await cli([
    "--cluster",
    "create",
    ...nodes.map((node) => `127.0.0.1:${node.port}`),
    "--cluster-replicas",
    "0",
    "--cluster-yes",
  ]);
  // Bounded wait until every node sees the cluster as ok.
  const deadline = Date.now() + 20_000;
  for (const node of nodes) {
    while (!/cluster_state:ok/.test(await cli(["-p", String(node.port), "cluster", "info"]))) {
      if (Date.now() > deadline) throw new Error("the cluster did not come up within 20 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  }
});

afterAll(async () => {
  for (const node of nodes) await node.dispose();
});

let prefixes = 0;

backendConformance(
  "redisBackend(node-redis createCluster)",
  async () => {
    const prefix = `cluster-node-redis-${++prefixes}`;
    const clients: { destroy(): void }[] = [];
    const backendOn = async () => {
      const client = createCluster({ rootNodes: nodes.map((node) => ({ url: node.url })) });
      client.on("error", () => {});
      await client.connect();
      clients.push(client);
      return redisBackend(client, { prefix });
    };
    return {
      backend: await backendOn(),
      share: backendOn,
      restart: backendOn,
      dispose: () => {
        for (const client of clients) client.destroy();
      },
    };
  },
  { share: true, restart: true },
);

backendConformance(
  "redisBackend(ioredis Cluster)",
  async () => {
    const prefix = `cluster-ioredis-${++prefixes}`;
    const clients: Cluster[] = [];
    const backendOn = async () => {
      const client = new Cluster(nodes.map((node) => ({ host: "127.0.0.1", port: node.port })));
      client.on("error", () => {});
      clients.push(client);
      return redisBackend(client, { prefix });
    };
    return {
      backend: await backendOn(),
      share: backendOn,
      restart: backendOn,
      dispose: () => {
        for (const client of clients) client.disconnect();
      },
    };
  },
  { share: true, restart: true },
);
