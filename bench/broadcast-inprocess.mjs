/**
 * In-process fan-out: one publish to 1 000 subscribers whose streams are read
 * as fast as they come (drained), repeated; deliveries per second, web-sse/hub
 * against the hand-written Fetch broadcast (per-subscriber queue + pull
 * ReadableStream). No HTTP: this is the cost of the fan-out path alone.
 *
 * Run by broadcast.mjs; alone: node bench/broadcast-inprocess.mjs
 *
 * @module
 */

import { setMaxListeners } from "node:events";
import { createHub } from "../dist/hub.js";
import { sseStream } from "../dist/index.js";

const SUBSCRIBERS = 1000;
const PUBLISHES = 300;
const ROUNDS = 5;
const encoder = new TextEncoder();

/** Reads `body` to its end, calling `onEvents(n)` with the number of complete events in each chunk. */
async function drain(body, onEvents) {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    let n = 0;
    for (let i = 1; i < value.length; i++) if (value[i] === 10 && value[i - 1] === 10) n++;
    if (n > 0) onEvents(n);
  }
}

/** Counts deliveries; `reach(total)` resolves once that many events arrived in all. */
function counter() {
  let delivered = 0;
  let target = Number.POSITIVE_INFINITY;
  let resolve;
  return {
    add(n) {
      delivered += n;
      if (delivered >= target) resolve();
    },
    reach(total) {
      target = total;
      return delivered >= total ? Promise.resolve() : new Promise((r) => (resolve = r));
    },
    get delivered() {
      return delivered;
    },
  };
}

async function hubContender() {
  const hub = createHub();
  const count = counter();
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // one listener per subscriber's stream, on purpose
  const readers = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const body = sseStream(hub.subscribe("t"), { keepAlive: false, signal: stop.signal });
    readers.push(drain(body, count.add));
  }
  // Subscriptions register asynchronously (a backend read first): wait for all of them.
  const deadline = Date.now() + 10_000;
  while (hub.subscribers("t") < SUBSCRIBERS) {
    if (Date.now() > deadline) throw new Error(`only ${hub.subscribers("t")} subscribed`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return {
    count,
    publish: (n) => hub.publish("t", { data: String(n) }),
    async close() {
      stop.abort();
      await Promise.all(readers);
      await hub.close();
    },
  };
}

async function handContender() {
  const subscribers = new Set();
  const count = counter();
  const readers = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const subscriber = { queue: [], wake: undefined, closed: false };
    subscribers.add(subscriber);
    const body = new ReadableStream({
      async pull(controller) {
        while (subscriber.queue.length === 0) {
          if (subscriber.closed) return controller.close();
          await new Promise((resolve) => {
            subscriber.wake = resolve;
          });
          subscriber.wake = undefined;
        }
        for (const chunk of subscriber.queue) controller.enqueue(chunk);
        subscriber.queue.length = 0;
      },
    });
    readers.push(drain(body, count.add));
  }
  return {
    count,
    publish: (n) => {
      const bytes = encoder.encode(`data: ${n}\n\n`);
      for (const subscriber of subscribers) {
        subscriber.queue.push(bytes);
        subscriber.wake?.();
      }
    },
    async close() {
      for (const subscriber of subscribers) {
        subscriber.closed = true;
        subscriber.wake?.();
      }
      await Promise.all(readers);
    },
  };
}

/** Publishes one event at a time and waits until every subscriber has it; returns deliveries/s. */
async function timed(make) {
  const contender = await make();
  const started = performance.now();
  for (let n = 1; n <= PUBLISHES; n++) {
    contender.publish(n);
    await contender.count.reach(n * SUBSCRIBERS);
  }
  const seconds = (performance.now() - started) / 1000;
  if (contender.count.delivered !== PUBLISHES * SUBSCRIBERS) {
    throw new Error(`delivered ${contender.count.delivered}, expected ${PUBLISHES * SUBSCRIBERS}`);
  }
  await contender.close();
  return (PUBLISHES * SUBSCRIBERS) / seconds;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Runs both contenders, alternating, and prints a table. */
export async function runInProcess(log = console.log) {
  const contenders = [
    { name: "**web-sse/hub** (`sseStream(hub.subscribe())`, keepAlive off)", make: hubContender },
    { name: "hand-written Fetch broadcast", make: handContender },
  ];
  for (const c of contenders) await timed(c.make); // warm-up
  const rates = contenders.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order so neither always runs on the other's garbage.
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) rates[i].push(await timed(contenders[i].make));
  }
  const hand = median(rates[1]);
  log(
    `## In process: one publish to ${SUBSCRIBERS} drained subscribers, ${PUBLISHES} publishes, median of ${ROUNDS} rounds\n`,
  );
  log("| contender | deliveries/s | vs hand-written | ± |");
  log("| --- | ---: | ---: | ---: |");
  contenders.forEach((c, i) => {
    const m = median(rates[i]);
    const spread = (Math.max(...rates[i]) - Math.min(...rates[i])) / 2 / m;
    log(
      `| ${c.name} | ${Math.round(m).toLocaleString("en")} | ${(m / hand).toFixed(2)}x | ${(spread * 100).toFixed(0)}% |`,
    );
  });
  log("");
}

if (import.meta.url === `file://${process.argv[1]}`) await runInProcess();
