/**
 * web-sse/node in Fastify 5: `reply.hijack()`, then `sendSSE(request.raw,
 * reply.raw, ...)`. Fastify keeps `reply.header()` values on the reply, not
 * on `reply.raw`, so they travel in `options.headers`.
 */
import Fastify from "fastify";
import { http1 } from "../runtimes/shared/client.ts";
import { handler } from "./app.ts";
import { describeNodeServer } from "./suite.ts";

/** `reply.getHeaders()` as HeadersInit: values as strings, arrays kept apart. */
function asHeaders(
  headers: Record<string, number | string | string[] | undefined>,
): [string, string][] {
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) entries.push([name, String(one)]);
  }
  return entries;
}

describeNodeServer("Fastify 5 (reply.hijack())", async (state) => {
  const app = Fastify();
  app.addHook("onRequest", async (_request, reply) => {
    // A hook's header, as CORS plugins set them: on the reply, not on reply.raw.
    reply.header("x-fastify", "from-reply");
  });
  app.get("/*", (request, reply) => {
    reply.hijack();
    handler(state, { headers: asHeaders(reply.getHeaders()) })(request.raw, reply.raw).catch(
      (error: Error) => {
        reply.raw.statusCode = 500;
        reply.raw.end(error.message);
      },
    );
  });
  const origin = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    transport: http1(origin),
    middlewareHeaders: { "x-fastify": "from-reply" },
    stop: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
});
