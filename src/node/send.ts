/**
 * `sendSSE` and `sendHub`'s shared steps: the call checks, the front door's
 * answer written on a Node response, and the engine's connection on a
 * {@link NodeBody}.
 *
 * @module
 */
import { show } from "../check.ts";
import { Connection } from "../connection.ts";
import type { Replier, RequestLike } from "../hub/replies.ts";
import { decodeLatin1AsUtf8 } from "../last-event-id.ts";
import type { ResolvedOptions } from "../options.ts";
import type { Answer } from "../respond.ts";
import { closeUnopened } from "../source.ts";
import { clientGone, NodeBody } from "./body.ts";
import { existingHeaders, writeAnswer } from "./head.ts";
import type { NodeRequest, NodeResponse } from "./types.ts";

/** A Node request seen as the hub's answer step sees a request: method and headers. */
export class NodeRequestView implements RequestLike {
  readonly #req: NodeRequest;
  readonly headers: { get(name: string): string | null } = this;

  constructor(req: NodeRequest) {
    this.#req = req;
  }

  get method(): string {
    return this.#req.method ?? "GET";
  }

  /** One header's value; several values joined as Fetch's Headers joins them. */
  get(name: string): string | null {
    const value = this.#req.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return typeof value === "string" ? value : value.join(", ");
  }
}

/** Calls `done` once `res` has closed or finished. */
function whenEnded(res: NodeResponse, done: () => void): void {
  const ended = (): void => {
    res.removeListener("close", ended);
    res.removeListener("finish", ended);
    done();
  };
  res.on("close", ended);
  res.on("finish", ended);
}

/**
 * Checks what makes a call bad whatever its options: not a request, not a
 * response, a response that already sent its head or ended, a `request` option.
 *
 * @throws TypeError saying what to do.
 */
export function checkCall(req: unknown, res: unknown, options: unknown, where: string): void {
  if (typeof req !== "object" || req === null || typeof (req as NodeRequest).headers !== "object") {
    throw new TypeError(`${where}: "req" must be a Node request (got ${show(req)})`);
  }
  const r = res as NodeResponse;
  if (typeof res !== "object" || res === null || typeof r.writeHead !== "function") {
    throw new TypeError(`${where}: "res" must be a Node response (got ${show(res)})`);
  }
  if (r.headersSent || r.writableEnded) {
    throw new TypeError(
      `${where}: the response has already ${r.writableEnded ? "ended" : "sent its headers"}; call ${where} before anything else writes to it`,
    );
  }
  if ((options as { request?: unknown } | undefined)?.request !== undefined) {
    throw new TypeError(
      `${where}: "request" is not an option here: the Node request is the first argument (its Last-Event-ID is used); remove it from the options`,
    );
  }
}

/**
 * The Node shell for the front door's answers: `existing` is what `res`
 * holds; `answer()` writes the head and, for a stream, runs the connection.
 * `done` is called once the response has closed (after `onClose`): the
 * caller's one promise settles through it, with no promise chain held per
 * connection (see `heap.ts`).
 */
export function nodeReplier(req: NodeRequest, res: NodeResponse, done: () => void): Replier<void> {
  return {
    caller: "sendHub",
    existing: existingHeaders(res),
    answer: (answer, source, options) => reply(req, res, answer, source, options, done),
  };
}

function reply(
  req: NodeRequest,
  res: NodeResponse,
  answer: Answer,
  source: unknown,
  options: ResolvedOptions,
  done: () => void,
): void {
  if (clientGone(res)) {
    // Nothing can reach the client: nothing is sent, and the stream that
    // would have been ends as a client leaving ends it.
    closeUnopened(source, new DOMException("The client had already left", "AbortError"));
    try {
      options.onClose?.("cancel");
    } catch {
      // As in the engine: an onClose that throws must not break the end.
    }
    done();
    return;
  }
  if (answer.kind !== "stream") {
    closeUnopened(source, new DOMException(`${answer.status} answer: no stream`, "AbortError"));
    whenEnded(res, done);
    writeAnswer(res, answer);
    return;
  }
  writeAnswer(res, answer);
  // A Node request has no signal to listen to (the body hears the client
  // leave), so the stream need not keep the hub's view of it: without it,
  // equal options are shared (see `heap.ts`).
  options.request = undefined;
  const id = req.headers["last-event-id"];
  const lastEventId = typeof id === "string" && id !== "" ? decodeLatin1AsUtf8(id) : undefined;
  const connection = new Connection(source, options, lastEventId);
  const body = new NodeBody(res, connection, done);
  connection.open(body);
  body.start();
}
