/**
 * Serves the web-sse live demo on Node: `npm start`, then open the URL it prints.
 * PORT sets the port (default 8787; 0 picks a free one).
 *
 * @module
 */
import { serve } from "@hono/node-server";
import { app } from "./app.mjs";

const port = Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a whole number from 0 to 65535 (got ${process.env.PORT})`);
  process.exit(1);
}

const server = serve({ fetch: app.fetch, port }, (info) => {
  console.log(`web-sse demo on http://localhost:${info.port}`);
});

// Open event streams never end by themselves: close them too, or close() waits forever.
function stop() {
  server.close();
  // An HTTP/1.1 server (the default here) has closeAllConnections; an HTTP/2 one does not.
  if ("closeAllConnections" in server) server.closeAllConnections();
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
