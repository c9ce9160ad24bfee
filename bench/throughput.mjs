/**
 * Throughput, side by side in one process: every contender streams the same
 * events through a Fetch Response body, read to the end by the same cheap
 * reader. Runs unchanged on Node, Deno and Bun.
 *
 * Per workload: each contender's output is first parsed and checked (a wrong
 * one is FAIL and is not timed), then one warm-up run each, then rounds in
 * which every contender runs once (order rotated per round), as many as fit a
 * time budget (5 to 25); the table shows the median of the rounds and half the
 * range of the samples as a rough noise figure, then web-sse's ratio to each
 * peer paired within each round (median and middle half), which a machine
 * whose load changes during the bench moves far less. No forced GC between runs.
 *
 * @module
 */
import { contenders } from "./contenders.mjs";
import { drain, verify } from "./verify.mjs";
import { workloads } from "./workloads.mjs";

/** Runtime name and version, for the table titles. */
export function runtime() {
  if (globalThis.Bun) return `Bun ${globalThis.Bun.version}`;
  if (globalThis.Deno) return `Deno ${globalThis.Deno.version.deno}`;
  return `Node ${globalThis.process.version}`;
}

/** Timed rounds per workload, when not given: as many as fit the budget, within these bounds. */
const MIN_ROUNDS = 5;
const MAX_ROUNDS = 25;

async function timeOnce(contender, events) {
  const start = performance.now();
  const response = await contender.respond(events);
  const bytes = await drain(response);
  return { ms: performance.now() - start, bytes };
}

/** The machine's load average and core count, where the runtime tells (node:os works on all three). */
export async function machineLoad() {
  try {
    const os = await import("node:os");
    const load = os.loadavg().map((n) => n.toFixed(2));
    return `load average ${load.join(" ")} on ${os.cpus().length} cores`;
  } catch {
    return "load average unknown";
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
const fmtRatio = (r) => (r === undefined ? "–" : `${r.toFixed(2)}x`);

/**
 * Runs one workload for every contender.
 *
 * @returns rows `{ key, name, problem?, samples, eventsPerSec?, mbPerSec?, spread? }`;
 *   `problem` is why the output failed the check (then nothing was timed).
 */
async function runWorkload(workload, list, { rounds, budgetMs, log }) {
  const { events } = workload;
  const rows = new Map();
  for (const contender of list) {
    let problem;
    try {
      problem = await verify(await contender.respond(events), events);
    } catch (error) {
      problem = `threw ${error?.name ?? "error"}: ${error?.message ?? error}`;
    }
    rows.set(contender.key, { key: contender.key, name: contender.name, problem, samples: [] });
    if (problem !== undefined) log(`  ${contender.name}: FAIL (${problem})`);
  }
  const passing = list.filter((c) => rows.get(c.key).problem === undefined);
  let roundMs = 0;
  for (const contender of passing) roundMs += (await timeOnce(contender, events)).ms; // warm-up
  // As many rounds as fit the budget (a quick workload gets more, to tame noise).
  const planned =
    rounds ??
    Math.min(MAX_ROUNDS, Math.max(MIN_ROUNDS, Math.floor(budgetMs / Math.max(roundMs, 1))));
  for (let round = 0; round < planned; round++) {
    for (let i = 0; i < passing.length; i++) {
      const contender = passing[(i + round) % passing.length];
      const { ms, bytes } = await timeOnce(contender, events);
      const row = rows.get(contender.key);
      row.samples.push(ms);
      row.bytes = bytes;
    }
  }
  // Ratios within one round: both contenders ran back to back under the same
  // load, so a machine that speeds up or slows down during the bench moves
  // both and the ratio holds (the ratio of two medians does not).
  const own = rows.get("web-sse");
  for (const row of rows.values()) {
    if (row === own || own === undefined || row.samples.length === 0) continue;
    const ratios = row.samples.map((ms, round) => ms / own.samples[round]).sort((a, b) => a - b);
    row.paired = {
      median: median(ratios),
      low: ratios[Math.floor((ratios.length - 1) / 4)],
      high: ratios[Math.ceil(((ratios.length - 1) * 3) / 4)],
    };
  }
  for (const row of rows.values()) {
    if (row.samples.length === 0) continue;
    const ms = median(row.samples);
    row.ms = ms;
    row.eventsPerSec = events.length / (ms / 1000);
    row.mbPerSec = row.bytes / 1e6 / (ms / 1000);
    // Half the range of the samples, relative to the median: a rough noise figure.
    row.spread = (Math.max(...row.samples) - Math.min(...row.samples)) / (2 * ms);
  }
  return [...rows.values()];
}

/** Renders one workload's rows as a markdown table with ratios vs hand-written and Hono. */
export function table(rows) {
  const hand = rows.find((r) => r.key === "hand")?.eventsPerSec;
  const hono = rows.find((r) => r.key === "hono")?.eventsPerSec;
  const lines = [
    "| contender | events/s (median) | ± | MB/s | vs hand-written | vs Hono | runs |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows) {
    if (row.eventsPerSec === undefined) {
      lines.push(`| ${row.name} | FAIL | – | – | – | – | 0 |`);
      continue;
    }
    const name = row.key === "web-sse" ? `**${row.name}**` : row.name;
    lines.push(
      `| ${name} | ${fmtInt(row.eventsPerSec)} | ${(row.spread * 100).toFixed(0)}% | ${row.mbPerSec.toFixed(1)} | ${fmtRatio(
        hand && row.eventsPerSec / hand,
      )} | ${fmtRatio(hono && row.eventsPerSec / hono)} | ${row.samples.length} |`,
    );
  }
  const paired = rows.filter((r) => r.paired !== undefined);
  if (paired.length > 0) {
    lines.push("");
    lines.push(
      `web-sse against each, paired by round (median, middle half of the rounds): ${paired
        .map(
          (r) =>
            `${r.name} ${fmtRatio(r.paired.median)} (${fmtRatio(r.paired.low)}-${fmtRatio(r.paired.high)})`,
        )
        .join("; ")}`,
    );
  }
  return lines.join("\n");
}

/** The targets from the project brief, checked against the measured rows (informational). */
function targets(results) {
  // web-sse's paired ratio against `key` (see runWorkload), as events/s of web-sse over key's.
  const ratio = (workload, key) =>
    results.find((r) => r.workload.name === workload)?.rows.find((row) => row.key === key)?.paired
      ?.median;
  const checks = [];

  const check = (label, value, goal) => {
    if (value === undefined || Number.isNaN(value)) return;
    checks.push(
      `- ${label}: ${value.toFixed(2)}x (target >= ${goal}x) ${value >= goal ? "met" : "MISSED"}`,
    );
  };
  check("small events, web-sse vs Hono", ratio("small", "hono"), 4);
  check("small events, web-sse vs hand-written", ratio("small", "hand"), 1.3);
  check("16 KiB events, web-sse vs hand-written", ratio("16KiB", "hand"), 1);
  return checks.join("\n");
}

/**
 * Runs every workload and prints the tables.
 *
 * @param options.scale - Multiplies every workload's event count (1 = the full bench).
 * @param options.rounds - Timed rounds per workload (median reported); default: as many
 *   as fit `budgetMs` per workload, between 5 and 25.
 * @param options.budgetMs - Time for the timed rounds of one workload.
 * @param options.only - Contender keys to run (default all).
 * @param options.workloads - Workload names to run: small, ten-line, 16KiB (default all).
 */
export async function runThroughput({
  scale = 1,
  rounds,
  budgetMs = 20_000,
  only,
  workloads: onlyWorkloads,
  log = console.log,
} = {}) {
  const list = contenders().filter((c) => only === undefined || only.includes(c.key));
  log(`## Throughput on ${runtime()}\n`);
  log(`Started with ${await machineLoad()}.\n`);
  const results = [];
  for (const workload of workloads(scale)) {
    if (onlyWorkloads !== undefined && !onlyWorkloads.includes(workload.name)) continue;
    log(`### ${workload.label}\n`);
    const rows = await runWorkload(workload, list, { rounds, budgetMs, log });
    results.push({ workload, rows });
    log(`${table(rows)}\n`);
  }
  log(`Finished with ${await machineLoad()}.\n`);
  const checks = targets(results);
  if (checks) log(`Targets (${runtime()}):\n${checks}\n`);
  return results;
}
