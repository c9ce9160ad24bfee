/**
 * Soak of web-sse/hub over real HTTP on Node, Deno and Bun (one script, run by
 * each): 10 000 subscribe/disconnect cycles while publishing 1 000 events/s,
 * then checks that nothing is left behind. Not a unit test: it prints figures.
 *
 * Usage (after `npm run build`):
 *   node --expose-gc bench/soak.mjs
 *   deno run -A --v8-flags=--expose-gc bench/soak.mjs
 *   bun bench/soak.mjs
 *   (or `npm run soak` for all three)
 * Options: --cycles=10000 --concurrency=16 --rate=1000 --wait=32 (seconds
 * between the last client leaving and the final figures) --leave=cancel|abort
 * (default: each at random) --trace-timers=1 (print where each timer left
 * pending was started)
 *
 * The server (the runtime's own: @hono/node-server, Deno.serve, Bun.serve on
 * 127.0.0.1, a free port) answers GET /sse with `hub.response()`. Clients in
 * the same process use the runtime's fetch(): each reads a random number of
 * events, then leaves (half cancel the body, half abort the request); one
 * cycle in four comes back with its Last-Event-ID and must continue exactly
 * where it left off. Every client checks that the numbers it got are
 * contiguous. At the end: the hub has no subscriber, every stream's onClose
 * ran, no timer the hub or the core started is still pending (timers are
 * counted by wrapping setTimeout/setInterval before web-sse loads), the process has
 * no more open file descriptors (sockets) than before, and the heap is back
 * near its baseline.
 *
 * @module
 */
import { readdirSync } from "node:fs";
import process from "node:process";

// Count the timers everything below starts (the hub, the core, the server),
// before any of it is loaded, so a timer left pending shows up.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
const realSetInterval = globalThis.setInterval;
const realClearInterval = globalThis.clearInterval;
/**
 * Pending timer handle -> the stack that started it: timers started by
 * web-sse's own code (dist/) are told apart from the runtime's and the HTTP
 * client's (which keep pooled sockets with timers of their own).
 */
const pendingTimers = new Map();
const traceTimers = (globalThis.Deno?.args ?? process.argv).includes("--trace-timers=1");
const origin = () => (new Error().stack ?? "").split("\n").slice(2, 9).join("\n");
const ours = () => [...pendingTimers.values()].filter((stack) => stack.includes("/dist/")).length;
globalThis.setTimeout = function setTimeout(callback, ms, ...args) {
  const handle = realSetTimeout(
    (...a) => {
      pendingTimers.delete(handle);
      if (typeof callback === "function") callback(...a);
    },
    ms,
    ...args,
  );
  pendingTimers.set(handle, origin());
  return handle;
};
globalThis.clearTimeout = function clearTimeout(handle) {
  pendingTimers.delete(handle);
  return realClearTimeout(handle);
};
globalThis.setInterval = function setInterval(callback, ms, ...args) {
  const handle = realSetInterval(callback, ms, ...args);
  pendingTimers.set(handle, origin());
  return handle;
};
globalThis.clearInterval = function clearInterval(handle) {
  pendingTimers.delete(handle);
  return realClearInterval(handle);
};

const { createHub } = await import("../dist/hub.js");

const runtime =
  typeof globalThis.Deno !== "undefined"
    ? `Deno ${globalThis.Deno.version.deno}`
    : typeof globalThis.Bun !== "undefined"
      ? `Bun ${globalThis.Bun.version}`
      : `Node ${process.version}`;

const args = Object.fromEntries(
  (globalThis.Deno?.args ?? process.argv.slice(2)).map((arg) => {
    const [name, value] = arg.replace(/^--/, "").split("=");
    return [name, Number(value)];
  }),
);
const CYCLES = args.cycles || 10_000;
const CONCURRENCY = args.concurrency || 16;
/** Seconds to wait after the last client left before the final figures. */
const WAIT = Math.max(1, args.wait || 32);
const RATE = args.rate || 1000;
const WARM_UP = 300;
/** How clients leave: "cancel" (the body), "abort" (the request) or both, at random (default). */
const LEAVE = (
  (globalThis.Deno?.args ?? process.argv).find((a) => a.startsWith("--leave=")) ?? ""
).slice(8);
const TOPIC = "soak";

/** Promise.withResolvers, which Node 20 lacks. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const sleep = (ms) => new Promise((resolve) => realSetTimeout(resolve, ms));

async function collectGarbage() {
  for (let i = 0; i < 4; i++) {
    if (typeof globalThis.gc === "function") globalThis.gc();
    else if (typeof globalThis.Bun !== "undefined") globalThis.Bun.gc(true);
    await sleep(20);
  }
}

function openFiles() {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return Number.NaN;
  }
}

// ---- the server ----------------------------------------------------------

// Default options (history 1000): a resume that fell further behind than that
// gets the gap path (a reset event), which the clients count.
const hub = createHub();
const streams = { opened: 0, closed: 0, reasons: {} };
const handler = (request) => {
  if (new URL(request.url).pathname !== "/sse") return new Response("not found\n", { status: 404 });
  streams.opened++;
  return hub.response(request, TOPIC, {
    onClose(reason) {
      streams.closed++;
      streams.reasons[reason] = (streams.reasons[reason] ?? 0) + 1;
    },
  });
};

/** Starts the runtime's own server; resolves with its base URL and a stop function. */
async function listen() {
  if (typeof globalThis.Deno !== "undefined") {
    const { promise, resolve } = deferred();
    const server = globalThis.Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => resolve(port) },
      handler,
    );
    return { url: `http://127.0.0.1:${await promise}`, stop: () => server.shutdown() };
  }
  if (typeof globalThis.Bun !== "undefined") {
    const server = globalThis.Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
    return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
  }
  const { serve } = await import("@hono/node-server");
  const { promise, resolve } = deferred();
  const server = serve({ fetch: handler, hostname: "127.0.0.1", port: 0 }, (info) =>
    resolve(info.port),
  );
  return {
    url: `http://127.0.0.1:${await promise}`,
    stop: () =>
      new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

// ---- the publisher: RATE events/s in batches every 10 ms --------------------

let published = 0;
let publishErrors = 0;
let publishing;
function startPublishing() {
  const started = performance.now();
  const from = published;
  publishing = realSetInterval(() => {
    const due = from + Math.floor(((performance.now() - started) * RATE) / 1000);
    while (published < due) {
      published++;
      hub.publish(TOPIC, { data: String(published) }).catch(() => publishErrors++);
    }
  }, 10);
}

// ---- the clients -----------------------------------------------------------

const stats = {
  cycles: 0,
  events: 0,
  resumes: 0,
  gaps: 0,
  broken: 0,
  firstBroken: undefined,
  firstGap: undefined,
  failed: 0,
  firstFailure: undefined,
};

/**
 * One connection: reads up to `want` events, then leaves. `chain` carries the
 * last id and number across a resume. Returns the chain for a resume.
 */
async function cycle(url, chain) {
  const leave = new AbortController();
  const headers = { accept: "text/event-stream" };
  if (chain.lastId !== undefined) headers["last-event-id"] = chain.lastId;
  const response = await fetch(`${url}/sse`, { headers, signal: leave.signal });
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const want = 1 + Math.floor(Math.random() * 30);
  let got = 0;
  let text = "";
  try {
    while (got < want) {
      const { done, value } = await reader.read();
      if (done) throw new Error("the stream ended by itself");
      text += value;
      let end = text.indexOf("\n\n");
      while (end !== -1 && got < want) {
        const block = text.slice(0, end);
        text = text.slice(end + 2);
        end = text.indexOf("\n\n");
        let id;
        let data;
        let type = "message";
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) id = line.slice(4);
          else if (line.startsWith("data: ")) data = line.slice(6);
          else if (line.startsWith("event: ")) type = line.slice(7);
        }
        if (id !== undefined) chain.lastId = id;
        if (type === "reset") {
          stats.gaps++;
          stats.firstGap ??= `after ${chain.last} (resumed: ${chain.resumed}), ${published} published by then`;
          chain.last = undefined;
          continue;
        }
        if (data === undefined) continue; // a comment (keepalive)
        const n = Number(data);
        if (chain.last !== undefined && n !== chain.last + 1) {
          stats.broken++;
          stats.firstBroken ??= `expected ${chain.last + 1}, got ${n} (resumed: ${chain.resumed})`;
        }
        chain.last = n;
        got++;
        stats.events++;
      }
    }
  } finally {
    // Leave the way a closed tab does: half cancel the body, half abort the request.
    if (LEAVE === "cancel" || (LEAVE !== "abort" && Math.random() < 0.5)) {
      await reader.cancel().catch(() => {});
    } else leave.abort();
  }
  return chain;
}

/** Runs `total` cycles, `CONCURRENCY` at a time; one in four resumes with its Last-Event-ID. */
async function run(url, total) {
  let next = 0;
  let peak = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const chain = { lastId: undefined, last: undefined, resumed: false };
      try {
        await cycle(url, chain);
        stats.cycles++;
        if (Math.random() < 0.25 && next < total) {
          next++;
          chain.resumed = true;
          stats.resumes++;
          await cycle(url, chain);
          stats.cycles++;
        }
      } catch (error) {
        stats.failed++;
        stats.firstFailure ??= error instanceof Error ? error.message : String(error);
      }
      peak = Math.max(peak, hub.subscribers(TOPIC));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return peak;
}

/**
 * Waits (bounded) until the hub has no subscriber and every stream's onClose
 * ran; resolves with the ms it took, or undefined if not within `ms`.
 */
async function settled(ms) {
  const start = performance.now();
  while (hub.subscribers() > 0 || streams.opened !== streams.closed) {
    if (performance.now() - start > ms) return undefined;
    await sleep(20);
  }
  return performance.now() - start;
}

// ---- the run -----------------------------------------------------------------

const { url, stop } = await listen();
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(2);

startPublishing();
await run(url, WARM_UP);
realClearInterval(publishing);
await settled(30_000);
await sleep(6000); // pooled client sockets go (undici: 4 s)
await collectGarbage();
const base = {
  heap: process.memoryUsage().heapUsed,
  files: openFiles(),
  timers: pendingTimers.size,
  ours: ours(),
};
// Sequence breaks count from the first cycle on; the rest from here (a cold
// start can lag a resume past the history, which is the gap path, not a fault).
Object.assign(stats, { cycles: 0, events: 0, resumes: 0, gaps: 0, firstGap: undefined });
const publishedBefore = published;

startPublishing();
const started = performance.now();
let peakHeap = 0;
const sampler = realSetInterval(() => {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}, 250);
const peakSubscribers = await run(url, CYCLES);
const seconds = (performance.now() - started) / 1000;
realClearInterval(publishing);
realClearInterval(sampler);
const publishedNow = published - publishedBefore;
const settledIn = await settled(30_000);
const clean = settledIn !== undefined;
await sleep(1000);
const soon = { ours: ours(), files: openFiles() };
// HTTP clients keep idle pooled sockets (with a timer each) for a few seconds
// (undici: 4 s), and a stream whose client left without its body being
// cancelled keeps its send timeout (30 s) armed: wait past both, so only what
// would stay for good is compared with the baseline.
await sleep((WAIT - 1) * 1000);
await collectGarbage();
const after = {
  heap: process.memoryUsage().heapUsed,
  files: openFiles(),
  timers: pendingTimers.size,
  ours: ours(),
};

const rows = [
  ["runtime", runtime],
  ["cycles (connect, read 1-30 events, leave)", `${stats.cycles} in ${seconds.toFixed(1)} s`],
  ["of which resumed with Last-Event-ID", String(stats.resumes)],
  ["concurrent clients (peak subscribers)", `${CONCURRENCY} (${peakSubscribers})`],
  [
    "published",
    `${publishedNow} events (${Math.round(publishedNow / seconds)}/s), ${publishErrors} rejected`,
  ],
  ["events received and checked", String(stats.events)],
  [
    "sequence breaks (warm-up included) / gaps (reset)",
    `${stats.broken} / ${stats.gaps}${stats.firstBroken ? ` (first break: ${stats.firstBroken})` : ""}${
      stats.firstGap ? ` (first gap: ${stats.firstGap})` : ""
    }`,
  ],
  [
    "failed cycles",
    `${stats.failed}${stats.firstFailure ? ` (first: ${stats.firstFailure})` : ""}`,
  ],
  [
    "subscribers left / streams opened / onClose calls",
    `${hub.subscribers()} / ${streams.opened} / ${streams.closed} (${
      clean
        ? `all ended ${(settledIn / 1000).toFixed(1)} s after the last client left`
        : "NOT within 30 s"
    })`,
  ],
  ["onClose reasons", JSON.stringify(streams.reasons)],
  [
    "1 s after the last client left: web-sse timers pending / open fds",
    `${soon.ours} / ${soon.files}`,
  ],
  [
    `${WAIT} s after: timers pending started by web-sse / all, vs baseline`,
    `${after.ours} / ${after.timers} vs ${base.ours} / ${base.timers}`,
  ],
  [`${WAIT} s after: open file descriptors vs baseline`, `${after.files} vs ${base.files}`],
  [
    `heap: baseline / peak / ${WAIT} s after (MiB)`,
    `${mib(base.heap)} / ${mib(peakHeap)} / ${mib(after.heap)} (${after.heap >= base.heap ? "+" : ""}${mib(
      after.heap - base.heap,
    )})${typeof globalThis.gc === "function" || typeof globalThis.Bun !== "undefined" ? "" : " (no GC available: run with --expose-gc)"}`,
  ],
];
console.log(`## Hub soak on ${runtime}\n`);
console.log("| | |\n| --- | --- |");
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);

const ok =
  clean &&
  stats.broken === 0 &&
  stats.failed === 0 &&
  hub.subscribers() === 0 &&
  after.ours === 0 &&
  !(after.files > base.files);
if (traceTimers) {
  const where = new Map();
  for (const stack of pendingTimers.values()) where.set(stack, (where.get(stack) ?? 0) + 1);
  for (const [stack, n] of where) console.log(`${n} pending timer(s) started at:\n${stack}\n`);
}
console.log(`\n${ok ? "OK" : "PROBLEM"}: ${ok ? "nothing left behind" : "see the table"}\n`);

await hub.close();
await stop();
// Deno.serve and Bun.serve keep nothing alive after stop; exit with the verdict.
process.exit(ok ? 0 : 1);
