/**
 * Fan-out from one HubObject (one Durable Object, one room) on workerd through
 * miniflare 4: N idle SSE clients (node:http, no keep-alive agent) on one
 * room, then 20 broadcasts 200 ms apart, each published by the Worker over
 * RPC (`stub.publish`). Reports, per size: the publish round trip
 * (HTTP POST → Worker → RPC → SQLite commit → answer), delivery latency
 * p50/p99 from the start of the publish to each client's receipt (one
 * machine clock), the first fan-out (last client to get event 1), and events
 * lost or out of order.
 *
 * Local workerd is not Cloudflare's network: these figures show what one
 * object's isolate does on this machine, not production latency.
 *
 * Usage: npm run bench:cloudflare [-- --connections=250,1000]
 *
 * @module
 */

import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BROADCASTS = 20;
const GAP_MS = 200;
const sizesArg = process.argv.find((arg) => arg.startsWith("--connections="));
const SIZES = (sizesArg?.slice("--connections=".length) ?? "250,1000").split(",").map(Number);
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function bundle() {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["test/cloudflare/hub-worker.ts"],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

function http(origin, method, path, body) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, origin);
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve(JSON.parse(text)));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

const EVENT = /"n":(\d+),"t":([\d.]+)/g;

/** Opens one SSE client; resolves once its head arrived. */
function openClient(origin, room, onEvent) {
  return new Promise((resolve, reject) => {
    const url = new URL(`/rooms/${room}/events?topic=t`, origin);
    const client = { tail: "", next: 1, request: undefined };
    client.request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        agent: false,
        headers: { accept: "text/event-stream" },
      },
      (res) => {
        res.setEncoding("utf8");
        res.on("data", (text) => {
          const at = now();
          const all = client.tail + text;
          const end = all.lastIndexOf("\n\n");
          if (end === -1) {
            client.tail = all;
            return;
          }
          client.tail = all.slice(end + 2);
          for (const match of all.slice(0, end).matchAll(EVENT)) {
            onEvent(client, Number(match[1]), Number(match[2]), at);
          }
        });
        res.on("error", () => {});
        resolve(client);
      },
    );
    client.request.on("error", reject);
    client.request.end();
  });
}

async function run(origin, size) {
  const room = `bench-${size}`;
  const latencies = [];
  let received = 0;
  let disorder = 0;
  let firstFanOut = 0;
  const onEvent = (client, n, t, at) => {
    if (n !== client.next) disorder++;
    client.next = n + 1;
    latencies.push(at - t);
    received++;
    if (n === 1) firstFanOut = Math.max(firstFanOut, at - t);
  };
  const clients = [];
  const openedAt = performance.now();
  while (clients.length < size) {
    const wave = [];
    for (let i = 0; i < 100 && clients.length + wave.length < size; i++) {
      wave.push(openClient(origin, room, onEvent));
    }
    clients.push(...(await Promise.all(wave)));
  }
  const deadline = performance.now() + 60_000;
  while ((await http(origin, "GET", `/rooms/${room}/subscribers`)) !== size) {
    if (performance.now() > deadline) throw new Error(`${size} subscribers not counted in 60 s`);
    await sleep(100);
  }
  const connectMs = performance.now() - openedAt;
  const publishMs = [];
  for (let n = 1; n <= BROADCASTS; n++) {
    const t = now();
    await http(
      origin,
      "POST",
      `/rooms/${room}/publish?topic=t`,
      JSON.stringify({ data: { n, t } }),
    );
    publishMs.push(now() - t);
    await sleep(GAP_MS);
  }
  const expected = BROADCASTS * size;
  const until = performance.now() + 30_000;
  while (received < expected && performance.now() < until) await sleep(50);
  for (const client of clients) client.request.destroy();
  const sorted = Float64Array.from(latencies).sort();
  const pick = (values, q) => values[Math.min(values.length - 1, Math.floor(q * values.length))];
  const publishSorted = Float64Array.from(publishMs).sort();
  return {
    size,
    connectMs,
    publishP50: pick(publishSorted, 0.5),
    p50: pick(sorted, 0.5),
    p99: pick(sorted, 0.99),
    firstFanOut,
    lost: expected - received,
    disorder,
  };
}

const persist = mkdtempSync(join(tmpdir(), "web-sse-bench-cloudflare-"));
const mf = new Miniflare({
  modules: true,
  script: await bundle(),
  compatibilityDate: "2026-04-01",
  compatibilityFlags: ["enable_request_signal"],
  durableObjects: { HUB: { className: "TestHub", useSQLite: true } },
  durableObjectsPersist: persist,
  cf: false,
  host: "127.0.0.1",
  port: 0,
});
try {
  const { origin } = await mf.ready;
  const load = loadavg().map((n) => n.toFixed(2));
  console.log(
    `HubObject fan-out on workerd (miniflare), ${BROADCASTS} broadcasts ${GAP_MS} ms apart; load ${load.join(" ")}\n`,
  );
  console.log(
    "| clients | all subscribed (ms) | publish round trip p50 (ms) | delivery p50 (ms) | delivery p99 (ms) | first fan-out (ms) | lost | out of order |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const size of SIZES) {
    const r = await run(origin, size);
    const f = (x) => x.toFixed(1);
    console.log(
      `| ${r.size} | ${f(r.connectMs)} | ${f(r.publishP50)} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.firstFanOut)} | ${r.lost} | ${r.disorder} |`,
    );
  }
  console.log(
    `\nload at the end ${loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")}`,
  );
} finally {
  await mf.dispose();
  rmSync(persist, { recursive: true, force: true });
}
