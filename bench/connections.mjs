/**
 * How many idle connections one instance holds, and what a broadcast costs
 * there: web-sse/node's `sendHub()` on node:http against a raw node:http
 * loop writing one string per client and against the Fetch hub
 * (`hub.response()` on @hono/node-server), in one run, at 1 000, 5 000 and
 * 15 000 connections (Node only).
 *
 * Usage: npm run bench:connections  (builds dist/ first)
 *        node bench/connections.mjs [--sizes=1000,5000,15000] [--count=10]
 *                                   [--gap=500] [--sources=4] [--only=node-hub,...]
 *
 * Server and clients run as separate processes (bench/fanout.mjs); each
 * raises its soft open-file limit to what the size needs (at most the hard
 * limit), and the clients come from `sources` loopback addresses
 * (127.0.0.1-127.0.0.n). Figures as in bench:broadcast: CPU per delivered
 * event is the server's user + system CPU from the first broadcast until the
 * clients have every event, divided by broadcasts x clients; latency is
 * receipt minus the publish time carried in the event; heap and RSS per
 * connection are slopes between sizes after GC, and the last slope predicts
 * 100 000 connections.
 *
 * @module
 */
import os from "node:os";
import { fileLimits, measureVariant } from "./fanout.mjs";

const VARIANTS = [
  { key: "node-hub", name: "web-sse/node `sendHub()` on node:http (defaults)", ours: true },
  { key: "node-http-string", name: "raw node:http, one `res.write(string)` per client" },
  { key: "hub", name: "web-sse/hub `hub.response()` on @hono/node-server (Fetch)", ours: true },
];

function parseArgs(argv) {
  const options = {};
  for (const arg of argv) {
    const [name, value] = arg.replace(/^--/, "").split("=");
    options[name] = value ?? true;
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
const only = typeof options.only === "string" ? options.only.split(",") : undefined;
const variants = only ? VARIANTS.filter((v) => only.includes(v.key)) : VARIANTS;
let sizes =
  typeof options.sizes === "string" ? options.sizes.split(",").map(Number) : [1000, 5000, 15000];
const count = Number(options.count ?? 10);
const gap = Number(options.gap ?? 500);
const sources = Number(options.sources ?? 4);

const { soft, hard } = fileLimits();
if (hard < Math.max(...sizes) + 512) {
  const capped = hard - 512;
  console.log(`(open-file hard limit is ${hard}: measuring up to ${capped} connections)`);
  sizes = sizes.map((s) => Math.min(s, capped));
}
const files = Math.min(hard, Math.max(...sizes) + 512);

const kib = (bytes) => (bytes / 1024).toFixed(2);
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);
const ratio = (a, b) => (a === undefined || b === undefined ? "–" : `${(a / b).toFixed(2)}x`);

console.log(
  `## Connections one instance holds, Node ${process.version}, ${os.cpus().length} CPUs, load ${os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}\n`,
);
console.log(
  `${count} broadcasts ${gap} ms apart per size; clients from ${sources} loopback addresses; open-file limit soft ${soft}, hard ${hard}; children run with ulimit -n ${files}.\n`,
);
const started = Date.now();
const results = [];
for (const variant of variants) {
  const result = await measureVariant(variant, sizes, files, count, gap, [String(sources)]);
  results.push(result);
  console.log(result.error ? `  ${variant.key}: ERROR ${result.error}` : `  ${variant.key}: done`);
}

const ok = results.filter((r) => r.error === undefined);
const find = (key) => ok.find((r) => r.variant.key === key);
const at = (r, size) => r?.bySize.find((s) => s.size === size);
const raw = find("node-http-string");

const fanout = [
  "| variant | clients | CPU µs / delivered event | vs raw | p50 ms | vs raw | p99 ms | first fan-out ms | out of order |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
];
for (const size of sizes) {
  for (const r of results) {
    if (r.error !== undefined) {
      if (size === sizes[0]) fanout.push(`| ${r.variant.name} | ERROR: ${r.error} ||||||||`);
      continue;
    }
    const s = at(r, size);
    const base = at(raw, size);
    const name = r.variant.ours ? `**${r.variant.name}**` : r.variant.name;
    fanout.push(
      `| ${name} | ${size} | ${s.cpuPerEvent.toFixed(2)} | ${ratio(s.cpuPerEvent, base?.cpuPerEvent)} | ${s.p50.toFixed(
        2,
      )} | ${ratio(s.p50, base?.p50)} | ${s.p99.toFixed(2)} | ${s.firstFanOut.toFixed(1)} | ${s.disorder} |`,
    );
  }
}

/** Heap and RSS slopes between consecutive sizes, and the prediction for 100 000 connections. */
function slopes(r) {
  const rows = [];
  for (let i = 1; i < r.bySize.length; i++) {
    const [a, b] = [r.bySize[i - 1], r.bySize[i]];
    const extra = b.size - a.size;
    rows.push({
      span: `${a.size}-${b.size}`,
      heap: (b.memory.heapUsed - a.memory.heapUsed) / extra,
      rss: (b.memory.rss - a.memory.rss) / extra,
    });
  }
  const last = r.bySize[r.bySize.length - 1];
  const slope = rows[rows.length - 1];
  const more = 100_000 - last.size;
  return {
    rows,
    predictHeap: last.memory.heapUsed + slope.heap * more,
    predictRss: last.memory.rss + slope.rss * more,
  };
}

const memory = [
  "| variant | span | heap/conn KiB | vs raw | RSS/conn KiB | heap / RSS at the top size MiB | predicted at 100 000: heap / RSS MiB |",
  "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
];
const rawSlopes = raw ? slopes(raw) : undefined;
for (const r of ok) {
  const { rows, predictHeap, predictRss } = slopes(r);
  const top = r.bySize[r.bySize.length - 1].memory;
  rows.forEach((row, i) => {
    const last = i === rows.length - 1;
    memory.push(
      `| ${r.variant.name} | ${row.span} | ${kib(row.heap)} | ${ratio(row.heap, rawSlopes?.rows[i]?.heap)} | ${kib(
        row.rss,
      )} | ${last ? `${mib(top.heapUsed)} / ${mib(top.rss)}` : ""} | ${last ? `${mib(predictHeap)} / ${mib(predictRss)}` : ""} |`,
    );
  });
}

const cleanup = [
  "| variant | subscribers left | timers vs baseline | sockets vs baseline | heap after vs baseline |",
  "| --- | ---: | ---: | ---: | ---: |",
];
for (const r of ok) {
  const delta = (name) => (r.after.resources[name] ?? 0) - (r.base.resources[name] ?? 0);
  cleanup.push(
    `| ${r.variant.name} | ${r.closedInTime ? r.after.live : `**${r.after.live} (not within 60 s)**`} | ${delta(
      "Timeout",
    )} | ${delta("TCPSocketWrap")} | ${kib(r.after.heapUsed - r.base.heapUsed)} KiB |`,
  );
}

console.log(`\n${fanout.join("\n")}\n\n${memory.join("\n")}\n\n${cleanup.join("\n")}\n`);

const hub = find("node-hub");
if (hub && raw) {
  const mid = sizes.includes(5000) ? 5000 : sizes[Math.floor(sizes.length / 2)];
  const top = Math.max(...sizes);
  const check = (label, value, limit, unit = "x") =>
    `- ${label}: ${value.toFixed(2)}${unit} (target <= ${limit}${unit}) ${value <= limit ? "met" : "MISSED"}`;
  const hubSlope = slopes(hub).rows[0];
  const lines = [
    check(
      "sendHub idle heap per connection vs raw node:http",
      hubSlope.heap / rawSlopes.rows[0].heap,
      1.15,
    ),
    check(
      `CPU per delivered event vs raw loop at ${mid}`,
      at(hub, mid).cpuPerEvent / at(raw, mid).cpuPerEvent,
      1,
    ),
    check(`p50 publish->receipt vs raw loop at ${mid}`, at(hub, mid).p50 / at(raw, mid).p50, 1.2),
    check(`p99 at ${top} (every broadcast reached all ${top})`, at(hub, top).p99, 1000, " ms"),
    `- nothing left after the clients left: ${hub.closedInTime && hub.after.live === 0 ? "met" : "MISSED"} (subscribers ${hub.after.live}, timers ${(hub.after.resources.Timeout ?? 0) - (hub.base.resources.Timeout ?? 0)}, sockets ${(hub.after.resources.TCPSocketWrap ?? 0) - (hub.base.resources.TCPSocketWrap ?? 0)})`,
  ];
  console.log(`Targets:\n${lines.join("\n")}\n`);
}
console.log(`(whole run: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
