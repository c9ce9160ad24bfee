// redisBackend on Bun and Deno: ./runtime-check.mjs runs two hubs on one
// Redis in each runtime, on the built package (npm test builds first).
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type RedisServer, startRedis } from "./redis-server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SCRIPT = "test/redis/runtime-check.mjs";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.dispose();
});

interface Seen {
  ids: string[];
  live: { id: string; data: string }[];
  resumed: { id: string; data: string }[];
}

/** Runs the check in a child process (killed by its PID after 30 s) and parses its one line. */
function run(command: string, args: string[], client: string): Promise<Seen> {
  return new Promise((resolve, reject) => {
    execFile(
      `${ROOT}node_modules/.bin/${command}`,
      [...args, SCRIPT],
      {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL: redis.url, CLIENT: client },
        timeout: 30_000,
        killSignal: "SIGKILL",
      },
      (error, stdout, stderr) => {
        if (error)
          reject(new Error(`${command} ${client}: ${error.message}\n${stdout}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split("\n").pop() as string) as Seen);
      },
    );
  });
}

function expectShared(seen: Seen): void {
  expect(new Set(seen.ids).size).toBe(3);
  // B's subscriber got A's publishes with A's ids; a resume on A got exactly the rest.
  expect(seen.live).toEqual([
    { id: seen.ids[0], data: "one" },
    { id: seen.ids[1], data: "two" },
    { id: seen.ids[2], data: "three" },
  ]);
  expect(seen.resumed).toEqual(seen.live.slice(1));
}

describe("redisBackend in other runtimes", () => {
  test("Bun with its built-in RedisClient: two hubs share events and ids, and a resume gets the rest", async () => {
    expectShared(await run("bun", [], "bun"));
  });

  test("Bun with node-redis: two hubs share events and ids, and a resume gets the rest", async () => {
    expectShared(await run("bun", [], "node-redis"));
  });

  test("Deno with node-redis: two hubs share events and ids, and a resume gets the rest", async () => {
    expectShared(await run("deno", ["run", "-A"], "node-redis"));
  });

  test("Bun's RedisClient through a Redis restart: the stream stays open and nothing published is lost", async () => {
    const aof = await startRedis({ appendOnly: true });
    try {
      const child = spawn(`${ROOT}node_modules/.bin/bun`, ["test/redis/runtime-restart.mjs"], {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL: aof.url },
        stdio: ["pipe", "pipe", "inherit"],
      });
      const killer = setTimeout(() => child.kill("SIGKILL"), 45_000);
      const lines: string[] = [];
      const exited = new Promise((resolve) => child.once("exit", resolve));
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", async (line) => {
        lines.push(line);
        if (line === "restart") {
          await aof.stop();
          await aof.start();
          child.stdin?.write("go\n");
        }
      });
      await exited;
      clearTimeout(killer);
      const seen = JSON.parse(lines[lines.length - 1] as string) as {
        seen: string[];
        ended: boolean;
      };
      expect(seen).toEqual({ seen: ["before0", "before1", "after0", "after1"], ended: false });
    } finally {
      await aof.dispose();
    }
  });
});
