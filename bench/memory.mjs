/**
 * Memory per idle SSE connection, over real HTTP on 127.0.0.1 (Node only).
 *
 * For each server variant: a server process (--expose-gc) and a separate
 * client process. The client opens `low` concurrent connections, the server
 * collects garbage and reports heapUsed and RSS; then up to `high`, measured
 * again; the slope between the two is the cost of one more connection. Then
 * the client drops every connection, the server must notice (bounded wait), and
 * after GC the heap should be back near its baseline with no live stream,
 * timer or socket left. Every process started here is killed by its PID at the
 * end, also on error.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { ask, fileLimits, next, startNode } from "./children.mjs";

/** The server variants, in table order (keys are memory-server.mjs variants). */
export const VARIANTS = [
  { key: "web-sse", name: "web-sse sseResponse (defaults: keepAlive 5 s)", webSse: true },
  { key: "web-sse-no-keepalive", name: "web-sse sseResponse (keepAlive: false)", webSse: true },
  { key: "web-sse-hono", name: "web-sse/hono sse() (defaults)", webSse: true },
  { key: "hono-streamSSE", name: "Hono streamSSE" },
  { key: "hand-written", name: "hand-written new Response(ReadableStream)" },
  {
    key: "hand-written-generator",
    name: "hand-written, same generator + its own abort signal (like for like)",
  },
  { key: "node-http", name: "raw node:http (no Fetch layer, reference)" },
  { key: "web-sse-node", name: "web-sse/node sendSSE on node:http (defaults)", webSse: true },
  { key: "web-sse-hub", name: "web-sse/hub hub.response() (defaults)", webSse: true },
  { key: "web-sse-node-hub", name: "web-sse/node sendHub on node:http (defaults)", webSse: true },
];

const WARM_UP = 200;
const here = (file) => fileURLToPath(new URL(file, import.meta.url));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the server's counts until `done(counts)` or `ms` pass; returns the last counts and whether it got there. */
async function waitForCounts(server, done, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const counts = await ask(server, { type: "counts" }, "counts", 5_000);
    if (done(counts)) return { counts, reached: true };
    if (Date.now() > deadline) return { counts, reached: false };
    await sleep(100);
  }
}

const live = (c) => c.opened - c.ended;

/** Opens connections up to `total` and waits until the server holds that many live streams. */
async function openUpTo(client, server, total) {
  const opened = await ask(client, { type: "open", total }, "opened", 120_000);
  if (opened.errors > 0) throw new Error(`${opened.errors} connections failed to open`);
  const { reached, counts } = await waitForCounts(server, (c) => live(c) === total, 15_000);
  if (!reached) throw new Error(`server holds ${live(counts)} live streams, expected ${total}`);
}

/** Drops every client connection and waits (bounded) until the server has ended every stream. */
async function closeAll(client, server) {
  await ask(client, { type: "close" }, "closed", 10_000);
  return waitForCounts(server, (c) => live(c) === 0, 20_000);
}

/**
 * Measures one variant (a server child with --expose-gc, a client child);
 * always kills both child processes before returning.
 *
 * @param variant - One of {@link VARIANTS}.
 * @param low - Connections at the first measurement.
 * @param high - Connections at the second; the slope is over `high - low`.
 * @param files - The open-files limit of both children.
 */
export async function measureVariant(variant, low, high, files) {
  const children = [];
  try {
    const server = startNode(here("./memory-server.mjs"), [variant.key], {
      nodeFlags: ["--expose-gc"],
      files,
    });
    children.push(server);
    const { port } = await next(server, "listening", 10_000);
    const client = startNode(here("./memory-client.mjs"), [String(port)], { files });
    children.push(client);
    await next(client, "ready", 10_000);

    // Warm-up: the first connections compile code and fill caches that stay.
    await openUpTo(client, server, WARM_UP);
    await closeAll(client, server);
    const measure = () => ask(server, { type: "measure" }, "measure", 30_000);
    const base = await measure();
    await openUpTo(client, server, low);
    const atLow = await measure();
    await openUpTo(client, server, high);
    const atHigh = await measure();
    const closing = await closeAll(client, server);
    const after = await measure();
    // A second full cycle: anything a connection leaves behind would grow the heap again.
    await openUpTo(client, server, high);
    const closingAgain = await closeAll(client, server);
    const again = await measure();
    const extra = high - low;
    return {
      variant,
      heapPerConn: (atHigh.heapUsed - atLow.heapUsed) / extra,
      rssPerConn: (atHigh.rss - atLow.rss) / extra,
      base,
      atLow,
      atHigh,
      after,
      again,
      closedInTime: closing.reached && closingAgain.reached,
    };
  } catch (error) {
    return { variant, error: error instanceof Error ? error.message : String(error) };
  } finally {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
  }
}

const kib = (bytes) => (bytes / 1024).toFixed(1);
const ratio = (a, b) => (a === undefined || b === undefined ? "–" : `${(a / b).toFixed(2)}x`);

function resourceCount(m, name) {
  return m.resources[name] ?? 0;
}

const signed = (n, text) => `${n >= 0 ? "+" : ""}${text}`;

/** Whether the server went back to its pre-connection state: one table row of cells. */
function cleanupCells(r) {
  const { base, after, again, atHigh, variant } = r;
  const bold = (ok, text) => (ok ? text : `**${text}**`);
  const liveAfter = again.opened - again.ended;
  const cells = [bold(r.closedInTime && liveAfter === 0, String(liveAfter))];
  cells.push(
    variant.webSse
      ? bold(again.onClose === again.opened, `${again.onClose} / ${again.opened}`)
      : "–",
  );
  for (const name of ["Timeout", "TCPSocketWrap"]) {
    const delta = resourceCount(again, name) - resourceCount(base, name);
    cells.push(bold(delta === 0, signed(delta, String(delta))));
  }
  const growth = atHigh.heapUsed - base.heapUsed;
  const left = after.heapUsed - base.heapUsed;
  cells.push(
    `${signed(left, kib(left))} KiB (${((left / growth) * 100).toFixed(1)}% of peak growth)`,
  );
  const second = again.heapUsed - after.heapUsed;
  cells.push(`${signed(second, kib(second))} KiB`);
  return cells;
}

/** Renders the results as markdown tables. */
export function memoryTables(results, low, high) {
  const find = (key) => results.find((r) => r.variant.key === key && r.error === undefined);
  const hand = find("hand-written");
  const hono = find("hono-streamSSE");
  const lines = [
    `| server variant | heap/conn (KiB) | RSS/conn (KiB) | heap vs hand-written | heap vs Hono | heap at ${low} / ${high} (MiB) |`,
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    if (r.error !== undefined) {
      lines.push(`| ${r.variant.name} | ERROR: ${r.error} | | | | |`);
      continue;
    }
    const name = r.variant.webSse ? `**${r.variant.name}**` : r.variant.name;
    const mib = (b) => (b / 1024 / 1024).toFixed(1);
    lines.push(
      `| ${name} | ${kib(r.heapPerConn)} | ${kib(r.rssPerConn)} | ${ratio(r.heapPerConn, hand?.heapPerConn)} | ${ratio(
        r.heapPerConn,
        hono?.heapPerConn,
      )} | ${mib(r.atLow.heapUsed)} / ${mib(r.atHigh.heapUsed)} |`,
    );
  }
  const after = [
    "| server variant | live streams | onClose calls / requests | timers vs baseline | sockets vs baseline | heap after 1st cycle vs baseline | heap after 2nd cycle vs 1st |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of results) {
    if (r.error === undefined) after.push(`| ${r.variant.name} | ${cleanupCells(r).join(" | ")} |`);
  }
  return `${lines.join("\n")}\n\n${after.join("\n")}`;
}

/**
 * Runs every variant and prints the tables.
 *
 * @param options.low - Connections at the first measurement.
 * @param options.high - Connections at the second; the slope is over `high - low`.
 */
export async function runMemory({
  low = 1000,
  high = 5000,
  variants = VARIANTS,
  log = console.log,
} = {}) {
  const { soft, hard } = fileLimits();
  // Each side holds one descriptor per connection, plus some for Node itself.
  let top = high;
  const needed = high + 512;
  if (hard < needed) {
    top = Math.max(low + 100, hard - 512);
    log(`(open-file hard limit is ${hard}: measuring up to ${top} connections instead of ${high})`);
  }
  const files = Math.min(hard, Math.max(soft, top + 512));
  log(`## Memory per idle connection on Node ${process.version} (@hono/node-server, 127.0.0.1)\n`);
  log(`Open-file limit: soft ${soft}, hard ${hard}; children run with ulimit -n ${files}.\n`);
  const results = [];
  for (const variant of variants) {
    const result = await measureVariant(variant, low, top, files);
    results.push(result);
    if (result.error) log(`  ${variant.name}: ERROR ${result.error}`);
  }
  log(`${memoryTables(results, low, top)}\n`);
  const hand = results.find((r) => r.variant.key === "hand-written" && !r.error);
  const hono = results.find((r) => r.variant.key === "hono-streamSSE" && !r.error);
  const checks = [];
  for (const r of results) {
    if (!r.variant.webSse || r.error || !hand || !hono) continue;
    const vsHand = r.heapPerConn / hand.heapPerConn;
    const vsHono = r.heapPerConn / hono.heapPerConn;
    const same = results.find((x) => x.variant.key === "hand-written-generator" && !x.error);
    const vsSame = same
      ? `, ${(r.heapPerConn / same.heapPerConn).toFixed(2)}x like-for-like hand-written`
      : "";
    checks.push(
      `- ${r.variant.name}: ${vsHand.toFixed(2)}x hand-written (target <= 1.1x) ${vsHand <= 1.1 ? "met" : "MISSED"}, ${vsHono.toFixed(2)}x Hono (target <= 0.5x) ${vsHono <= 0.5 ? "met" : "MISSED"}${vsSame}`,
    );
  }
  if (checks.length) log(`Targets (heap per connection):\n${checks.join("\n")}\n`);
  return results;
}
