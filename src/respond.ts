/**
 * The front door of every SSE answer: Accept negotiation (406), HEAD, the
 * headers and the status, decided in one place for `sseResponse`, Hono's
 * `sse()`, `hub.response()`, `HubObject.fetch()` and the Node entry.
 *
 * The decision ({@link decide}) is pure: a request's method and Accept, the
 * headers a framework or middleware already set, and the checked response
 * options go in; what to answer comes out, as data. Materialising it is the
 * caller's thin shell: a Web `Response` (src/response.ts, src/hono.ts) or a
 * Node `writeHead()`.
 *
 * @module
 */
import { show } from "./check.ts";
import { mergeHeaders, SSE_HEADERS, userHeaders } from "./headers.ts";
import { acceptsEventStream } from "./negotiate.ts";
import type { SSEResponseOptions } from "./options.ts";

/** The body of a 406: short, plain text, saying what the endpoint sends. */
export const NOT_ACCEPTABLE_TEXT = "Not Acceptable: this endpoint only sends text/event-stream\n";

/** The response options after checking: what {@link decide} needs from the user. */
export interface ResponseSettings {
  /** 200 unless the user set another status that allows a body. */
  readonly status: number;
  /** The user's `headers`, connection headers already dropped; undefined when none were given. */
  readonly headers: Headers | undefined;
}

/** What {@link decide} needs to know of the request being answered. */
export interface Visit {
  /** The request method (`"HEAD"` gets the headers and no stream). */
  readonly method: string;
  /**
   * The request's Accept header. `null` or `undefined` accepts, as a missing
   * header does: a caller that does not negotiate (`sseResponse`) passes
   * `undefined`.
   */
  readonly accept: string | null | undefined;
  /**
   * Headers a framework or middleware already set on the response (Hono's
   * `c.header()`, CORS, a Node `res.setHeader()`): they win over the
   * defaults and lose to the user's `headers` option. Connection headers
   * among them are dropped.
   */
  readonly existing?: Iterable<readonly [string, string]> | undefined;
}

/**
 * Headers of an answer: a Headers object, or the shared frozen
 * {@link SSE_HEADERS} record when nothing was added to the defaults (so a
 * server that keeps a plain record needs no Headers object per connection).
 * Read it with {@link headerEntries}.
 */
export type AnswerHeaders = Headers | Readonly<Record<string, string>>;

/** The request refuses text/event-stream: 406 with a short text body. */
export interface Refusal {
  readonly kind: "refuse";
  readonly status: 406;
  readonly headers: Headers;
  readonly body: string;
}

/** The event stream's status and headers; `"head"`: without a body, the source left unread. */
export interface Acceptance {
  readonly kind: "stream" | "head";
  readonly status: number;
  readonly headers: AnswerHeaders;
}

/** Nothing to stream and nothing to reconnect for (the hub's 204 for ended topics). */
export interface Completion {
  readonly kind: "empty";
  readonly status: 204;
  readonly headers: Headers;
}

/** What to answer, as data: {@link decide}'s and {@link complete}'s result. */
export type Answer = Refusal | Acceptance | Completion;

/**
 * Checks the response options (`status`, `headers`) of any SSE answer.
 *
 * @param options - The user's options; stream options in it are ignored here.
 * @returns The status and the cleaned headers.
 * @throws TypeError for a status that is not a number or a header the
 * Headers class refuses; RangeError for a status that is not an integer
 * 200-599 or one that forbids a body (204, 205, 304).
 */
export function resolveResponseOptions(options: SSEResponseOptions | undefined): ResponseSettings {
  const status = options?.status ?? 200;
  if (
    typeof status !== "number" ||
    !Number.isInteger(status) ||
    status < 200 ||
    status > 599 ||
    status === 204 ||
    status === 205 ||
    status === 304
  ) {
    const rule = `"status" must be an integer 200-599 that allows a body (not 204, 205 or 304) (got ${show(status)})`;
    throw typeof status === "number" ? new RangeError(rule) : new TypeError(rule);
  }
  const init = options?.headers;
  return { status, headers: init === undefined ? undefined : userHeaders(init) };
}

/**
 * Decides the answer to an event-stream request: a refusal when Accept
 * refuses text/event-stream, else the stream's status and headers (defaults,
 * then `visit.existing`, then the user's; connection headers dropped), marked
 * `"head"` for a HEAD request. Pure: it reads nothing but its arguments.
 *
 * @param visit - The request's method and Accept, and headers already set.
 * @param settings - From {@link resolveResponseOptions}.
 * @returns What to answer.
 */
export function decide(visit: Visit, settings: ResponseSettings): Refusal | Acceptance {
  if (!acceptsEventStream(visit.accept)) return refuse(visit.existing);
  return {
    kind: visit.method === "HEAD" ? "head" : "stream",
    status: settings.status,
    headers: streamHeaders(visit.existing, settings.headers),
  };
}

/**
 * The 204 that tells an EventSource to stop reconnecting: the existing and
 * the user's headers (connection headers dropped), with
 * `Cache-Control: no-cache, no-transform` so no cache answers a later request with it.
 *
 * @param visit - As for {@link decide} (only `existing` is read).
 * @param settings - From {@link resolveResponseOptions} (its status does not apply).
 * @returns The answer.
 */
export function complete(visit: Visit, settings: ResponseSettings): Completion {
  const headers = new Headers();
  if (visit.existing !== undefined) mergeHeaders(headers, visit.existing);
  if (settings.headers !== undefined) mergeHeaders(headers, settings.headers);
  headers.set("cache-control", SSE_HEADERS["cache-control"] as string);
  return { kind: "empty", status: 204, headers };
}

/**
 * The name/value pairs of an answer's headers, for a shell that writes them
 * one by one (Hono's header store, a Node response).
 *
 * @param headers - An answer's headers.
 * @returns Lowercase names with their values; Set-Cookie once per cookie.
 */
export function headerEntries(headers: AnswerHeaders): Iterable<readonly [string, string]> {
  return headers instanceof Headers ? headers : Object.entries(headers);
}

function refuse(existing: Iterable<readonly [string, string]> | undefined): Refusal {
  const headers = new Headers();
  if (existing !== undefined) mergeHeaders(headers, existing);
  headers.set("content-type", "text/plain; charset=utf-8");
  // Appended: a Vary set earlier (CORS's Origin) still holds for this answer.
  headers.append("vary", "Accept");
  return { kind: "refuse", status: 406, headers, body: NOT_ACCEPTABLE_TEXT };
}

function streamHeaders(
  existing: Iterable<readonly [string, string]> | undefined,
  user: Headers | undefined,
): AnswerHeaders {
  let headers: Headers | undefined;
  if (existing !== undefined) {
    for (const _ of existing) {
      headers = new Headers(SSE_HEADERS);
      mergeHeaders(headers, existing);
      break;
    }
  }
  if (user === undefined) return headers ?? SSE_HEADERS;
  headers ??= new Headers(SSE_HEADERS);
  mergeHeaders(headers, user);
  return headers;
}
