/**
 * The client side of the memory bench, run as a child process by memory.mjs:
 * opens concurrent SSE connections (node:http GET, no keep-alive agent), reads
 * and discards their bodies, and drops them all on request.
 *
 * Usage: node bench/memory-client.mjs <port>
 *
 * @module
 */
import { get } from "node:http";

const port = Number(process.argv[2]);
const requests = [];
let responses = 0;
let errors = 0;

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
    const request = get(
      {
        host: "127.0.0.1",
        port,
        path: "/sse",
        agent: false,
        headers: { accept: "text/event-stream" },
      },
      (response) => {
        responses++;
        response.on("data", () => {});
        response.on("error", () => {});
        done();
      },
    );
    request.on("error", () => {
      errors++;
      done();
    });
    requests.push(request);
  });
}

/** Opens connections until `total` are open, in waves so the listen backlog never overflows. */
async function openUpTo(total) {
  while (requests.length < total) {
    const wave = [];
    for (let i = 0; i < 250 && requests.length < total; i++) wave.push(openOne());
    await Promise.all(wave);
  }
}

process.on("message", async (message) => {
  if (message.type === "open") {
    await openUpTo(message.total);
    process.send({ type: "opened", open: requests.length, responses, errors });
  } else if (message.type === "close") {
    for (const request of requests) request.destroy();
    requests.length = 0;
    process.send({ type: "closed" });
  }
});
process.on("disconnect", () => process.exit(0));
process.send({ type: "ready", pid: process.pid });
