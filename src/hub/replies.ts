/**
 * How `hub.response()`'s answer becomes a reply: a Fetch `Response` here, a
 * Node response in `web-sse/node`. The hub decides (406, 204, HEAD, the
 * stream) once; each body only materialises the decision.
 *
 * @module
 */
import type { ResolvedOptions } from "../options.ts";
import { responseFrom } from "../response.ts";

/** What an answer needs from the request: a Fetch `Request`, or a view of a Node request. */
export interface RequestLike {
  readonly method: string;
  readonly headers: { get(name: string): string | null };
  readonly signal?: AbortSignal | undefined;
}

/** The hub's answers, turned into one kind of reply `T`. */
export interface HubReplies<T> {
  /** Accept refuses text/event-stream: 406 (+ Vary: Accept). */
  notAcceptable(): T;
  /** Every topic has ended and the client has seen all of it: 204 with these headers. */
  noContent(headers: Headers): T;
  /** The stream (or, for HEAD, its status and headers alone). */
  stream(source: unknown, options: ResolvedOptions, headers: HeadersInit): T;
}

/** Where `web-sse/node` finds a hub's answer step: `Symbol.for`, so two copies of the package agree. */
export const REPLY: unique symbol = Symbol.for("web-sse.hub.reply") as never;

/** The 406 body every path sends. */
export const NOT_ACCEPTABLE = "Not Acceptable: this endpoint only sends text/event-stream\n";

/** The Fetch replies: what `hub.response()` returns. */
export const FETCH_REPLIES: HubReplies<Response> = {
  notAcceptable: () =>
    new Response(NOT_ACCEPTABLE, {
      status: 406,
      headers: { "content-type": "text/plain; charset=utf-8", vary: "Accept" },
    }),
  noContent: (headers) => new Response(null, { status: 204, headers }),
  stream: responseFrom,
};
