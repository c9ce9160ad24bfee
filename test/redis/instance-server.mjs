// One hub instance on Redis, as its own process (for the failover test):
// GET /events?topic=T streams, POST /publish?topic=T&data=D publishes.
// Prints {"port":N} once listening. Runs on the built package (npm run build): web-sse/* resolve to dist/.
import { serve } from "@hono/node-server";
import { createClient } from "redis";
import { createHub } from "web-sse/hub";
import { redisBackend } from "web-sse/redis";

const redis = createClient({ url: String(process.env.REDIS_URL) });
redis.on("error", () => {});
await redis.connect();
const hub = createHub({
  backend: redisBackend(redis, { prefix: process.env.PREFIX ?? "failover" }),
});

/** @param {Request} request */
async function fetch(request) {
  const url = new URL(request.url);
  const topic = url.searchParams.get("topic") ?? "t";
  if (url.pathname === "/events") return hub.response(request, topic, { retry: 100 });
  if (url.pathname === "/publish" && request.method === "POST") {
    try {
      return Response.json({ id: await hub.publish(topic, url.searchParams.get("data") ?? "") });
    } catch (error) {
      return Response.json({ error: String(error) }, { status: 503 });
    }
  }
  return new Response("not found", { status: 404 });
}

serve({ fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  console.log(JSON.stringify({ port: info.port }));
});
