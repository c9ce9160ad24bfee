/**
 * The Node shell of the front door (`respond.ts`): the headers already set
 * on `res` go in as the decision's `existing`, and the answer it makes
 * (status and headers, connection headers and `Content-Length` dropped
 * whoever set them) is written back onto `res`.
 *
 * @module
 */
import { type Answer, headerEntries } from "../respond.ts";
import type { NodeResponse } from "./types.ts";

/**
 * The headers already set on `res` (by middleware: CORS, cookies), as
 * name/value pairs, one per value.
 *
 * @param res - The response.
 * @returns Lowercase names with their values.
 */
export function existingHeaders(res: NodeResponse): [string, string][] {
  const entries: [string, string][] = [];
  for (const name of res.getHeaderNames()) {
    const value = res.getHeader(name);
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const one of value) entries.push([name, String(one)]);
    else entries.push([name, String(value)]);
  }
  return entries;
}

/**
 * Writes the answer's status and headers on `res`, replacing what `res`
 * held (the answer already merged it in), and sends the head at once; a
 * refusal, a HEAD and a 204 end the response there.
 *
 * @param res - The response; nothing sent yet.
 * @param answer - The front door's decision.
 */
export function writeAnswer(res: NodeResponse, answer: Answer): void {
  const head: Record<string, string | string[]> = {};
  const cookies: string[] = [];
  for (const [name, value] of headerEntries(answer.headers)) {
    if (name === "set-cookie") cookies.push(value);
    else head[name] = value;
  }
  if (cookies.length > 0) head["set-cookie"] = cookies;
  const set = res.getHeaderNames();
  res.statusCode = answer.status;
  if (set.length === 0) {
    // Nothing set on res: the head goes out without a header store kept on
    // res for the connection's life (see heap.ts).
    res.writeHead(answer.status, head);
  } else {
    for (const name of set) res.removeHeader(name);
    for (const name in head) res.setHeader(name, head[name] as string | string[]);
    res.writeHead(answer.status);
  }
  if (answer.kind === "stream") res.flushHeaders?.();
  else if (answer.kind === "refuse") res.end(answer.body);
  else res.end();
}
