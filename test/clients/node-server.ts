/**
 * A real Node HTTP server (@hono/node-server on 127.0.0.1, a free port) for the
 * real-client and browser tests, and small bounded-wait helpers.
 *
 * @module
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type HttpBindings, serve } from "@hono/node-server";

/** A listening server and how to stop it. */
export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Closes the listener and every open connection (event streams never end by themselves). */
  close(): Promise<void>;
}

/** A fetch handler as @hono/node-server calls it (a Hono app's `fetch` fits). */
export type NodeFetch = (request: Request, env: HttpBindings) => Response | Promise<Response>;

/** Starts `fetch` on 127.0.0.1 at a free port. */
export function startServer(fetch: NodeFetch): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    let server: Server | undefined;
    const onError = (error: unknown): void => reject(error);
    server = serve(
      {
        fetch: fetch as (request: Request, env: unknown) => Promise<unknown>,
        port: 0,
        hostname: "127.0.0.1",
      },
      (info: AddressInfo) => {
        const listening = server as Server;
        listening.off("error", onError);
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () =>
            new Promise<void>((done) => {
              listening.close(() => done());
              listening.closeAllConnections();
            }),
        });
      },
    ) as Server;
    server.once("error", onError);
  });
}

/** Rejects with a clear message when `promise` does not settle within `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` every 20 ms until it returns (or resolves to) true; rejects after `ms`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done);
  });
}

/** The raw bytes of a request header as they came off the wire (Node keeps them as Latin-1). */
export function rawHeaderBytes(env: HttpBindings, name: string): Uint8Array | undefined {
  const raw = env.incoming.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === name.toLowerCase()) {
      return Uint8Array.from(Buffer.from(raw[i + 1] ?? "", "latin1"));
    }
  }
  return undefined;
}

/** Bytes as spaced hex, for messages: `e2 80 a6`. */
export function hex(bytes: Uint8Array | undefined): string {
  return bytes === undefined
    ? "(none)"
    : [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}
