/**
 * web-sse/node on node:http: the shared suite, the same bytes as
 * sseResponse, negotiation, HEAD, the status and header rules, bad calls,
 * and a raw TCP client that never reads.
 */
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { createHub } from "../../src/hub.ts";
import { type SSECloseReason, type SSEOptions, sseResponse } from "../../src/index.ts";
import { type NodeSSEOptions, sendHub, sendSSE } from "../../src/node.ts";
import { waitFor } from "../helpers/core-sse.ts";
import { http1 } from "../runtimes/shared/client.ts";
import { handler } from "./app.ts";
import { describeNodeServer } from "./suite.ts";

/** Listens on 127.0.0.1, port 0. */
async function listen(server: http.Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describeNodeServer("node:http", async (state) => {
  const handle = handler(state);
  const server = http.createServer((req, res) => {
    // What middleware might set: kept, except the connection-level ones.
    res.setHeader("x-middleware", "kept");
    res.setHeader("connection", "close");
    res.setHeader("content-length", "12");
    handle(req, res).catch(() => {});
  });
  const origin = await listen(server);
  return {
    transport: http1(origin),
    middlewareHeaders: { "x-middleware": "kept" },
    stop: () => closeServer(server),
  };
});

/** A server whose handler is swapped per test. */
let server: http.Server | undefined;
afterEach(async () => {
  if (server !== undefined) await closeServer(server);
  server = undefined;
});

async function serve(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<string> {
  server = http.createServer(handle);
  return listen(server);
}

/** One whole response over a fresh connection: status, headers and body text. */
function get(
  origin: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${origin}/`, { method, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", reject);
    req.end();
  });
}

describe("sendSSE writes the bytes sseResponse writes", () => {
  const cases: [string, () => unknown, NodeSSEOptions][] = [
    [
      "a sync array with retry",
      () => ["a", { event: "e", id: 1, data: { x: [1, 2] } }, { comment: "c\nd" }],
      { retry: 250 },
    ],
    [
      "an async generator with ids, multi-line data and a custom serializer",
      () =>
        async function* () {
          yield { id: "é-1", data: "x\r\ny\rz" };
          await new Promise((resolve) => setTimeout(resolve, 10));
          yield { event: "obj", data: { deep: { n: 1 } } };
          yield "";
        },
      { serialize: (data) => `<${JSON.stringify(data)}>` },
    ],
    [
      "a source that throws, with onError's last event",
      () =>
        async function* () {
          yield "before";
          throw new Error("boom");
        },
      { onError: () => ({ event: "error", data: "sorry" }) },
    ],
    ["an empty source", () => [], {}],
  ];
  for (const [name, make, options] of cases) {
    test(name, async () => {
      const origin = await serve((req, res) => {
        sendSSE(req, res, make() as never, options).catch(() => {});
      });
      const node = await get(origin, { accept: "text/event-stream" });
      const fetched = await sseResponse(make() as never, options as SSEOptions).text();
      expect(node.status).toBe(200);
      expect(node.body).toBe(fetched);
    });
  }
});

describe("sendSSE on node:http", () => {
  test("406 with Vary: Accept added to the Vary already set, a short text body, the source not called", async () => {
    let called = false;
    const origin = await serve((req, res) => {
      res.setHeader("vary", "Origin");
      sendSSE(req, res, () => {
        called = true;
        return [];
      }).catch(() => {});
    });
    const answer = await get(origin, { accept: "application/json" });
    expect(answer.status).toBe(406);
    expect(answer.headers.vary).toBe("Origin, Accept");
    expect(answer.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(answer.body).toMatch(/Not Acceptable/);
    expect(called).toBe(false);
  });

  test("HEAD gets the status and headers, no body, and the source is not called", async () => {
    let called = false;
    let settled = false;
    const origin = await serve((req, res) => {
      sendSSE(
        req,
        res,
        () => {
          called = true;
          return ["x"];
        },
        { status: 201 },
      ).then(() => {
        settled = true;
      });
    });
    const answer = await get(origin, {}, "HEAD");
    expect(answer.status).toBe(201);
    expect(answer.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(answer.body).toBe("");
    expect(called).toBe(false);
    await waitFor(() => settled, 5000, "resolved");
  });

  test("the status is options.status, else 200, whatever res.statusCode held; options.headers win", async () => {
    const origin = await serve((req, res) => {
      res.statusCode = 404;
      res.setHeader("cache-control", "private");
      res.setHeader("set-cookie", "a=1");
      res.setHeader("keep-alive", "timeout=99");
      res.setHeader("transfer-encoding", "identity");
      const status = req.url === "/?s=202" ? 202 : undefined;
      sendSSE(req, res, ["x"], {
        status,
        headers: {
          "cache-control": "no-store",
          "set-cookie": "b=2",
          connection: "upgrade",
          upgrade: "h2c",
        },
      }).catch(() => {});
    });
    const plain = await get(origin);
    expect(plain.status).toBe(200);
    expect(plain.headers["cache-control"]).toBe("no-store");
    expect(plain.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(plain.headers["keep-alive"]).toBeUndefined();
    expect(plain.headers.upgrade).toBeUndefined();
    expect(plain.headers.connection).not.toMatch(/upgrade/i);
    expect(plain.headers["transfer-encoding"]).not.toBe("identity");
    expect(plain.body).toBe("data: x\n\n");
    const other = await new Promise<number>((resolve, reject) => {
      http
        .get(`${origin}/?s=202`, { agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on("error", reject);
    });
    expect(other).toBe(202);
  });

  test("a bad call rejects with nothing sent: invalid options, a bad source, headers already sent, request given", async () => {
    const outcomes: string[] = [];
    const origin = await serve(async (req, res) => {
      for (const call of [
        () => sendSSE(req, res, ["x"], { keepAlive: -1 }),
        () => sendSSE(req, res, "text" as never),
        () => sendSSE(req, res, ["x"], { request: new Request("http://x/") } as never),
      ]) {
        await call().then(
          () => outcomes.push("resolved"),
          (error: Error) => outcomes.push(error.name),
        );
      }
      // sendHub's own mistakes name sendHub, not the hub.response it shares its checks with.
      await sendHub(req, res, createHub(), "").then(
        () => outcomes.push("resolved"),
        (error: Error) => outcomes.push(`${error.name}: ${error.message}`),
      );
      res.writeHead(418);
      res.write("teapot");
      await sendSSE(req, res, ["x"]).then(
        () => outcomes.push("resolved"),
        (error: Error) => outcomes.push(`${error.name}: ${error.message}`),
      );
      res.end();
    });
    const answer = await get(origin);
    expect(answer.status).toBe(418);
    expect(answer.body).toBe("teapot");
    expect(outcomes.slice(0, 3)).toEqual(["RangeError", "TypeError", "TypeError"]);
    expect(outcomes[3]).toMatch(/^TypeError: sendHub: /);
    expect(outcomes[4]).toMatch(/^TypeError: sendSSE: the response has already sent its headers/);
  });

  test("a response whose client already left resolves at once with onClose('cancel'), the source not called", async () => {
    let called = false;
    const closes: SSECloseReason[] = [];
    let settled = false;
    const origin = await serve((req, res) => {
      res.on("close", () => {
        sendSSE(
          req,
          res,
          () => {
            called = true;
            return [];
          },
          { onClose: (reason) => closes.push(reason) },
        ).then(() => {
          settled = true;
        });
      });
    });
    const socket = net.connect(Number(new URL(origin).port), "127.0.0.1");
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await waitFor(() => settled, 5000, "resolved");
    expect(closes).toEqual(["cancel"]);
    expect(called).toBe(false);
  });

  test("a raw TCP client that never reads holds bounded memory and is dropped by sendTimeout", async () => {
    const event = { data: "x".repeat(64 * 1024) };
    let yielded = 0;
    let finallyRan = false;
    const closes: SSECloseReason[] = [];
    let maxBuffered = 0;
    let serverSocket: net.Socket | undefined;
    const origin = await serve((req, res) => {
      serverSocket = req.socket;
      const watch = setInterval(() => {
        maxBuffered = Math.max(maxBuffered, res.writableLength);
      }, 5);
      sendSSE(
        req,
        res,
        async function* () {
          try {
            for (;;) {
              yielded++;
              yield event;
            }
          } finally {
            finallyRan = true;
          }
        },
        { sendTimeout: 500, keepAlive: false, onClose: (reason) => closes.push(reason) },
      ).finally(() => clearInterval(watch));
    });
    const socket = net.connect(Number(new URL(origin).port), "127.0.0.1");
    socket.pause();
    socket.write("GET / HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
    await waitFor(() => closes.length === 1, 10_000, "dropped by sendTimeout");
    await waitFor(() => serverSocket?.destroyed === true, 5000, "the server's socket destroyed");
    socket.destroy();
    expect(closes).toEqual(["timeout"]);
    expect(finallyRan).toBe(true);
    // Kernel buffers take a few MiB at most; the source is not pulled past them.
    expect(yielded * event.data.length).toBeLessThan(16 * 1024 * 1024);
    expect(maxBuffered).toBeLessThan(1024 * 1024);
  });

  test("sendHub: a subscriber that never reads is closed as 'slow' past maxQueued, its socket destroyed, others served", async () => {
    const hub = createHub({ maxQueued: 256 * 1024 });
    const closes: SSECloseReason[] = [];
    const sockets: net.Socket[] = [];
    const ports: (number | undefined)[] = [];
    const origin = await serve((req, res) => {
      sockets.push(req.socket);
      ports.push(req.socket.remotePort);
      sendHub(req, res, hub, "big", { onClose: (reason) => closes.push(reason) }).catch(() => {});
    });
    const stalled = net.connect(Number(new URL(origin).port), "127.0.0.1");
    stalled.pause();
    stalled.write("GET / HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
    const reader = http1(origin);
    const reading = await reader.open("/");
    await waitFor(() => hub.subscribers("big") === 2, 5000, "both subscribed");
    const data = "y".repeat(64 * 1024);
    let received = 0;
    // Loopback socket buffers can take several MiB before write() says false,
    // so publish until the hub closes it, up to a bound well past them.
    for (let i = 0; i < 512 && closes.length === 0; i++) {
      await hub.publish("big", { data });
      await reading.next(5000);
      received++;
    }
    await waitFor(() => closes.includes("slow"), 15_000, "the stalled subscriber closed as slow");
    // Under load the reader's request may reach the server first: find the
    // stalled one by its port (read when it came in: a destroyed socket has none).
    const stalledSocket = sockets.find((_, i) => ports[i] === stalled.localPort);
    expect(stalledSocket).toBeDefined();
    await waitFor(() => stalledSocket?.destroyed === true, 15_000, "its socket destroyed");
    expect(closes).toEqual(["slow"]);
    expect(hub.subscribers("big")).toBe(1);
    await hub.publish("big", { data: "still here" });
    expect((await reading.next(5000)).data).toBe("still here");
    expect(received).toBeGreaterThan(0);
    reading.close();
    stalled.destroy();
    await hub.close();
  });
});
