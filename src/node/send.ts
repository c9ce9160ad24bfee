/**
 * `sendSSE` and `sendHub`: the engine's connection on a {@link NodeBody}.
 *
 * @module
 */
import { Connection } from "../connection.ts";
import { describe } from "../encode.ts";
import { userHeaders } from "../headers.ts";
import type { HubReplies, RequestLike } from "../hub/replies.ts";
import { decodeLatin1AsUtf8 } from "../last-event-id.ts";
import { acceptsEventStream } from "../negotiate.ts";
import { type ResolvedOptions, resolveOptions } from "../options.ts";
import { checkSource, closeUnopened } from "../source.ts";
import { clientGone, NodeBody } from "./body.ts";
import { writeNoContent, writeNotAcceptable, writeStreamHead } from "./head.ts";
import type { NodeRequest, NodeResponse, NodeSSEOptions } from "./types.ts";

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

/** Resolves once `res` has closed or finished. */
function settled(res: NodeResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.removeListener("close", done);
      res.removeListener("finish", done);
      resolve();
    };
    res.on("close", done);
    res.on("finish", done);
  });
}

/** A bad call: nothing is sent. */
export function checkCall(req: unknown, res: unknown, options: unknown, where: string): void {
  if (typeof req !== "object" || req === null || typeof (req as NodeRequest).headers !== "object") {
    throw new TypeError(`${where}: "req" must be a Node request (got ${describe(req)})`);
  }
  const r = res as NodeResponse;
  if (typeof res !== "object" || res === null || typeof r.writeHead !== "function") {
    throw new TypeError(`${where}: "res" must be a Node response (got ${describe(res)})`);
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
 * Streams `source` on `res`, or answers HEAD with the head alone.
 *
 * @returns Resolves once the response has closed (after `onClose`).
 */
export function stream(
  req: NodeRequest,
  res: NodeResponse,
  source: unknown,
  options: ResolvedOptions,
  user: Headers | undefined,
): Promise<void> {
  if (clientGone(res)) {
    closeUnopened(source, new DOMException("The client had already left", "AbortError"));
    try {
      options.onClose?.("cancel");
    } catch {
      // As in the engine: an onClose that throws must not break the end.
    }
    return Promise.resolve();
  }
  writeStreamHead(res, options.status, user);
  if (req.method === "HEAD") {
    closeUnopened(source, new DOMException("HEAD request: no stream", "AbortError"));
    const done = settled(res);
    res.end();
    return done;
  }
  const id = req.headers["last-event-id"];
  const lastEventId = typeof id === "string" && id !== "" ? decodeLatin1AsUtf8(id) : undefined;
  const connection = new Connection(source, options, lastEventId);
  return new Promise<void>((resolve) => {
    const body = new NodeBody(res, connection, resolve);
    connection.open(body);
    body.start();
  });
}

/** The hub's answers materialised on a Node response. */
export function nodeReplies(
  req: NodeRequest,
  res: NodeResponse,
  user: Headers | undefined,
): HubReplies<Promise<void>> {
  return {
    notAcceptable() {
      const done = settled(res);
      writeNotAcceptable(res);
      return done;
    },
    noContent(headers) {
      const done = settled(res);
      writeNoContent(res, headers);
      return done;
    },
    stream: (source, options) => stream(req, res, source, options, user),
  };
}

/**
 * Checks a `sendSSE` call and starts it.
 *
 * @returns The stream's promise; rejects (nothing sent) for a bad call.
 */
export function send(
  req: NodeRequest,
  res: NodeResponse,
  source: unknown,
  options: NodeSSEOptions | undefined,
): Promise<void> {
  let resolved: ResolvedOptions;
  let user: Headers | undefined;
  try {
    checkCall(req, res, options, "sendSSE");
    resolved = resolveOptions(options);
    checkSource(source, "sendSSE");
    user = options?.headers === undefined ? undefined : userHeaders(options.headers);
  } catch (error) {
    return Promise.reject(error);
  }
  if (!acceptsEventStream(new NodeRequestView(req).get("accept"))) {
    closeUnopened(source, new DOMException("Not Acceptable: no stream", "AbortError"));
    return nodeReplies(req, res, user).notAcceptable();
  }
  return stream(req, res, source, resolved, user);
}
