/**
 * A Worker (run on workerd through miniflare) that uses web-sse/client:
 * `/checks?base=<origin>` runs runtime-checks.ts inside workerd, and
 * `/proxy?upstream=<url>` consumes another event stream with fetchEvents and
 * passes it on through sseResponse (the proxy recipe).
 *
 * @module
 */
import { fetchEvents } from "../../src/client.ts";
import { sseResponse } from "../../src/index.ts";
import { runChecks } from "./runtime-checks.ts";

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/checks") {
      return Response.json(await runChecks(url.searchParams.get("base") ?? "", "workerd"));
    }
    if (url.pathname === "/proxy") {
      const upstream = url.searchParams.get("upstream") ?? "";
      return sseResponse(
        (ctx) =>
          fetchEvents(upstream, {
            reconnect: false,
            signal: ctx.signal,
            lastEventId: ctx.lastEventId,
          }),
        { request },
      );
    }
    return new Response("not found\n", { status: 404 });
  },
};
