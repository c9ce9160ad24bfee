/**
 * `npm run bench:redis`: the hub on Redis across two instances, side by side
 * with a floor on the same Redis.
 *
 * One local redis-server. Instance B (bench/redis-instance.mjs, a child
 * process) serves 1 000 SSE subscribers over real HTTP; this process is
 * instance A (it publishes) and holds the 1 000 client connections.
 *
 * - hub: A publishes with `hub.publish()` on `redisBackend`; B is a hub on
 *   `redisBackend` served by @hono/node-server.
 * - floor: no hub: A sends a bare XADD; B runs one XREAD BLOCK loop and writes
 *   each entry as its own SSE frame to every raw node:http response (one
 *   write per event per subscriber).
 * - floor-batched: the same loop writing all the entries of one XREAD as one
 *   chunk per subscriber (what the core's push path does since it holds the
 *   bytes written while the client is busy and hands them over as one chunk).
 *
 * Reported per contender: the highest publish rate sustained for a step with
 * every event delivered to every subscriber (rates double until one fails,
 * then one step between), and end-to-end latency (publish call to a client's
 * read) p50/p99 at a fixed rate.
 *
 * Options: --subscribers N (1000), --seconds S per step (3), --rate R for the
 * latency run (10), --only hub|floor|floor-batched.
 *
 * @module
 */
import { execFileSync, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer, Socket } from "node:net";
import { createInterface } from "node:readline";
import { createClient } from "redis";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};
const SUBSCRIBERS = Number(option("subscribers", 1000));
const SECONDS = Number(option("seconds", 3));
const LATENCY_RATE = Number(option("rate", 10));
const ONLY = option("only", undefined);

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --------------------------------------------------------------- processes

const children = new Set();
function stopAll() {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
}
process.on("exit", stopAll);
process.on("SIGINT", () => process.exit(130));

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

async function startRedis() {
  const port = await freePort();
  const child = spawn(
    "/usr/bin/redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  children.add(child);
  for (let i = 0; i < 200 && !(await ping(port)); i++) await sleep(50);
  return { url: `redis://127.0.0.1:${port}`, child };
}

/**
 * PROF=<dir>: instance B and the clients' process write V8 CPU profiles
 * there (`instance-*.cpuprofile`, `clients-*.cpuprofile`) when they exit.
 */
function profile(name) {
  const dir = process.env.PROF;
  return dir
    ? ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]
    : [];
}

function startInstance(mode, url) {
  const child = spawn(
    process.execPath,
    [...profile("instance"), new URL("./redis-instance.mjs", import.meta.url).pathname, mode, url],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  children.add(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("instance did not start in 15 s")), 15_000);
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolve({ port: JSON.parse(line).port, child });
    });
  });
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

// --------------------------------------------------------------- subscribers

/** Starts bench/redis-clients.mjs and opens `count` SSE connections to `port` from it. */
async function subscribe(port, count) {
  const child = spawn(
    process.execPath,
    [...profile("clients"), new URL("./redis-clients.mjs", import.meta.url).pathname],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  children.add(child);
  const ask = (message, answer) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`clients: no ${answer} within 30 s`)),
        30_000,
      );
      const on = (reply) => {
        if (reply.type !== answer) return;
        clearTimeout(timer);
        child.off("message", on);
        resolve(reply);
      };
      child.on("message", on);
      child.send(message);
    });
  await ask({ type: "connect", port, count }, "connected");
  return {
    step: (from, to, record) => ask({ type: "step", from, to, record }, "ready"),
    status: () => ask({ type: "status" }, "status"),
    close: async () => {
      await ask({ type: "close" }, "closed").catch(() => {});
      children.delete(child);
    },
  };
}

// --------------------------------------------------------------- publishers

async function publisher(mode, url) {
  const redis = createClient({ url });
  redis.on("error", () => {});
  await redis.connect();
  if (mode !== "hub") {
    return {
      publish: (data) =>
        redis.sendCommand(["XADD", "floor", "MAXLEN", "~", "10000", "*", "d", data]),
      close: async () => redis.destroy(),
    };
  }
  const { createHub } = await import("../dist/hub.js");
  const { redisBackend } = await import("../dist/redis.js");
  const hub = createHub({ backend: redisBackend(redis, { prefix: "bench" }) });
  return {
    publish: (data) => hub.publish("bench", data),
    close: async () => {
      await hub.close();
      redis.destroy();
    },
  };
}

// --------------------------------------------------------------- steps

let nextN = 0;

/**
 * Publishes at `rate` for `seconds` (a batch every 10 ms, not waiting on each
 * publish), then waits up to 5 s for every subscriber to get every event.
 * Sustained: every publish succeeded on schedule, every event reached every
 * subscriber, and the backlog cleared within 1 s of the last publish.
 */
async function runStep(pub, subs, rate, seconds, record) {
  const total = Math.round(rate * seconds);
  const from = nextN;
  nextN += total;
  await subs.step(from, from + total, record);
  const pending = [];
  let failed = 0;
  let sent = 0;
  const started = now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((now() - started) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      pending.push(pub.publish(`${from + sent} ${now().toFixed(3)}`).catch(() => failed++));
    }
    await sleep(10);
  }
  await Promise.all(pending);
  const published = now();
  const publishSeconds = (published - started) / 1000;
  const deadline = published + 5000;
  let status = await subs.status();
  while (!status.complete && now() < deadline) {
    await sleep(25);
    status = await subs.status();
  }
  const backlogSeconds = (now() - published) / 1000;
  return {
    ok:
      failed === 0 && status.complete && publishSeconds < seconds * 1.1 + 0.2 && backlogSeconds < 1,
    delivered: status.delivered,
    expected: status.expected,
    publishSeconds,
    backlogSeconds,
    p50: status.p50,
    p99: status.p99,
  };
}

async function contender(mode, redis) {
  const instance = await startInstance(mode, redis.url);
  const pub = await publisher(mode, redis.url);
  const subs = await subscribe(instance.port, SUBSCRIBERS);
  await sleep(500);
  await runStep(pub, subs, 50, 1, false); // warm-up
  const fixed = await runStep(pub, subs, LATENCY_RATE, SECONDS + 2, true);
  const latency = { p50: fixed.p50 ?? Number.NaN, p99: fixed.p99 ?? Number.NaN, ok: fixed.ok };
  log(
    `  ${mode} latency at ${LATENCY_RATE} ev/s: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms${fixed.ok ? "" : " (not sustained)"}`,
  );
  // Highest sustained rate: double until a step fails, then one step between.
  let best = 0;
  let failedAt = 0;
  for (let rate = 10; rate <= 64_000; rate *= 2) {
    await sleep(500);
    const result = await runStep(pub, subs, rate, SECONDS, false);
    log(
      `  ${mode} ${rate} ev/s: ${result.ok ? "ok" : "FAIL"} (${result.delivered}/${result.expected} delivered, published in ${result.publishSeconds.toFixed(2)} s, backlog cleared in ${result.backlogSeconds.toFixed(2)} s)`,
    );
    if (!result.ok) {
      failedAt = rate;
      break;
    }
    best = rate;
  }
  if (failedAt > 0 && best > 0) {
    const rate = Math.round(Math.sqrt(best * failedAt));
    await sleep(2000);
    const result = await runStep(pub, subs, rate, SECONDS, false);
    log(
      `  ${mode} ${rate} ev/s: ${result.ok ? "ok" : "FAIL"} (${result.delivered}/${result.expected} delivered)`,
    );
    if (result.ok) best = rate;
  }
  await subs.close();
  await pub.close();
  await stop(instance.child);
  return { mode, best, latency };
}

function log(line) {
  process.stdout.write(`${line}\n`);
}

// --------------------------------------------------------------- main

const require = createRequire(import.meta.url);
const redisVersion = execFileSync("/usr/bin/redis-server", ["--version"], {
  encoding: "utf8",
}).match(/v=(\S+)/)?.[1];
log(
  `web-sse/redis bench: node ${process.version}, redis-server ${redisVersion}, node-redis ${require("redis/package.json").version}, ${SUBSCRIBERS} subscribers on instance B, ${SECONDS} s steps`,
);
const redis = await startRedis();
const admin = createClient({ url: redis.url });
admin.on("error", () => {});
await admin.connect();
const results = [];
for (const mode of ["floor", "floor-batched", "hub"]) {
  if (ONLY !== undefined && ONLY !== mode) continue;
  await admin.sendCommand(["FLUSHALL"]);
  log(`${mode}:`);
  results.push(await contender(mode, redis));
}
admin.destroy();
log("");
log(
  `contender     max sustained ev/s  deliveries/s  p50 ms  p99 ms  (latency at ${LATENCY_RATE} ev/s)`,
);
for (const r of results) {
  log(
    `${r.mode.padEnd(13)} ${String(r.best).padStart(18)}  ${String(r.best * SUBSCRIBERS).padStart(12)}  ${r.latency.p50.toFixed(2).padStart(6)}  ${r.latency.p99.toFixed(2).padStart(6)}${r.latency.ok ? "" : "  (latency run lost events)"}`,
  );
}
const hub = results.find((r) => r.mode === "hub");
const load = (await import("node:os"))
  .loadavg()
  .map((l) => l.toFixed(2))
  .join(" ");
for (const floor of results.filter((r) => r.mode !== "hub")) {
  if (hub === undefined) break;
  log(
    `hub/${floor.mode}: rate ${(hub.best / floor.best).toFixed(2)}x (target >= 0.5), p99 ${(hub.latency.p99 / floor.latency.p99).toFixed(2)}x (target <= 2), p50 ${(hub.latency.p50 / floor.latency.p50).toFixed(2)}x`,
  );
}
log(`load average ${load}`);
stopAll();
process.exit(0);
