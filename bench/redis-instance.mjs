/**
 * Instance B of the Redis bench, run as a child process by bench/redis.mjs:
 * serves GET /sse to the subscribers and prints `{"port":N}` once listening.
 *
 * Usage: node bench/redis-instance.mjs <hub|floor|floor-batched> <redis-url>
 *
 * - hub: web-sse/hub on redisBackend (node-redis), served by @hono/node-server.
 * - floor: no hub, no library: a bare XREAD BLOCK loop on one stream that
 *   writes each entry as an SSE frame to every raw node:http response.
 * - floor-batched: the same, one write per XREAD batch per response.
 *
 * @module
 */
import { createServer } from "node:http";
import { serve } from "@hono/node-server";
import { createClient } from "redis";

const [mode, url] = process.argv.slice(2);
// A normal exit on SIGTERM, so --cpu-prof writes its profile.
process.on("SIGTERM", () => process.exit(0));
const redis = createClient({ url });
redis.on("error", () => {});
await redis.connect();

function listening(port) {
  console.log(JSON.stringify({ port }));
}

if (mode === "hub") {
  const { createHub } = await import("../dist/hub.js");
  const { redisBackend } = await import("../dist/redis.js");
  const hub = createHub({ backend: redisBackend(redis, { prefix: "bench" }) });
  serve(
    { fetch: (request) => hub.response(request, "bench"), port: 0, hostname: "127.0.0.1" },
    (info) => listening(info.port),
  );
} else if (mode === "floor" || mode === "floor-batched") {
  const responses = new Set();
  const encoder = new TextEncoder();
  const server = createServer((request, response) => {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    response.write(":\n\n");
    responses.add(response);
    request.on("close", () => responses.delete(response));
  });
  server.listen(0, "127.0.0.1", () => listening(server.address().port));
  const reader = redis.duplicate();
  reader.on("error", () => {});
  await reader.connect();
  let last = "$";
  for (;;) {
    const reply = await reader.sendCommand([
      "XREAD",
      "COUNT",
      "1000",
      "BLOCK",
      "2000",
      "STREAMS",
      "floor",
      last,
    ]);
    if (reply === null) continue;
    // node-redis v6 answers XREAD with { stream: entries }, older versions with [[stream, entries]].
    const entries = Array.isArray(reply) ? reply[0][1] : Object.values(reply)[0];
    last = entries[entries.length - 1][0];
    if (mode === "floor") {
      for (const [id, fields] of entries) {
        const bytes = encoder.encode(`id: ${id}\ndata: ${fields[1]}\n\n`);
        for (const response of responses) response.write(bytes);
      }
    } else {
      let text = "";
      for (const [id, fields] of entries) text += `id: ${id}\ndata: ${fields[1]}\n\n`;
      const bytes = encoder.encode(text);
      for (const response of responses) response.write(bytes);
    }
  }
} else {
  console.error(
    `usage: node bench/redis-instance.mjs <hub|floor|floor-batched> <redis-url> (got ${mode})`,
  );
  process.exit(2);
}
