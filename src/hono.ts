/**
 * web-sse for Hono: `sse()` route handlers and the `acceptEventStream()` middleware.
 *
 * Hono is only a type here: this module imports nothing from it at run time,
 * so it works with whichever Hono version the app has installed.
 *
 * @module
 */
import type { Context, Env, Handler, Input, MiddlewareHandler } from "hono";
import type { BlankInput } from "hono/types";
import { describe } from "./encode.ts";
import { acceptsEventStream } from "./negotiate.ts";
import { resolveOptions, type SSEOptions } from "./options.ts";
import { CONNECTION_HEADERS, SSE_HEADERS, userHeaders } from "./response.ts";
import type { SSEContext, SSEIterable } from "./source.ts";
import { streamFrom } from "./stream.ts";

const NOT_ACCEPTABLE = "Not Acceptable: this endpoint only sends text/event-stream\n";

/**
 * The headers set so far with `c.header()` (or on `c.res` by middleware such
 * as cors()), as a copy. `c.body(null)` builds a throwaway Response from
 * Hono's header store without keeping anything on `c`; reading `c.res` would
 * make Hono keep one more Response for as long as the stream's source holds
 * `c` (0.3 to 0.7 KiB more heap per open connection in bench/memory.mjs on
 * Node 20; this way, none).
 */
function headersSoFar(c: Context): Headers {
  return c.body(null).headers;
}

/**
 * Writes the final headers into Hono's own header store (through
 * `c.header()`), not only onto the Response: when `c.res` was read before the
 * handler ran, Hono merges that store into the handler's Response afterwards,
 * and a connection header left there would come back.
 */
function prepareHeaders(c: Context, user: Headers | undefined): void {
  const current = headersSoFar(c);
  for (const name of CONNECTION_HEADERS) if (current.has(name)) c.header(name, undefined);
  for (const name in SSE_HEADERS) {
    if (!current.has(name)) c.header(name, SSE_HEADERS[name] as string);
  }
  if (user === undefined) return;
  // Set-Cookie values are all sent (each is its own cookie); any other name
  // given in options.headers replaces what c.header() set.
  for (const name of user.keys()) if (name !== "set-cookie") c.header(name, undefined);
  for (const [name, value] of user) c.header(name, value, { append: true });
}

function notAcceptable(c: Context): Response {
  const current = headersSoFar(c);
  for (const name of CONNECTION_HEADERS) if (current.has(name)) c.header(name, undefined);
  // Appended: a Vary set earlier (CORS's Origin) still holds for this answer.
  c.header("Vary", "Accept", { append: true });
  return c.text(NOT_ACCEPTABLE, 406);
}

/** Rethrows a check's error with the `sse:` prefix, so it points at the route definition. */
function atDefinition<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof RangeError)
      throw new RangeError(`sse: ${error.message}`, { cause: error });
    if (error instanceof TypeError) throw new TypeError(`sse: ${error.message}`, { cause: error });
    throw error;
  }
}

function isPromise(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

/** The kinds `sseStream` reads: a ReadableStream, an async iterable or an iterable object. */
function isSource(value: unknown): boolean {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  const candidate = value as Record<PropertyKey, unknown>;
  return (
    typeof candidate.getReader === "function" ||
    typeof candidate[Symbol.asyncIterator] === "function" ||
    typeof candidate[Symbol.iterator] === "function"
  );
}

/**
 * Checks what the user's source function returned. A string would pass as an
 * iterable of one-character events (`sse((c) => c.get("user"))`); it is
 * refused by name instead. The error takes the onError path (or is reported
 * on the server by default), like any error of the source.
 */
function checkReturned(value: unknown): SSEIterable {
  if (typeof value === "string") {
    throw new TypeError(
      `sse: the source function returned a string (${describe(value)}), which would be sent one character per event; return [text] for one event, or a generator that yields it`,
    );
  }
  if (!isSource(value)) {
    const name =
      value === null
        ? "null"
        : typeof value === "object"
          ? (value.constructor?.name ?? "object")
          : typeof value;
    throw new TypeError(
      `sse: the source function must return an async iterable, an iterable or a ReadableStream, or a promise of one (got ${name})`,
    );
  }
  return value as SSEIterable;
}

/**
 * A Hono route handler that streams what `source` yields as Server-Sent Events.
 *
 * It answers 406 (with `Vary: Accept`) when the request's Accept refuses
 * text/event-stream, ends the stream when the client leaves (`c.req.raw.signal`,
 * or the body being cancelled), honours `options.signal` as well, and passes
 * the client's `Last-Event-ID` as `ctx.lastEventId`. A HEAD request gets the
 * status and headers a GET would get, and no stream: neither the source nor
 * `onClose` is called.
 *
 * Headers: `options.headers` win over headers set earlier with `c.header()`
 * (CORS, cookies), which win over the event-stream defaults; Set-Cookie values
 * from both are all sent. `Connection`, `Transfer-Encoding`, `Keep-Alive`,
 * `Content-Length`, `Upgrade`, `Proxy-Connection` and `TE` never go out,
 * whoever set them: they are dropped, never an error.
 *
 * Types: `E` is the app's Env (`c.get()`, `c.env`); `P` the route's path, for
 * typed `c.req.param()`. TypeScript cannot carry the path from `app.get(path,
 * ...)` into a handler made by a call such as this one (Hono's own
 * `createMiddleware` and `validator` lose it the same way), so give it to
 * `sse` when the source reads path parameters: `sse<AppEnv, "/rooms/:room">`.
 *
 * @param source - Called per request with the Hono Context and the stream's ctx;
 * returns an async generator, iterable or ReadableStream of messages (or a
 * promise of one).
 * @param options - See {@link SSEOptions}; checked here, when the route is
 * defined. `request` is not an option here: the handler uses the request it
 * answers (`c.req.raw`).
 * @returns A handler for `app.get(path, handler)`.
 * @throws TypeError or RangeError for invalid options, at definition time.
 *
 * @example A ticking route
 * ```ts
 * import { Hono } from "hono";
 * import { sleep } from "web-sse";
 * import { sse } from "web-sse/hono";
 *
 * const app = new Hono();
 * app.get("/ticks", sse(async function* (_c, { signal, lastEventId }) {
 *   let n = Number.parseInt(lastEventId ?? "0", 10) || 0;
 *   while (!signal.aborted) {
 *     yield { event: "tick", id: ++n, data: { n } };
 *     await sleep(1000, signal);
 *   }
 * }));
 * ```
 *
 * @example Typed Env and path parameters
 * ```ts
 * import { Hono } from "hono";
 * import { sse } from "web-sse/hono";
 *
 * type AppEnv = { Variables: { user: string } };
 * const app = new Hono<AppEnv>();
 * app.get(
 *   "/rooms/:room",
 *   sse<AppEnv, "/rooms/:room">((c) => [
 *     { event: "joined", data: { user: c.get("user"), room: c.req.param("room") } },
 *   ]),
 * );
 * ```
 */
export function sse<
  E extends Env = Env,
  // biome-ignore lint/suspicious/noExplicitAny: Hono's own Handler default, so sse<E>() returns exactly Handler<E>.
  P extends string = any,
  I extends Input = BlankInput,
>(
  source: (c: Context<E, P, I>, ctx: SSEContext) => SSEIterable | Promise<SSEIterable>,
  options?: SSEOptions,
): Handler<E, P, I> {
  if (typeof source !== "function") {
    throw new TypeError(
      `sse: the source must be a function (c, ctx) returning an async iterable, an iterable or a ReadableStream (got ${describe(source)})`,
    );
  }
  if (options?.request !== undefined) {
    throw new TypeError(
      'sse: "request" is not an option of sse(): the handler always uses the request it answers (c.req.raw), for its signal and Last-Event-ID; remove it (use sseResponse for a request of your own)',
    );
  }
  const resolved = atDefinition(() => resolveOptions(options));
  const user = atDefinition(() =>
    options?.headers === undefined ? undefined : userHeaders(options.headers),
  );
  const status = options?.status;
  return (c) => {
    if (!acceptsEventStream(c.req.header("accept"))) return notAcceptable(c);
    prepareHeaders(c, user);
    // Hono runs the GET handler for HEAD and drops the body without cancelling
    // it: a stream made here would be left to time out. No stream, then.
    if (c.req.method === "HEAD")
      return status === undefined ? c.body(null) : c.body(null, status as never);
    const body = streamFrom(
      (ctx: SSEContext) => {
        const made = source(c, ctx);
        return isPromise(made) ? Promise.resolve(made).then(checkReturned) : checkReturned(made);
      },
      { ...resolved, request: c.req.raw },
    );
    return status === undefined ? c.body(body) : c.body(body, status as never);
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
 * import { Hono } from "hono";
 * import { acceptEventStream } from "web-sse/hono";
 *
 * const app = new Hono();
 * app.use("/events/*", acceptEventStream());
 * ```
 */
export function acceptEventStream(): MiddlewareHandler {
  return async (c, next) => {
    if (!acceptsEventStream(c.req.header("accept"))) return notAcceptable(c);
    await next();
  };
}
