/**
 * Serves the AI SDK chat example on Node with the canned model:
 * `npm run build && node examples/ai-chat/server.mjs`. PORT sets the port
 * (default 8789; 0 picks a free one).
 *
 * @module
 */
import { serve } from "@hono/node-server";
import { createHub } from "web-sse/hub";
import { createChatApp } from "./app.mjs";
import { cannedModel } from "./model.mjs";

const port = Number(process.env.PORT ?? 8789);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a whole number from 0 to 65535 (got ${process.env.PORT})`);
  process.exit(1);
}

const hub = createHub();
const app = createChatApp({ hub, model: cannedModel() });
const server = serve({ fetch: app.fetch, port }, (info) => {
  console.log(`web-sse ai-chat on http://localhost:${info.port}`);
});

async function stop() {
  server.close();
  await hub.close();
  if ("closeAllConnections" in server) server.closeAllConnections();
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
