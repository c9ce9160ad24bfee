/**
 * Serves the web-sse live demo on Node: `npm start`, then open the URL it prints.
 * PORT sets the port (default 8787; 0 picks a free one).
 *
 * @module
 */
import { serve } from "@hono/node-server";
import { createHub } from "web-sse/hub";
import { createDemoApp } from "./app.mjs";

const port = Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a whole number from 0 to 65535 (got ${process.env.PORT})`);
  process.exit(1);
}

const hub = createHub();
const app = createDemoApp({ hub });
const server = serve({ fetch: app.fetch, port }, (info) => {
  console.log(`web-sse demo on http://localhost:${info.port}`);
});

/** How long a shutdown may take before the process gives up waiting and exits with a failure. */
const SHUTDOWN_DEADLINE = 1000;

let stopping = false;
/** Graceful shutdown: no new connections, every stream ended, then the process exits by itself. */
async function stop() {
  if (stopping) return;
  stopping = true;
  // A shutdown that hangs (something still holding the event loop) must not
  // hang the deploy: exit non-zero at the deadline, so it shows in the logs.
  setTimeout(() => {
    console.error(`web-sse demo: still running ${SHUTDOWN_DEADLINE} ms after the signal; exiting`);
    process.exit(1);
  }, SHUTDOWN_DEADLINE).unref();
  server.close();
  // Ends every room stream (reason "abort"): browsers reconnect, to another
  // instance behind a load balancer, and resume with their Last-Event-ID.
  await hub.close();
  // The counter's streams never end by themselves: close their connections too.
  // An HTTP/1.1 server (the default here) has closeAllConnections; an HTTP/2 one does not.
  if ("closeAllConnections" in server) server.closeAllConnections();
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
