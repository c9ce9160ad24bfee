/**
 * Serves the resumable AI answer example on Node:
 * `npm run build && node examples/ai-answer/server.mjs`, then open the URL it prints.
 * PORT sets the port (default 8788; 0 picks a free one).
 *
 * @module
 */
import { serve } from "@hono/node-server";
import { createHub } from "web-sse/hub";
import { createAnswerApp } from "./app.mjs";

const port = Number(process.env.PORT ?? 8788);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a whole number from 0 to 65535 (got ${process.env.PORT})`);
  process.exit(1);
}

const hub = createHub();
const jobs = new AbortController();
const app = createAnswerApp({ hub, signal: jobs.signal });
const server = serve({ fetch: app.fetch, port }, (info) => {
  console.log(`web-sse ai-answer on http://localhost:${info.port}`);
});

let stopping = false;
/** Graceful shutdown: jobs stopped, every stream ended (clients reconnect elsewhere), then exit. */
async function stop() {
  if (stopping) return;
  stopping = true;
  setTimeout(() => {
    console.error("web-sse ai-answer: still running 1 s after the signal; exiting");
    process.exit(1);
  }, 1000).unref();
  jobs.abort();
  server.close();
  await hub.close();
  if ("closeAllConnections" in server) server.closeAllConnections();
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
