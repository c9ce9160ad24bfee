/**
 * A client that stops reading, over a real server: @hono/node-server on
 * 127.0.0.1 and a raw TCP client that sends its request and never reads. The
 * server must let go of the socket within sendTimeout, whatever the keepalive
 * and whatever else ended the stream.
 *
 * @module
 */
import { connect, type Server, type Socket } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { afterEach, beforeEach, describe, expect, type MockInstance, test, vi } from "vitest";
import { type SSECloseReason, type SSEOptions, sseResponse } from "../src/index.ts";
import { waitFor } from "./helpers/core-sse.ts";

const BIG = "x".repeat(256 * 1024);

interface Running {
  server: ServerType;
  port: number;
  closes: SSECloseReason[];
  /** Server-side sockets, and whether each has closed. */
  sockets: { socket: Socket; closed: boolean }[];
  clients: Socket[];
  errors: unknown[];
}

const running: Running[] = [];
let logged: MockInstance<typeof console.error>;

// @hono/node-server reports a body that errors with console.error (see the tests below).
beforeEach(() => {
  logged = vi.spyOn(console, "error").mockImplementation(() => {});
});

afterEach(async () => {
  logged.mockRestore();
  for (const r of running.splice(0)) {
    for (const c of r.clients) c.destroy();
    for (const s of r.sockets) s.socket.destroy();
    await new Promise<void>((resolve) => r.server.close(() => resolve()));
  }
});

/** Serves an endless stream of 256 KiB events with `options`. */
async function start(options: SSEOptions): Promise<Running> {
  const closes: SSECloseReason[] = [];
  const errors: unknown[] = [];
  const sockets: Running["sockets"] = [];
  let port = 0;
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve(
      {
        port: 0,
        hostname: "127.0.0.1",
        fetch: (request) =>
          sseResponse(
            async function* ({ signal }) {
              while (!signal.aborted) yield { data: BIG };
            },
            { ...options, request, onClose: (r) => closes.push(r) },
          ),
      },
      (info) => {
        port = info.port;
        resolve(s);
      },
    );
  });
  (server as Server).on("connection", (socket: Socket) => {
    const entry = { socket, closed: false };
    sockets.push(entry);
    socket.on("close", () => {
      entry.closed = true;
    });
  });
  const r: Running = { server, port, closes, sockets, clients: [], errors };
  running.push(r);
  return r;
}

/** A client that sends a GET and then never reads a byte. */
async function stalledClient(r: Running): Promise<Socket> {
  const socket = connect(r.port, "127.0.0.1");
  r.clients.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.on("error", () => {});
  socket.pause();
  socket.write("GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
  return socket;
}

describe("a client that never reads, over @hono/node-server", () => {
  test("is dropped as 'timeout' within sendTimeout with keepAlive false, and its socket is closed", async () => {
    const r = await start({ keepAlive: false, sendTimeout: 500 });
    await stalledClient(r);
    await waitFor(() => r.closes.length > 0, 8000, "onClose");
    expect(r.closes).toEqual(["timeout"]);
    await waitFor(() => r.sockets.every((s) => s.closed), 4000, "the server closing the socket");
    // Erroring the body is what makes node-server destroy the socket, and it logs that
    // error: the one error it logs quietly (a premature close) it does not destroy the
    // socket for. So the logged error says plainly what happened.
    expect(logged.mock.calls.flat()).toContainEqual(
      expect.objectContaining({
        name: "TimeoutError",
        message: "web-sse dropped a client that took no bytes for 500 ms (sendTimeout)",
      }),
    );
  });

  test("after maxDuration with sendTimeout longer than the stream, the socket is let go within sendTimeout of the end", async () => {
    const r = await start({ keepAlive: false, sendTimeout: 1500, maxDuration: 300 });
    await stalledClient(r);
    await waitFor(() => r.closes.length > 0, 8000, "onClose");
    expect(r.closes).toEqual(["max-duration"]);
    expect(r.sockets.every((s) => s.closed)).toBe(false);
    await waitFor(() => r.sockets.every((s) => s.closed), 6000, "the server closing the socket");
  });
});
