/**
 * web-sse for Hono: `sse()` route handlers and the `requireEventStream()`
 * middleware (also exported as `acceptEventStream()`).
 *
 * Hono is only a type here: this module imports nothing from it at run time,
 * so it works with whichever Hono version the app has installed.
 *
 * @module
 */
import type { Context, Env, Handler, Input, MiddlewareHandler } from "hono";
import type { BlankInput } from "hono/types";
import { show } from "./check.ts";
import { resolveOptions, type SSEOptions } from "./options.ts";
import {
  type Answer,
  decide,
  headerEntries,
  type ResponseSettings,
  resolveResponseOptions,
} from "./respond.ts";
import type { SSEContext, SSEIterable } from "./source.ts";
import { streamFrom } from "./stream.ts";

/**
 * The headers set so far on this response: with `c.header()`, or on
 * `c.res.headers` by middleware such as Hono's cors(). Reading `c.res` is
 * Hono's documented way to reach them; it makes Hono merge that store into
 * the handler's Response afterwards, which is why {@link materialise} writes
 * the final headers into the store itself.
 */
function headersSoFar(c: Context): Headers {
  return c.res.headers;
}

/**
 * Writes a front-door answer's headers into Hono's header store (through
 * `c.header()`), replacing whatever was there: the answer already holds the
 * store's headers in their place (defaults < `c.header()` < options.headers,
 * connection headers dropped). Writing to the store, not only onto the
 * Response, matters because Hono merges the store into the handler's
 * Response once `c.res` has been read: a header left there would come back.
 */
function materialise(c: Context, answer: Answer, set: Headers): void {
  for (const name of [...set.keys()]) c.header(name, undefined);
  for (const [name, value] of headerEntries(answer.headers)) {
    c.header(name, value, { append: true });
  }
}

/** The front door's decision for this request, with the headers already set on `c`. */
function answerFor(c: Context, settings: ResponseSettings): { answer: Answer; set: Headers } {
  const set = headersSoFar(c);
  const visit = { method: c.req.method, accept: c.req.header("accept"), existing: set };
  return { answer: decide(visit, settings), set };
}

const DEFAULT_SETTINGS: ResponseSettings = { status: 200, headers: undefined };

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
      `sse: the source function returned a string (${show(value)}), which would be sent one character per event; return [text] for one event, or a generator that yields it`,
    );
  }
  if (!isSource(value)) {
    throw new TypeError(
      `sse: the source function must return an async iterable, an iterable or a ReadableStream, or a promise of one (got ${show(value)})`,
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
      `sse: the source must be a function (c, ctx) returning an async iterable, an iterable or a ReadableStream (got ${show(source)})`,
    );
  }
  if (options?.request !== undefined) {
    throw new TypeError(
      'sse: "request" is not an option of sse(): the handler always uses the request it answers (c.req.raw), for its signal and Last-Event-ID; remove it (use sseResponse for a request of your own)',
    );
  }
  const resolved = atDefinition(() => resolveOptions(options));
  const settings = atDefinition(() => resolveResponseOptions(options));
  // Without options.status, a status set earlier with c.status() stands.
  const status = options?.status === undefined ? undefined : settings.status;
  return (c) => {
    const { answer, set } = answerFor(c, settings);
    materialise(c, answer, set);
    if (answer.kind === "refuse") return c.body(answer.body, 406);
    // Hono runs the GET handler for HEAD and drops the body without cancelling
    // it: a stream made here would be left to time out. No stream, then.
    if (answer.kind !== "stream") return c.body(null, status as never);
    const body = streamFrom(
      (ctx: SSEContext) => {
        const made = source(c, ctx);
        return isPromise(made) ? Promise.resolve(made).then(checkReturned) : checkReturned(made);
      },
      { ...resolved, request: c.req.raw },
    );
    return c.body(body, status as never);
  };
}

/**
 * Middleware that answers 406 Not Acceptable (with `Vary: Accept`) unless the
 * request's Accept header admits text/event-stream. A missing Accept admits it.
 *
 * Also exported as {@link requireEventStream}, a name that does not differ by
 * one letter from the core's `acceptsEventStream(request)`, which is a
 * predicate (true or false), not middleware.
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
    // Decided without the headers set so far first: a request that passes costs no read of c.res.
    const visit = { method: c.req.method, accept: c.req.header("accept") };
    if (decide(visit, DEFAULT_SETTINGS).kind !== "refuse") return next();
    const { answer, set } = answerFor(c, DEFAULT_SETTINGS);
    if (answer.kind !== "refuse") return next();
    materialise(c, answer, set);
    return c.body(answer.body, 406);
  };
}

/**
 * Middleware that answers 406 Not Acceptable (with `Vary: Accept` and a short
 * text body) unless the request's Accept header admits text/event-stream; a
 * missing Accept admits it. The same middleware as {@link acceptEventStream},
 * under a name that says what it does: the core's `acceptsEventStream(request)`
 * is the predicate it is built on, for code outside Hono.
 *
 * `sse()` negotiates by itself; use this to guard routes that stream by other
 * means (a hub, a proxied upstream) or a whole group of them.
 *
 * @returns The middleware.
 *
 * @example Guarding every route under /events
 * ```ts
 * import { Hono } from "hono";
 * import { requireEventStream } from "web-sse/hono";
 *
 * const app = new Hono();
 * app.use("/events/*", requireEventStream());
 * ```
 */
export function requireEventStream(): MiddlewareHandler {
  return acceptEventStream();
}
