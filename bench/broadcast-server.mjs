/**
 * One server variant of the broadcast bench, run as a child process (with
 * --expose-gc) by broadcast.mjs and driven over the IPC channel.
 *
 * Usage: node --expose-gc bench/broadcast-server.mjs <variant>
 *
 * Every variant answers GET /sse with an event stream on one shared topic and
 * can broadcast one event to every open stream. The event's data is
 * `{"n":<number>,"t":<ms since 1970, fractional>}`: the client computes the
 * delivery latency from `t` (both processes read the same machine clock).
 *
 * @module
 */
import { createServer } from "node:http";
import { serve } from "@hono/node-server";
import { createChannel, createResponse, createSession } from "better-sse";

const TOPIC = "bench";
const HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };
const encoder = new TextEncoder();

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
const now = () => performance.timeOrigin + performance.now();

/** The event of broadcast `n`, as data text. */
const payload = (n) => `{"n":${n},"t":${now().toFixed(3)}}`;

/**
 * Each variant: `fetch` (served by @hono/node-server) or `node` (a node:http
 * request listener), `broadcast(n)`, and `live()` (subscribers it still holds).
 */
const variants = {
  /** web-sse/hub: `hub.response()` with its defaults (keepAlive 5 s, sendTimeout 30 s, history 1000). */
  hub: async () => {
    const { createHub } = await import("../dist/hub.js");
    const hub = createHub();
    return {
      fetch: (request) => hub.response(request, TOPIC),
      broadcast: (n) => {
        // publish() encodes once and hands the same bytes to every subscriber; it
        // resolves when the backend stored it, which the bench does not wait for.
        hub.publish(TOPIC, { data: payload(n) }).catch((error) => console.error(error));
      },
      live: () => hub.subscribers(TOPIC),
    };
  },

  /** The same with `keepAlive: false`: no keepalive timer per connection, like the peers. */
  "hub-no-keepalive": async () => {
    const { createHub } = await import("../dist/hub.js");
    const hub = createHub();
    return {
      fetch: (request) => hub.response(request, TOPIC, { keepAlive: false }),
      broadcast: (n) => {
        hub.publish(TOPIC, { data: payload(n) }).catch((error) => console.error(error));
      },
      live: () => hub.subscribers(TOPIC),
    };
  },

  /**
   * A hand-written Fetch broadcast: one queue per subscriber drained by a pull
   * ReadableStream; a broadcast encodes once and pushes the same bytes to every
   * queue, waking the subscribers whose pull is waiting.
   */
  "hand-fetch": () => {
    const subscribers = new Set();
    return {
      fetch: (request) => {
        const subscriber = { queue: [], wake: undefined };
        const leave = () => {
          subscribers.delete(subscriber);
          subscriber.wake?.();
        };
        subscribers.add(subscriber);
        request.signal.addEventListener("abort", leave, { once: true });
        const body = new ReadableStream({
          async pull(controller) {
            while (subscriber.queue.length === 0) {
              if (!subscribers.has(subscriber)) return controller.close();
              await new Promise((resolve) => {
                subscriber.wake = resolve;
              });
              subscriber.wake = undefined;
            }
            for (const chunk of subscriber.queue) controller.enqueue(chunk);
            subscriber.queue.length = 0;
          },
          cancel: leave,
        });
        return new Response(body, { headers: HEADERS });
      },
      broadcast: (n) => {
        const bytes = encoder.encode(`data: ${payload(n)}\n\n`);
        for (const subscriber of subscribers) {
          subscriber.queue.push(bytes);
          subscriber.wake?.();
        }
      },
      live: () => subscribers.size,
    };
  },

  /** web-sse/node: `sendHub()` on node:http, with its defaults: the Node body, no Fetch layer. */
  "node-hub": async () => {
    const { createHub } = await import("../dist/hub.js");
    const { sendHub } = await import("../dist/node.js");
    const hub = createHub();
    return {
      node: (req, res) => {
        sendHub(req, res, hub, TOPIC);
      },
      broadcast: (n) => {
        hub.publish(TOPIC, { data: payload(n) }).catch((error) => console.error(error));
      },
      live: () => hub.subscribers(TOPIC),
    };
  },

  /** Raw node:http writing one string per client: `res.write(text)` to every response, each encoding it. */
  "node-http-string": () => {
    const responses = new Set();
    return {
      node: (_req, res) => {
        res.writeHead(200, HEADERS);
        res.flushHeaders();
        responses.add(res);
        res.on("close", () => responses.delete(res));
      },
      broadcast: (n) => {
        const text = `data: ${payload(n)}\n\n`;
        for (const res of responses) res.write(text);
      },
      live: () => responses.size,
    };
  },

  /** Raw node:http: one Buffer per broadcast, `res.write` to every response. A floor, no Fetch layer. */
  "node-http": () => {
    const responses = new Set();
    return {
      node: (_req, res) => {
        res.writeHead(200, HEADERS);
        res.flushHeaders();
        responses.add(res);
        res.on("close", () => responses.delete(res));
      },
      broadcast: (n) => {
        const bytes = Buffer.from(`data: ${payload(n)}\n\n`);
        for (const res of responses) res.write(bytes);
      },
      live: () => responses.size,
    };
  },

  /** better-sse's Channel with node:http sessions (`createSession(req, res)`), its defaults. */
  "better-sse": () => {
    const channel = createChannel();
    return {
      node: async (req, res) => {
        const session = await createSession(req, res, { serializer: String });
        channel.register(session);
      },
      broadcast: (n) => channel.broadcast(payload(n), "message"),
      live: () => channel.sessionCount,
    };
  },

  /** better-sse's Channel with Fetch sessions (`createResponse(request, cb)`) on @hono/node-server. */
  "better-sse-fetch": () => {
    const channel = createChannel();
    return {
      fetch: (request) =>
        createResponse(request, { serializer: String }, (session) => channel.register(session)),
      broadcast: (n) => channel.broadcast(payload(n), "message"),
      live: () => channel.sessionCount,
    };
  },
};

const key = process.argv[2];
if (!(key in variants)) {
  console.error(`unknown variant ${key}; one of ${Object.keys(variants).join(", ")}`);
  process.exit(2);
}
const variant = await variants[key]();

function listening(port) {
  process.send({ type: "listening", port, pid: process.pid });
}

if (variant.node) {
  const server = createServer(variant.node);
  server.listen(0, "127.0.0.1", () => listening(server.address().port));
} else {
  serve({ fetch: variant.fetch, hostname: "127.0.0.1", port: 0 }, (info) => listening(info.port));
}

function tally() {
  const resources = {};
  for (const name of process.getActiveResourcesInfo()) resources[name] = (resources[name] ?? 0) + 1;
  return resources;
}

async function measure() {
  // Several passes with turns of the event loop between them, so finalizers of closed streams settle.
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss, live: variant.live(), resources: tally() };
}

/**
 * `count` broadcasts `gap` ms apart. Reports the CPU this process used from the
 * first broadcast until `cpu-stop` (sent once the client has every event), and
 * how long the first broadcast's synchronous part took.
 */
let cpuStart;
async function run(count, gap) {
  cpuStart = process.cpuUsage();
  let firstCall = 0;
  for (let n = 1; n <= count; n++) {
    const t0 = performance.now();
    variant.broadcast(n);
    if (n === 1) firstCall = performance.now() - t0;
    if (n < count) await new Promise((resolve) => setTimeout(resolve, gap));
  }
  process.send({ type: "broadcasted", firstCall });
}

process.on("message", async (message) => {
  if (message.type === "live") process.send({ type: "live", live: variant.live() });
  else if (message.type === "measure") process.send({ type: "measure", ...(await measure()) });
  else if (message.type === "run") run(message.count, message.gap);
  else if (message.type === "cpu-stop") {
    const used = process.cpuUsage(cpuStart);
    process.send({ type: "cpu", micros: used.user + used.system });
  }
});
process.on("disconnect", () => process.exit(0));
