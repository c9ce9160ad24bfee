/**
 * The Node-side server the runtime checks talk to (a real node:http server):
 * each route, per `?run=` key, answers as runtime-checks.ts expects.
 *
 * @module
 */
import { type RawServer, rawServer, streamHead, utf8Of } from "./http.ts";

/** Starts the server. */
export function checksServer(): Promise<RawServer> {
  const counts = new Map<string, number>();
  const closed = new Set<string>();
  return rawServer((seen, _index, res) => {
    const url = new URL(seen.url, "http://x");
    const run = url.searchParams.get("run") ?? "";
    const key = `${run} ${url.pathname}`;
    const n = counts.get(key) ?? 0;
    counts.set(key, n + 1);
    switch (url.pathname) {
      case "/echo":
        streamHead(res);
        res.end(
          `retry: 10\nid: ${n}-\u2026\ndata: ${JSON.stringify({
            method: seen.method,
            body: seen.body,
            token: seen.headers["x-token"],
            lastEventId: utf8Of(seen.headers["last-event-id"]),
            accept: seen.headers.accept,
          })}\n\n`,
        );
        return;
      case "/no-content":
        res.writeHead(204).end();
        return;
      case "/busy-once":
        if (n === 0) {
          res.writeHead(503, { "retry-after": "0" }).end("busy");
          return;
        }
        streamHead(res);
        res.end("data: after busy\n\n");
        return;
      case "/stall":
        streamHead(res);
        if (n === 0) res.write("data: before\n\n");
        else res.end("data: after\n\n");
        return;
      case "/hold":
        streamHead(res);
        res.write("data: held\n\n");
        res.on("close", () => closed.add(run));
        return;
      case "/closed":
        res.writeHead(200, { "content-type": "text/plain" }).end(closed.has(run) ? "yes" : "no");
        return;
      default:
        res.writeHead(404, { "content-type": "text/plain" }).end("missing\n");
    }
  });
}
