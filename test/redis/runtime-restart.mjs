// A hub on Bun's RedisClient through a Redis restart (run by runtimes.test.ts
// on the built package): subscribes, publishes, prints "restart" and waits
// for a line on stdin (the test restarts Redis meanwhile), publishes again
// (retrying while Redis comes back), then prints one JSON line with what the
// subscriber saw.
import { createHub } from "web-sse/hub";
import { redisBackend } from "web-sse/redis";

const url = String(process.env.REDIS_URL);
const deadline = setTimeout(() => {
  console.log(JSON.stringify({ error: "timed out after 40 s" }));
  process.exit(1);
}, 40_000);

/** @returns {Promise<any>} */
async function connect() {
  const client = new /** @type {any} */ (globalThis).Bun.RedisClient(url);
  await client.connect();
  return client;
}

const a = await connect();
const b = await connect();
const hubA = createHub({ backend: redisBackend(a, { prefix: "restart", timeout: 1000 }) });
const hubB = createHub({ backend: redisBackend(b, { prefix: "restart", timeout: 1000 }) });
const response = await hubB.response(
  new Request("http://hub.test/", { headers: { accept: "text/event-stream" } }),
  "t",
);
const reader = /** @type {ReadableStream<Uint8Array>} */ (response.body).getReader();
const decoder = new TextDecoder();
/** @type {string[]} */
const seen = [];
let ended = false;
(async () => {
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    for (const match of text.matchAll(/^data: (.*)$/gm)) seen.push(match[1] ?? "");
    text = text.slice(text.lastIndexOf("\n") + 1);
  }
  ended = true;
})();

/** @param {string} data */
async function publishSoon(data) {
  for (let i = 0; ; i++) {
    try {
      return await hubA.publish("t", data);
    } catch (error) {
      if (i > 150) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

for (const data of ["before0", "before1"]) await hubA.publish("t", data);
console.log("restart");
await new Promise((resolve) => process.stdin.once("data", resolve));
for (const data of ["after0", "after1"]) await publishSoon(data);
for (let i = 0; i < 200 && seen.length < 4; i++) await new Promise((r) => setTimeout(r, 50));
console.log(JSON.stringify({ seen, ended }));
clearTimeout(deadline);
await reader.cancel();
await hubA.close();
await hubB.close();
a.close();
b.close();
process.exit(0);
