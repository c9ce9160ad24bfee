/**
 * The client side of the broadcast bench, run as a child process by
 * broadcast.mjs: holds idle SSE connections (node:http GET, no keep-alive
 * agent), and for each round of broadcasts records when every event arrived,
 * compared with the publish time the event carries (same machine clock).
 *
 * Usage: node bench/broadcast-client.mjs <port> [source addresses]
 *
 * With `source addresses` n > 1, connections come from 127.0.0.1 to
 * 127.0.0.n in turn, so one client process can hold more connections to one
 * server port than one address has ephemeral ports.
 *
 * @module
 */
import { get } from "node:http";

const port = Number(process.argv[2]);
const sources = Math.max(1, Number(process.argv[3] ?? 1));
const EVENT = /"n":(\d+),"t":([\d.]+)/g;
const now = () => performance.timeOrigin + performance.now();

/** One entry per open connection: its request, unparsed tail and the next `n` it expects. */
const connections = [];
let errors = 0;

/** The round being received. */
let round;

function onEvent(connection, n, t, at) {
  if (round === undefined) return;
  if (n !== connection.next) round.disorder++;
  connection.next = n + 1;
  round.latencies.push(at - t);
  round.received++;
  if (n === 1) round.firstDone = Math.max(round.firstDone, at - t);
  if (round.received === round.expected) {
    const done = round;
    round = undefined;
    finish(done);
  }
}

function finish(done) {
  const sorted = Float64Array.from(done.latencies).sort();
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  process.send({
    type: "round",
    received: done.received,
    disorder: done.disorder,
    p50: pick(0.5),
    p99: pick(0.99),
    max: sorted[sorted.length - 1],
    firstFanOut: done.firstDone,
  });
}

/** Opens one connection; resolves when its response head arrives, it fails, or after 10 s. */
function openOne() {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      errors++;
      resolve();
    }, 10_000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const connection = { request: undefined, tail: "", next: 1 };
    connection.request = get(
      {
        host: "127.0.0.1",
        port,
        path: "/sse",
        agent: false,
        ...(sources > 1 ? { localAddress: `127.0.0.${1 + (connections.length % sources)}` } : {}),
        headers: { accept: "text/event-stream" },
      },
      (response) => {
        response.setEncoding("utf8");
        response.on("data", (text) => {
          const at = now();
          // Only complete events (up to the last blank line) are parsed; the rest waits.
          const all = connection.tail + text;
          const end = all.lastIndexOf("\n\n");
          if (end === -1) {
            connection.tail = all;
            return;
          }
          connection.tail = all.slice(end + 2);
          for (const match of all.slice(0, end).matchAll(EVENT)) {
            onEvent(connection, Number(match[1]), Number(match[2]), at);
          }
        });
        response.on("error", () => {});
        done();
      },
    );
    connection.request.on("error", () => {
      errors++;
      done();
    });
    connections.push(connection);
  });
}

/** Opens connections until `total` are open, in waves so the listen backlog never overflows. */
async function openUpTo(total) {
  while (connections.length < total) {
    const wave = [];
    for (let i = 0; i < 250 && connections.length < total; i++) wave.push(openOne());
    await Promise.all(wave);
  }
}

process.on("message", async (message) => {
  if (message.type === "open") {
    await openUpTo(message.total);
    process.send({ type: "opened", open: connections.length, errors });
  } else if (message.type === "expect") {
    for (const connection of connections) connection.next = 1;
    round = {
      expected: message.count * connections.length,
      received: 0,
      disorder: 0,
      latencies: [],
      firstDone: 0,
    };
    process.send({ type: "expecting" });
  } else if (message.type === "progress") {
    process.send({ type: "progress", received: round?.received ?? -1 });
  } else if (message.type === "close") {
    for (const connection of connections) connection.request.destroy();
    connections.length = 0;
    process.send({ type: "closed" });
  }
});
process.on("disconnect", () => process.exit(0));
process.send({ type: "ready", pid: process.pid });
