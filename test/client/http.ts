/**
 * A plain node:http server for the fetchEvents tests: the handler writes
 * whatever bytes, statuses and silences a case needs, and every request is
 * recorded (method, headers as raw bytes, body, when it closed).
 *
 * @module
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { EventStream, SSEEvent } from "../../src/client.ts";
import { within } from "../clients/node-server.ts";

/** One request as the server saw it. */
export interface Seen {
  readonly method: string;
  /** The path and query. */
  readonly url: string;
  /** Header values as the bytes on the wire (Latin-1 strings), names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** True once the connection or response closed. */
  closed: boolean;
}

/** What the handler gets: the request's record, its number (0 first), and the response. */
export type RawHandler = (
  seen: Seen,
  index: number,
  res: http.ServerResponse,
) => void | Promise<void>;

export interface RawServer {
  readonly url: string;
  readonly seen: Seen[];
  /** Ends every open connection, as a crashing server or a dropped network would. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1 at a free port. */
export async function rawServer(handler: RawHandler): Promise<RawServer> {
  const seen: Seen[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      headers[(req.rawHeaders[i] ?? "").toLowerCase()] = req.rawHeaders[i + 1] ?? "";
    }
    const record: Seen = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers,
      body: Buffer.concat(chunks).toString("utf8"),
      closed: false,
    };
    const index = seen.push(record) - 1;
    res.on("close", () => {
      record.closed = true;
    });
    try {
      await handler(record, index, res);
    } catch (error) {
      res.destroy(error as Error);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    dropConnections: () => server.closeAllConnections(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Starts an event-stream answer: 200 and the content type. */
export function streamHead(res: http.ServerResponse, contentType = "text/event-stream"): void {
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-cache" });
  res.flushHeaders();
}

/** UTF-8 bytes read back from a header value Node kept as Latin-1. */
export function utf8Of(latin1: string | undefined): string | undefined {
  return latin1 === undefined ? undefined : Buffer.from(latin1, "latin1").toString("utf8");
}

/** The next `n` events, bounded in time. */
export async function take(stream: EventStream, n: number, ms = 10_000): Promise<SSEEvent[]> {
  const events: SSEEvent[] = [];
  await within(
    (async () => {
      while (events.length < n) {
        const result = await stream.next();
        if (result.done) throw new Error(`the stream ended after ${events.length} of ${n} events`);
        events.push(result.value);
      }
    })(),
    ms,
    `${n} events`,
  );
  return events;
}
