/**
 * The status and headers of a Node response, set on `res` itself so that
 * headers set earlier by middleware (CORS, cookies) are kept: the defaults,
 * then what is already on `res`, then `options.headers`; the connection
 * headers and `Content-Length` dropped whoever set them.
 *
 * @module
 */
import { isConnectionHeader } from "../headers.ts";
import { NOT_ACCEPTABLE } from "../hub/replies.ts";
import { SSE_HEADERS } from "../response.ts";
import type { NodeResponse } from "./types.ts";

/** Drops the connection headers and `Content-Length` a user or middleware set on `res`. */
function dropConnectionHeaders(res: NodeResponse): void {
  for (const name of res.getHeaderNames()) if (isConnectionHeader(name)) res.removeHeader(name);
}

/** Writes `user` over what `res` holds: each name replaces, except Set-Cookie, whose cookies are added. */
function mergeOnto(res: NodeResponse, user: Headers): void {
  for (const name of new Set(user.keys())) {
    if (name === "set-cookie") {
      const before = res.getHeader(name);
      const kept = before === undefined ? [] : Array.isArray(before) ? before : [String(before)];
      res.setHeader(name, [...kept, ...user.getSetCookie()]);
    } else {
      res.setHeader(name, user.get(name) as string);
    }
  }
}

/**
 * Sets the event-stream status and headers on `res` and sends them at once.
 *
 * @param res - The response; nothing sent yet.
 * @param status - The status to send, whatever `res.statusCode` held.
 * @param user - The `headers` option, checked (connection headers already dropped).
 */
export function writeStreamHead(
  res: NodeResponse,
  status: number,
  user: Headers | undefined,
): void {
  dropConnectionHeaders(res);
  for (const name in SSE_HEADERS) {
    if (res.getHeader(name) === undefined) res.setHeader(name, SSE_HEADERS[name] as string);
  }
  if (user !== undefined) mergeOnto(res, user);
  res.statusCode = status;
  res.writeHead(status);
  res.flushHeaders();
}

/**
 * 406 Not Acceptable with a short plain-text body, `Vary: Accept` added to
 * any `Vary` already set.
 *
 * @param res - The response; nothing sent yet.
 */
export function writeNotAcceptable(res: NodeResponse): void {
  dropConnectionHeaders(res);
  const vary = res.getHeader("vary");
  const values =
    vary === undefined
      ? []
      : String(vary)
          .split(",")
          .map((v) => v.trim());
  if (!values.some((v) => v.toLowerCase() === "accept" || v === "*")) values.push("Accept");
  res.setHeader("vary", values.filter((v) => v !== "").join(", "));
  res.setHeader("content-type", "text/plain; charset=utf-8");
  res.statusCode = 406;
  res.writeHead(406);
  res.end(NOT_ACCEPTABLE);
}

/**
 * 204 No Content with `headers` (the hub's answer to a client that has seen
 * every ended topic).
 *
 * @param res - The response; nothing sent yet.
 * @param headers - The headers to send, connection headers already dropped.
 */
export function writeNoContent(res: NodeResponse, headers: Headers): void {
  dropConnectionHeaders(res);
  mergeOnto(res, headers);
  res.statusCode = 204;
  res.writeHead(204);
  res.end();
}
