/**
 * One server variant for the memory bench, run as a child process (with
 * --expose-gc) by memory.mjs and driven over the IPC channel.
 *
 * Usage: node --expose-gc bench/memory-server.mjs <variant>
 *
 * Every variant answers GET /sse with an idle event stream: the source awaits
 * a promise that resolves when the request is aborted (the client left), then
 * ends. `opened` counts requests, `ended` counts idle sources that returned,
 * `onClose` counts web-sse's onClose calls.
 *
 * @module
 */
import { createServer } from "node:http";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { sse } from "../dist/hono.js";
import { createHub } from "../dist/hub.js";
import { sseResponse } from "../dist/index.js";

const counts = { opened: 0, ended: 0, onClose: 0 };
const onClose = () => {
  counts.onClose++;
};

/** Resolves when `signal` aborts. */
function aborted(signal) {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** An idle web-sse source: waits for the end of the stream, then returns. */
// biome-ignore lint/correctness/useYield: idle on purpose, it yields nothing until the client leaves.
async function* idleSource({ signal }) {
  try {
    await aborted(signal);
  } finally {
    counts.ended++;
  }
}

/** The hub variants' topic: nobody publishes, every subscriber idles. */
const TOPIC = "idle";
/** A hub subscriber's stream ends through onClose (the hub's source has no finally of ours). */
const onHubClose = () => {
  counts.onClose++;
  counts.ended++;
};

const fetchHandlers = {
  /** web-sse/hub `hub.response()` on @hono/node-server, with its defaults. */
  "web-sse-hub": (() => {
    const hub = createHub();
    return (request) => {
      counts.opened++;
      return hub.response(request, TOPIC, { onClose: onHubClose });
    };
  })(),
  /** web-sse `sseResponse` with its defaults (keepAlive 5 s, sendTimeout 30 s). */
  "web-sse": (request) => {
    counts.opened++;
    return sseResponse(idleSource, { request, onClose });
  },
  /** The same with `keepAlive: false`: no timer per connection, like the peers below. */
  "web-sse-no-keepalive": (request) => {
    counts.opened++;
    return sseResponse(idleSource, { request, onClose, keepAlive: false });
  },
  /** web-sse's Hono adapter `sse()` with its defaults. */
  "web-sse-hono": (() => {
    const app = new Hono();
    app.get(
      "/sse",
      sse(
        (_c, ctx) => {
          counts.opened++;
          return idleSource(ctx);
        },
        { onClose },
      ),
    );
    return app.fetch;
  })(),
  /** Hono's own `streamSSE`: the callback waits for the stream's abort. */
  "hono-streamSSE": (() => {
    const app = new Hono();
    app.get("/sse", (c) => {
      counts.opened++;
      return streamSSE(c, async (stream) => {
        try {
          await new Promise((resolve) => stream.onAbort(resolve));
        } finally {
          counts.ended++;
        }
      });
    });
    return app.fetch;
  })(),
  /** A hand-written `new Response(ReadableStream)` whose pull waits for request.signal. */
  "hand-written": (request) => {
    counts.opened++;
    const body = new ReadableStream({
      async pull(controller) {
        await aborted(request.signal);
        counts.ended++;
        try {
          controller.close();
        } catch {
          // Already cancelled by the server when the client left.
        }
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  },
  /**
   * Hand-written, with what web-sse gives a source: the same idle generator,
   * pulled by the stream, with its own signal that aborts when the request's
   * does or the body is cancelled. Like for like: what is left between this
   * and web-sse is the library's own cost.
   */
  "hand-written-generator": (request) => {
    counts.opened++;
    const stop = new AbortController();
    const abort = () => stop.abort();
    request.signal.addEventListener("abort", abort, { once: true });
    const iterator = idleSource({ signal: stop.signal });
    const body = new ReadableStream({
      async pull(controller) {
        const { done } = await iterator.next();
        if (done) {
          try {
            controller.close();
          } catch {
            // Already cancelled by the server when the client left.
          }
        }
      },
      cancel() {
        request.signal.removeEventListener("abort", abort);
        stop.abort();
      },
    });
    return new Response(body, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  },
};

const variant = process.argv[2];

function listening(port) {
  process.send({ type: "listening", port, pid: process.pid });
}

let server;
if (variant === "node-http") {
  // Baseline without any Fetch layer: node:http, head flushed, wait for close.
  server = createServer((_req, res) => {
    counts.opened++;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.flushHeaders();
    res.on("close", () => {
      counts.ended++;
    });
  });
  server.listen(0, "127.0.0.1", () => listening(server.address().port));
} else if (variant === "web-sse-node" || variant === "web-sse-node-hub") {
  const { sendHub, sendSSE } = await import("../dist/node.js");
  const hub = createHub();
  server = createServer((req, res) => {
    counts.opened++;
    if (variant === "web-sse-node") sendSSE(req, res, idleSource, { onClose });
    else sendHub(req, res, hub, TOPIC, { onClose: onHubClose });
  });
  server.listen(0, "127.0.0.1", () => listening(server.address().port));
} else if (fetchHandlers[variant]) {
  server = serve({ fetch: fetchHandlers[variant], hostname: "127.0.0.1", port: 0 }, (info) =>
    listening(info.port),
  );
} else {
  console.error(
    `unknown variant ${variant}; one of node-http, web-sse-node, web-sse-node-hub, ${Object.keys(fetchHandlers).join(", ")}`,
  );
  process.exit(2);
}

function tally() {
  const resources = {};
  for (const name of process.getActiveResourcesInfo()) resources[name] = (resources[name] ?? 0) + 1;
  return resources;
}

async function measure() {
  // Several passes with turns of the event loop between them, so weak refs and
  // finalizers of closed streams settle.
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, rss, external, arrayBuffers, ...counts, resources: tally() };
}

process.on("message", async (message) => {
  if (message.type === "counts") process.send({ type: "counts", ...counts });
  else if (message.type === "measure") process.send({ type: "measure", ...(await measure()) });
});
process.on("disconnect", () => process.exit(0));
