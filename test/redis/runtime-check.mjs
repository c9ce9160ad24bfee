// Two hubs on one Redis inside one Bun or Deno process, on the built package:
// publish on A, a subscriber on B gets the events with the same ids, a client
// resuming on A gets the rest. CLIENT picks the Redis client: "node-redis" or
// "bun" (Bun's built-in RedisClient). Prints one JSON line with what it saw.
import { createClient } from "redis";
import { createHub } from "web-sse/hub";
import { redisBackend } from "web-sse/redis";

// Deno 2 and Bun both have the `process` global.
const url = String(process.env.REDIS_URL);
const kind = process.env.CLIENT ?? "node-redis";

/** @returns {Promise<{ client: any, close: () => void }>} */
async function connect() {
  if (kind === "bun") {
    const client = new /** @type {any} */ (globalThis).Bun.RedisClient(url);
    await client.connect();
    return { client, close: () => client.close() };
  }
  const client = createClient({ url });
  client.on("error", () => {});
  await client.connect();
  return { client, close: () => client.destroy() };
}

/**
 * Reads `count` events from an SSE body (bounded by the deadline below).
 * @param {Response} response
 * @param {number} count
 */
async function events(response, count) {
  const reader = /** @type {ReadableStream<Uint8Array>} */ (response.body).getReader();
  const decoder = new TextDecoder();
  const seen = [];
  let text = "";
  while (seen.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end = text.indexOf("\n\n");
    while (end !== -1) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data !== undefined) seen.push({ id, data });
      end = text.indexOf("\n\n");
    }
  }
  await reader.cancel();
  return seen;
}

/** @param {string} [lastEventId] */
const request = (lastEventId) =>
  new Request("http://hub.test/events", {
    headers: {
      accept: "text/event-stream",
      ...(lastEventId === undefined ? {} : { "last-event-id": lastEventId }),
    },
  });

const deadline = setTimeout(() => {
  console.log(JSON.stringify({ error: "timed out after 20 s" }));
  process.exit(1);
}, 20_000);

const prefix = `runtime-${kind}-${Math.random().toString(36).slice(2)}`;
const a = await connect();
const b = await connect();
const hubA = createHub({ backend: redisBackend(a.client, { prefix }) });
const hubB = createHub({ backend: redisBackend(b.client, { prefix }) });
const live = await hubB.response(request(), "t");
const liveEvents = events(live, 3);
const ids = [];
for (const data of ["one", "two", "three"]) ids.push(await hubA.publish("t", data));
const resumed = await events(await hubA.response(request(ids[0]), "t"), 2);
console.log(JSON.stringify({ ids, live: await liveEvents, resumed }));
clearTimeout(deadline);
await hubA.close();
await hubB.close();
a.close();
b.close();
