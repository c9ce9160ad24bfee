/**
 * Broadcast fan-out over real HTTP on 127.0.0.1 (Node only): web-sse/hub side
 * by side with a hand-written Fetch broadcast, raw node:http and better-sse's
 * Channel. Then one in-process figure: deliveries/s of one publish to 1 000
 * drained subscribers, hub against the hand-written broadcast.
 *
 * Usage: npm run bench:broadcast  (builds dist/ first)
 *        node bench/broadcast.mjs [--only=hub,hand-fetch,...] [--sizes=1000,5000]
 *                                 [--count=20] [--gap=200] [--no-inprocess]
 *
 * For each variant: a server process (--expose-gc, broadcast-server.mjs) and a
 * client process (broadcast-client.mjs) holding idle connections. At each size
 * the server is measured (GC, heapUsed, RSS), then broadcasts `count` events
 * `gap` ms apart; the client reports latencies from the publish time carried in
 * each event, and the server the CPU it used until the client had them all.
 * Every process started here is killed by its PID at the end, also on error.
 *
 * Figures: CPU per delivered event = the server's process.cpuUsage() (user +
 * system) from the first broadcast until the client has every event, divided
 * by broadcasts x clients. Latency = client receive time minus the publish
 * time in the event (performance.timeOrigin + now() in both processes), over
 * every delivered event. First fan-out = the largest latency of broadcast 1
 * (until the last client has it). Heap and RSS per connection = the slope
 * between the two sizes after GC. Cleanup = after every client left: the
 * subscribers the server still holds, Timeout and TCPSocketWrap handles and
 * the heap, against the baseline taken after the warm-up.
 *
 * @module
 */
import { fileLimits, measureVariant } from "./fanout.mjs";

export const VARIANTS = [
  { key: "hub", name: "web-sse/hub `hub.response()` (defaults)", ours: true },
  {
    key: "hub-no-keepalive",
    name: "web-sse/hub `hub.response()` (keepAlive: false)",
    ours: true,
    optional: true,
  },
  { key: "hand-fetch", name: "hand-written Fetch broadcast (queue + pull ReadableStream)" },
  { key: "node-http", name: "raw node:http `res.write` (no Fetch layer, reference)" },
  { key: "better-sse", name: "better-sse Channel, node:http sessions" },
  // Not in the default run (time): --only=better-sse-fetch,...
  { key: "better-sse-fetch", name: "better-sse Channel, Fetch sessions", optional: true },
];

const ratio = (a, b) => (a === undefined || b === undefined ? "–" : `${(a / b).toFixed(2)}x`);
const kib = (bytes) => (bytes / 1024).toFixed(1);
const signed = (n, text) => `${n >= 0 ? "+" : ""}${text}`;

function tables(results, sizes) {
  const ok = results.filter((r) => r.error === undefined);
  const at = (key, size) =>
    ok.find((r) => r.variant.key === key)?.bySize.find((s) => s.size === size);
  const lines = [
    "| variant | clients | CPU µs / delivered event | vs hand-fetch | vs node:http | p50 ms | vs hand-fetch | p99 ms | first fan-out ms | out of order |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const size of sizes) {
    const hand = at("hand-fetch", size);
    const node = at("node-http", size);
    for (const r of results) {
      if (r.error !== undefined) {
        if (size === sizes[0]) lines.push(`| ${r.variant.name} | ERROR: ${r.error} |||||||||`);
        continue;
      }
      const s = r.bySize.find((x) => x.size === size);
      const name = r.variant.ours ? `**${r.variant.name}**` : r.variant.name;
      lines.push(
        `| ${name} | ${size} | ${s.cpuPerEvent.toFixed(1)} | ${ratio(s.cpuPerEvent, hand?.cpuPerEvent)} | ${ratio(
          s.cpuPerEvent,
          node?.cpuPerEvent,
        )} | ${s.p50.toFixed(2)} | ${ratio(s.p50, hand?.p50)} | ${s.p99.toFixed(2)} | ${s.firstFanOut.toFixed(
          1,
        )} | ${s.disorder} |`,
      );
    }
  }
  const hand = ok.find((r) => r.variant.key === "hand-fetch");
  const memory = [
    `| variant | heap/conn KiB | RSS/conn KiB | heap vs hand-fetch | live left | timers vs baseline | sockets vs baseline | heap after vs baseline |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const r of ok) {
    const delta = (name) => (r.after.resources[name] ?? 0) - (r.base.resources[name] ?? 0);
    const left = r.after.heapUsed - r.base.heapUsed;
    const growth = r.peak.heapUsed - r.base.heapUsed;
    memory.push(
      `| ${r.variant.name} | ${kib(r.heapPerConn)} | ${kib(r.rssPerConn)} | ${ratio(
        r.heapPerConn,
        hand?.heapPerConn,
      )} | ${r.closedInTime ? r.after.live : `**${r.after.live} (not within 60 s)**`} | ${signed(
        delta("Timeout"),
        delta("Timeout"),
      )} | ${signed(delta("TCPSocketWrap"), delta("TCPSocketWrap"))} | ${signed(left, kib(left))} KiB (${(
        (left / growth) * 100
      ).toFixed(1)}% of peak growth) |`,
    );
  }
  return `${lines.join("\n")}\n\n${memory.join("\n")}`;
}

function targets(results, size) {
  const find = (key) => results.find((r) => r.variant.key === key && r.error === undefined);
  const [hub, hand, node] = [find("hub"), find("hand-fetch"), find("node-http")];
  if (!hub || !hand) return "";
  const s = (r) => r.bySize.find((x) => x.size === size);
  const check = (label, value, limit) =>
    `- ${label}: ${value.toFixed(2)}x (target <= ${limit}x) ${value <= limit ? "met" : "MISSED"}`;
  const lines = [
    check("CPU per delivered event vs hand-fetch", s(hub).cpuPerEvent / s(hand).cpuPerEvent, 1),
    check("p50 latency vs hand-fetch", s(hub).p50 / s(hand).p50, 1),
    check("heap per connection vs hand-fetch", hub.heapPerConn / hand.heapPerConn, 1.1),
  ];
  if (node) {
    lines.push(
      check(
        "stretch: CPU per delivered event vs raw node:http",
        s(hub).cpuPerEvent / s(node).cpuPerEvent,
        1.3,
      ),
    );
  }
  return `Targets at ${size} clients:\n${lines.join("\n")}\n`;
}

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
const variants = only
  ? VARIANTS.filter((v) => only.includes(v.key))
  : VARIANTS.filter((v) => !v.optional);
let sizes = typeof options.sizes === "string" ? options.sizes.split(",").map(Number) : [1000, 5000];
const count = Number(options.count ?? 20);
const gap = Number(options.gap ?? 200);

const { soft, hard } = fileLimits();
const top = Math.max(...sizes);
if (hard < top + 512) {
  const capped = Math.max(sizes[0] + 100, hard - 512);
  console.log(
    `(open-file hard limit is ${hard}: measuring up to ${capped} clients instead of ${top})`,
  );
  sizes = sizes.map((s) => Math.min(s, capped));
}
const files = Math.min(hard, Math.max(soft, Math.max(...sizes) + 512));

const started = Date.now();
console.log(
  `## Broadcast fan-out on Node ${process.version} (@hono/node-server, 127.0.0.1, 2nd process of idle clients)\n`,
);
console.log(
  `${count} broadcasts ${gap} ms apart per size; open-file limit soft ${soft}, hard ${hard}; children run with ulimit -n ${files}. Load average at start: ${(
    await import("node:os")
  )
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}\n`,
);
const results = [];
for (const variant of variants) {
  const result = await measureVariant(variant, sizes, files, count, gap);
  results.push(result);
  console.log(result.error ? `  ${variant.key}: ERROR ${result.error}` : `  ${variant.key}: done`);
}
console.log(`\n${tables(results, sizes)}\n`);
console.log(targets(results, Math.max(...sizes)));

if (!options["no-inprocess"]) {
  const { runInProcess } = await import("./broadcast-inprocess.mjs");
  await runInProcess();
}
console.log(`(whole run: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
