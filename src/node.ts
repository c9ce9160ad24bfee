/**
 * `web-sse/node`: the same sources, options, engine and bytes as
 * `sseResponse`, written straight to a Node response (node:http, https,
 * node:http2's compatibility API, and Express, Fastify and Koa, which hand
 * those over): no `Request`, `Response` or `ReadableStream` in between.
 *
 * @module
 */
import { REPLY, type Replier, type RequestLike } from "./hub/replies.ts";
import type { Hub, SubscribeOptions } from "./hub/types.ts";
import { checkCall, NodeRequestView, nodeReplier } from "./node/send.ts";
import type { NodeRequest, NodeResponse, NodeSSEOptions } from "./node/types.ts";
import { resolveOptions } from "./options.ts";
import { decide, resolveResponseOptions } from "./respond.ts";
import { checkSource } from "./source.ts";
import type { SSESource } from "./stream.ts";

export type { NodeRequest, NodeResponse, NodeSSEOptions } from "./node/types.ts";

/**
 * Streams `source` to `res` as Server-Sent Events: Accept negotiated (406
 * otherwise), HEAD answered with the head alone, the status `options.status`
 * or 200 (whatever `res.statusCode` held), the event-stream headers over the
 * ones already set on `res` (`options.headers` win; connection headers and
 * `Content-Length` dropped), then the source's events, pulled only as fast as
 * the client reads (`write()` returning false parks it until `drain`).
 *
 * Never throws. The client leaving (`res` closes first) ends the stream with
 * `onClose("cancel")`, the source returned and `ctx.signal` aborted;
 * `sendTimeout` destroys the socket of a client that takes nothing.
 *
 * @param req - The Node request (its Accept, method and Last-Event-ID are read).
 * @param res - The Node response; nothing may have been sent on it yet.
 * @param source - What to stream, as for `sseResponse`.
 * @param options - As for `sseResponse`, without `request`.
 * @returns Resolves once the response has ended, whatever ended it (after
 * `onClose`). Rejects only for a bad call (TypeError or RangeError: invalid
 * options or source, a `res` whose headers were sent or that has ended), with
 * nothing sent. A `res` whose client has already gone resolves at once
 * (`onClose("cancel")`, the source not called).
 *
 * @example node:http
 * ```ts
 * import { createServer } from "node:http";
 * import { sleep } from "web-sse";
 * import { sendSSE } from "web-sse/node";
 *
 * createServer((req, res) => {
 *   sendSSE(req, res, async function* ({ signal }) {
 *     for (let n = 1; !signal.aborted; n++) {
 *       yield { id: n, data: { n } };
 *       await sleep(1000, signal);
 *     }
 *   });
 * }).listen(3000);
 * ```
 *
 * @example Express 4 (which does not catch a rejected handler)
 * ```ts
 * import express from "express";
 * import { sendSSE } from "web-sse/node";
 *
 * const app = express();
 * app.get("/events", (req, res, next) => {
 *   sendSSE(req, res, ["hello"], { retry: 1000 }).catch(next);
 * });
 * ```
 */
export function sendSSE(
  req: NodeRequest,
  res: NodeResponse,
  source: SSESource,
  options?: NodeSSEOptions,
): Promise<void> {
  let resolved: ReturnType<typeof resolveOptions>;
  let settings: ReturnType<typeof resolveResponseOptions>;
  try {
    checkCall(req, res, options, "sendSSE");
    resolved = resolveOptions(options);
    settings = resolveResponseOptions(options);
    checkSource(source, "sendSSE");
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<void>((resolve) => {
    const view = new NodeRequestView(req);
    const replier = nodeReplier(req, res, resolve);
    const visit = { method: view.method, accept: view.get("accept"), existing: replier.existing };
    replier.answer(decide(visit, settings), source, resolved);
  });
}

/**
 * The Node counterpart of `hub.response()`: 406 (+ `Vary: Accept`) when
 * Accept refuses text/event-stream, 204 when every topic has ended and the
 * client has seen all of it, the head alone for HEAD, otherwise the hub's
 * stream: replay from Last-Event-ID, then live on the push path (one
 * encoding per publish, the same bytes to every subscriber, `"slow"` past
 * `maxQueued`).
 *
 * @param req - The Node request.
 * @param res - The Node response; nothing may have been sent on it yet.
 * @param hub - A hub from `createHub()`.
 * @param topics - One topic or several.
 * @param options - Stream options (without `request`) and subscribe options.
 * @returns As {@link sendSSE}'s.
 *
 * @example A chat room on node:http
 * ```ts
 * import { createServer } from "node:http";
 * import { createHub } from "web-sse/hub";
 * import { sendHub } from "web-sse/node";
 *
 * const hub = createHub();
 * createServer((req, res) => {
 *   sendHub(req, res, hub, "room:lobby");
 * }).listen(3000);
 * await hub.publish("room:lobby", { event: "message", data: { text: "hi" } });
 * ```
 */
export function sendHub(
  req: NodeRequest,
  res: NodeResponse,
  hub: Hub,
  topics: string | readonly string[],
  options?: NodeSSEOptions & SubscribeOptions,
): Promise<void> {
  let reply: ReplyStep;
  try {
    checkCall(req, res, options, "sendHub");
    reply = (hub as Partial<Record<typeof REPLY, ReplyStep>>)[REPLY] as ReplyStep;
    if (typeof reply !== "function") {
      throw new TypeError('sendHub: "hub" must be a hub from createHub() of web-sse/hub');
    }
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise<void>((resolve, reject) => {
    // The answer step settles once (a bad call rejects it, before anything
    // is sent); the stream's end resolves this promise through the replier.
    reply
      .call(hub, new NodeRequestView(req), topics, options, nodeReplier(req, res, resolve))
      .catch(reject);
  });
}

type ReplyStep = (
  request: RequestLike,
  topics: string | readonly string[],
  options: (NodeSSEOptions & SubscribeOptions) | undefined,
  replier: Replier<void>,
) => Promise<void>;
