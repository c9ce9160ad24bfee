/**
 * How `hub.response()`'s answer (from the front door, `respond.ts`) becomes
 * a reply: a Fetch `Response` here, a Node response in `web-sse/node`. The
 * hub decides once (406, 204, HEAD, the stream); each shell only
 * materialises the decision.
 *
 * @module
 */
import type { ResolvedOptions } from "../options.ts";
import type { Answer } from "../respond.ts";
import { answerWith } from "../response.ts";

/** What an answer needs from the request: a Fetch `Request`, or a view of a Node request. */
export interface RequestLike {
  readonly method: string;
  readonly headers: { get(name: string): string | null };
  readonly signal?: AbortSignal | undefined;
}

/** Turns the hub's answer into one kind of reply `T`. */
export interface Replier<T> {
  /** The public function the user called, for error messages: `hub.response` unless set. */
  readonly caller?: string | undefined;
  /** Headers already set on the response (a Node `res.setHeader()`); none for a Fetch Response. */
  readonly existing?: Iterable<readonly [string, string]> | undefined;
  /** Materialises `answer`: the stream of `source`, or the head alone (the source closed unread). */
  answer(answer: Answer, source: unknown, options: ResolvedOptions): T;
}

/** Where `web-sse/node` finds a hub's answer step: `Symbol.for`, so two copies of the package agree. */
export const REPLY: unique symbol = Symbol.for("web-sse.hub.reply") as never;

/** The Fetch shell: what `hub.response()` returns. */
export const FETCH_REPLIER: Replier<Response> = { answer: answerWith };
