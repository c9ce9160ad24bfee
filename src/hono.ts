/**
 * web-sse for Hono: `sse()` route handlers and the `acceptEventStream()` middleware.
 *
 * Hono is only a type here: this module imports nothing from it at run time,
 * so it works with whichever Hono version the app has installed.
 *
 * @module
 */
import type { Context, Env, Handler, MiddlewareHandler } from "hono";
import { acceptsEventStream } from "./negotiate.ts";
import { resolveOptions, type SSEOptions } from "./options.ts";
import { sseHeaders } from "./response.ts";
import type { SSEContext, SSEIterable } from "./source.ts";
import { streamFrom } from "./stream.ts";

const NOT_ACCEPTABLE = "Not Acceptable: this endpoint only sends text/event-stream\n";

function notAcceptable(c: Context): Response {
  return c.text(NOT_ACCEPTABLE, 406, { Vary: "Accept" });
}

/**
 * A Hono route handler that streams what `source` yields as Server-Sent Events.
 *
 * It answers 406 (with `Vary: Accept`) when the request's Accept refuses
 * text/event-stream, ends the stream when the client leaves (`c.req.raw.signal`,
 * or the body being cancelled), honours `options.signal` as well, and passes
 * the client's `Last-Event-ID` as `ctx.lastEventId`. Headers set earlier with
 * `c.header()` (CORS, cookies) are kept.
 *
 * @param source - Called per request with the Hono Context and the stream's ctx;
 * returns an async generator, iterable or ReadableStream of messages.
 * @param options - See {@link SSEOptions}; checked here, when the route is defined.
 * @returns A handler for `app.get(path, handler)`.
 * @throws TypeError or RangeError for invalid options, at definition time.
 *
 * @example A ticking route
 * ```ts
 * import { Hono } from "hono";
 * import { sse } from "web-sse/hono";
 *
 * const app = new Hono();
 * app.get("/ticks", sse(async function* (c, { signal, lastEventId }) {
 *   let n = Number(lastEventId ?? 0);
 *   while (!signal.aborted) {
 *     yield { event: "tick", id: ++n, data: { n } };
 *     await new Promise((r) => setTimeout(r, 1000));
 *   }
 * }));
 * ```
 */
export function sse<E extends Env = Env>(
  source: (c: Context<E>, ctx: SSEContext) => SSEIterable | Promise<SSEIterable>,
  options?: SSEOptions,
): Handler<E> {
  if (typeof source !== "function") {
    throw new TypeError(
      "sse: the source must be a function (c, ctx) returning an async iterable, an iterable or a ReadableStream",
    );
  }
  const resolved = resolveOptions(options);
  const headers = sseHeaders(options?.headers);
  const init = options?.status === undefined ? { headers } : { status: resolved.status, headers };
  return (c) => {
    if (!acceptsEventStream(c.req.header("accept"))) return notAcceptable(c);
    const body = streamFrom((ctx: SSEContext) => source(c, ctx), {
      ...resolved,
      request: c.req.raw,
    });
    return c.body(body, init as never);
  };
}

/**
 * Middleware that answers 406 Not Acceptable (with `Vary: Accept`) unless the
 * request's Accept header admits text/event-stream. A missing Accept admits it.
 *
 * @returns The middleware.
 *
 * @example Guarding a group of SSE routes
 * ```ts
 * app.use("/events/*", acceptEventStream());
 * ```
 */
export function acceptEventStream(): MiddlewareHandler {
  return async (c, next) => {
    if (!acceptsEventStream(c.req.header("accept"))) return notAcceptable(c);
    await next();
  };
}
