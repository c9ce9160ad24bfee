/**
 * web-sse/node on node:http2's compatibility API, h2c and TLS (a
 * certificate made for the test), with `http2.connect` as the client: it
 * refuses a response that carries connection-specific headers.
 */
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { http2c } from "../runtimes/shared/client.ts";
import { handler } from "./app.ts";
import { describeNodeServer } from "./suite.ts";

/** A self-signed certificate for 127.0.0.1, made with the openssl CLI. */
function certificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "web-sse-h2-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore", timeout: 30_000 },
    );
    return {
      key: readFileSync(join(dir, "key.pem"), "utf8"),
      cert: readFileSync(join(dir, "cert.pem"), "utf8"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server: http2.Http2Server | http2.Http2SecureServer): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

function stopper(
  server: http2.Http2Server | http2.Http2SecureServer,
  sessions: Set<http2.ServerHttp2Session>,
) {
  return (): Promise<void> => {
    for (const session of sessions) session.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
}

describeNodeServer("node:http2 h2c (compatibility API)", async (state) => {
  const handle = handler(state);
  const server = http2.createServer((req, res) => {
    res.setHeader("x-middleware", "kept");
    res.setHeader("content-length", "12");
    handle(req, res).catch(() => {});
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => sessions.add(session));
  const port = await listen(server);
  return {
    transport: http2c(`http://127.0.0.1:${port}`),
    middlewareHeaders: { "x-middleware": "kept" },
    stop: stopper(server, sessions),
  };
});

describeNodeServer("node:http2 over TLS (compatibility API)", async (state) => {
  const { key, cert } = certificate();
  const handle = handler(state);
  const server = http2.createSecureServer({ key, cert }, (req, res) => {
    res.setHeader("x-middleware", "kept");
    handle(req, res).catch(() => {});
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => sessions.add(session));
  const port = await listen(server);
  return {
    transport: http2c(`https://127.0.0.1:${port}`, { ca: cert }),
    middlewareHeaders: { "x-middleware": "kept" },
    stop: stopper(server, sessions),
  };
});
