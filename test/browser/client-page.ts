/**
 * What the web-sse/client browser tests share: the client bundled for a
 * browser (esbuild, from src/), and a Node server that can stop and start
 * again on the same port (a server restart, as the page sees it).
 *
 * @module
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { build } from "esbuild";
import { ROOT } from "../runtimes/shared/spawn.ts";

/** src/client.ts as one browser ES module. */
export async function clientBundle(): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: ["src/client.ts"],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error("esbuild wrote nothing for src/client.ts");
  return file.text;
}

/** A server on a fixed port that can be stopped and started again. */
export interface RestartableServer {
  readonly port: number;
  /** Drops every connection and stops listening. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** Serves `fetch` on `host` at a free port (or `port`), restartable. */
export async function restartableServer(
  fetch: (request: Request) => Response | Promise<Response>,
  host = "127.0.0.1",
  port = 0,
): Promise<RestartableServer> {
  let server: Server | undefined;
  let bound = port;
  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = serve({ fetch, port: bound, hostname: host }, (info: AddressInfo) => {
        bound = info.port;
        resolve();
      }) as Server;
      s.once("error", reject);
      server = s;
    });
  await start();
  return {
    get port() {
      return bound;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        const s = server;
        server = undefined;
        if (s === undefined) return resolve();
        s.close(() => resolve());
        s.closeAllConnections();
      }),
    start,
  };
}
