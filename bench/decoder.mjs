/**
 * `npm run bench:decoder`: decoding throughput, bytes to events, of
 * web-sse/client's SSEDecoderStream against the pipeline users build today,
 * TextDecoderStream then eventsource-parser's EventSourceParserStream, in one
 * process, on whichever runtime runs this file (Node, Deno or Bun).
 *
 * 1. Small, 10-line and 16 KiB events fed in 16 KiB chunks: MB/s and the
 *    ratio (web-sse throughput / pipeline throughput), rounds interleaved,
 *    each side's best round (on a shared machine the best round is the one
 *    least disturbed by other work; the median is shown beside it).
 * 2. One-byte chunks, for linearity: one event of 64 KiB, 1 MiB and 10 MiB
 *    fed a byte at a time; ns per byte should stay flat as the event grows
 *    (a quadratic buffer would grow it tenfold per tenfold size).
 *
 * Flags: --rounds=N (default 7), --scale=0.1 (quick check), --no-bytewise,
 * --max-bytewise=<MiB> (default 10).
 * Needs `npm run build` first (it imports ../dist).
 *
 * @module
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import { SSEDecoderStream } from "../dist/client.js";

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const value = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const flag = (name) => args.includes(`--${name}`);
const rounds = Number(value("rounds") ?? 7);
const scale = Number(value("scale") ?? 1);
const maxBytewise = Number(value("max-bytewise") ?? 10);

const runtime = globalThis.Deno
  ? `Deno ${globalThis.Deno.version.deno}`
  : globalThis.Bun
    ? `Bun ${globalThis.Bun.version}`
    : `Node ${globalThis.process.version}`;

const encoder = new TextEncoder();

/** The stream's bytes for `count` events made by `make(i)`. */
function streamBytes(count, make) {
  let text = "";
  for (let i = 0; i < count; i++) text += make(i);
  return encoder.encode(text);
}

const word = (i) => `w${i % 997}`;
const WORKLOADS = [
  {
    name: "small",
    bytes: streamBytes(
      Math.round(200_000 * scale),
      (i) => `id: ${i}\ndata: {"n":${i},"v":"${word(i)}"}\n\n`,
    ),
  },
  {
    name: "10-line",
    bytes: streamBytes(Math.round(30_000 * scale), (i) => {
      let block = `event: update\nid: ${i}\n`;
      for (let l = 0; l < 10; l++)
        block += `data: line ${l} of event ${i}, some ordinary text ${word(i + l)}\n`;
      return `${block}\n`;
    }),
  },
  {
    name: "16KiB",
    bytes: streamBytes(
      Math.max(1, Math.round(1000 * scale)),
      (i) => `id: ${i}\ndata: ${"x".repeat(16 * 1024 - 20)}${String(i).padStart(8, "0")}\n\n`,
    ),
  },
];

/** `bytes` as a stream of `size`-byte chunks, enqueued in batches per pull. */
function chunked(bytes, size) {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      for (let n = 0; n < 4096 && offset < bytes.length; n++) {
        controller.enqueue(bytes.subarray(offset, offset + size));
        offset += size;
      }
      if (offset >= bytes.length) controller.close();
    },
  });
}

const CONTENDERS = {
  "web-sse": (source) => source.pipeThrough(new SSEDecoderStream()),
  pipeline: (source) =>
    source.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()),
};

/** Decodes `bytes` (in `size`-byte chunks) with `contender`; resolves to [ms, events]. */
async function timeOne(contender, bytes, size) {
  const started = performance.now();
  let events = 0;
  let dataLength = 0;
  const reader = CONTENDERS[contender](chunked(bytes, size)).getReader();
  for (;;) {
    const { done, value: event } = await reader.read();
    if (done) break;
    events++;
    dataLength += event.data.length;
  }
  return [performance.now() - started, events, dataLength];
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};
const fmt = (x, digits = 1) => x.toFixed(digits);

console.log(
  `## Decoder throughput on ${runtime} (16 KiB chunks, MB/s of each side's best of ${rounds} interleaved rounds)\n`,
);
console.log(
  "| workload | events | MiB | web-sse MB/s | pipeline MB/s | ratio, best rounds | ratio, median rounds |",
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const workload of WORKLOADS) {
  const times = { "web-sse": [], pipeline: [] };
  let events = 0;
  // One warm-up round each, then interleaved timed rounds.
  for (const c of Object.keys(CONTENDERS)) await timeOne(c, workload.bytes, 16 * 1024);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ["web-sse", "pipeline"] : ["pipeline", "web-sse"];
    for (const c of order) {
      const [ms, n, length] = await timeOne(c, workload.bytes, 16 * 1024);
      times[c].push(ms);
      if (c === "web-sse") events = n;
      else if (n !== events && events !== 0)
        throw new Error(`${workload.name}: ${n} events vs ${events}`);
      void length;
    }
  }
  const mb = workload.bytes.length / 1e6;
  const ours = mb / (Math.min(...times["web-sse"]) / 1000);
  const theirs = mb / (Math.min(...times.pipeline) / 1000);
  const medianRatio = median(times.pipeline) / median(times["web-sse"]);
  console.log(
    `| ${workload.name} | ${events} | ${fmt(workload.bytes.length / 2 ** 20)} | ${fmt(ours)} | ${fmt(theirs)} | ${fmt(ours / theirs, 2)}x | ${fmt(medianRatio, 2)}x |`,
  );
}

if (!flag("no-bytewise")) {
  console.log(`\n## One-byte chunks on ${runtime}: one event of each size, fed a byte at a time\n`);
  console.log(
    "| event size | web-sse ns/byte | pipeline ns/byte | ratio (web-sse / pipeline throughput) |",
  );
  console.log("| ---: | ---: | ---: | ---: |");
  for (const kib of [64, 1024, maxBytewise * 1024]) {
    const size = Math.max(1, Math.round(kib * 1024 * Math.min(1, scale * 10)));
    const bytes = encoder.encode(`data: ${"y".repeat(size)}\n\n`);
    const ns = {};
    for (const c of Object.keys(CONTENDERS)) {
      const [ms, n, length] = await timeOne(c, bytes, 1);
      if (n !== 1 || length !== size) throw new Error(`${c}: ${n} events of ${length} chars`);
      ns[c] = (ms * 1e6) / bytes.length;
    }
    const label = size >= 2 ** 20 ? `${fmt(size / 2 ** 20, 0)} MiB` : `${fmt(size / 1024, 0)} KiB`;
    console.log(
      `| ${label} | ${fmt(ns["web-sse"])} | ${fmt(ns.pipeline)} | ${fmt(ns.pipeline / ns["web-sse"], 2)}x |`,
    );
  }
}
