/**
 * web-sse/node in Koa: `ctx.respond = false`, then `sendSSE(ctx.req,
 * ctx.res, ...)`. Koa presets a 404 status; the stream goes out as 200.
 */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Koa from "koa";
import { http1 } from "../runtimes/shared/client.ts";
import { handler } from "./app.ts";
import { describeNodeServer } from "./suite.ts";

describeNodeServer("Koa (ctx.respond = false)", async (state) => {
  const app = new Koa();
  const handle = handler(state);
  app.use(async (ctx, next) => {
    // Middleware's headers go straight to ctx.res: kept.
    ctx.set("x-koa", "kept");
    await next();
  });
  app.use((ctx) => {
    ctx.respond = false;
    handle(ctx.req, ctx.res).catch((error: Error) => ctx.app.emit("error", error, ctx));
  });
  const server = http.createServer(app.callback());
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    transport: http1(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    middlewareHeaders: { "x-koa": "kept" },
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
});
