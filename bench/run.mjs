/**
 * `npm run bench` (Node), `npm run bench:deno`, `npm run bench:bun`.
 *
 * Flags:
 *   --no-memory        skip the memory-per-connection bench (Node only anyway)
 *   --no-throughput    run only the memory bench
 *   --only=a,b         throughput contenders by key: web-sse,hand,encoder,hono,h3,better-sse
 *   --workloads=a,b    throughput workloads by name: small,ten-line,16KiB
 *   --scale=0.1        shrink every throughput workload (quick check; not for figures)
 *   --rounds=5         timed rounds per throughput workload (default: what fits ~20 s, 3 to 15)
 *   --connections=1000,5000   the two memory-bench connection counts
 *   --variants=a,b     memory-bench server variants by key (see VARIANTS in memory.mjs)
 *
 * Needs `npm run build` first (it imports ../dist).
 *
 * @module
 */
import { runThroughput, runtime } from "./throughput.mjs";

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);

function flag(name) {
  return args.includes(`--${name}`);
}

function value(name) {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const isNode = !globalThis.Deno && !globalThis.Bun;
const started = performance.now();

if (!flag("no-throughput")) {
  await runThroughput({
    scale: Number(value("scale") ?? 1),
    rounds: value("rounds") === undefined ? undefined : Number(value("rounds")),
    only: value("only")?.split(","),
    workloads: value("workloads")?.split(","),
  });
}

if (!flag("no-memory")) {
  if (isNode) {
    const { runMemory, VARIANTS } = await import("./memory.mjs");
    const counts = value("connections")?.split(",").map(Number);
    const keys = value("variants")?.split(",");
    await runMemory({
      ...(counts ? { low: counts[0], high: counts[1] } : {}),
      ...(keys ? { variants: VARIANTS.filter((v) => keys.includes(v.key)) } : {}),
    });
  } else {
    console.log(`(memory bench skipped: it runs on Node only, not ${runtime()})\n`);
  }
}

console.log(`Total bench time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
