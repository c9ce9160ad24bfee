/**
 * One Node server that serves each test's source twice: through plain
 * `sseResponse` (`/plain/<n>`) and through the Hono `sse()` route (`/hono/<n>`),
 * so every real-client test runs against both.
 *
 * @module
 */
import type { HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { sse } from "../../src/hono.ts";
import { type SSEContext, type SSEOptions, sseResponse } from "../../src/index.ts";
import type { SSEIterable } from "../../src/source.ts";
import { type RunningServer, startServer } from "./node-server.ts";

/** What the server runs for one test. */
export interface Scenario {
  /** Called once per connection, like any source function. */
  source: (ctx: SSEContext, request: Request) => SSEIterable | Promise<SSEIterable>;
  options?: SSEOptions;
}

/** The two ways a Node server can use web-sse. */
export const KINDS = ["sseResponse", "hono"] as const;
export type Kind = (typeof KINDS)[number];

interface Mounted {
  plain: (request: Request) => Response;
  hono: ReturnType<typeof sse<{ Bindings: HttpBindings }>>;
}

/** A server with a place for each test's scenario. */
export interface ScenarioServer extends RunningServer {
  /** Mounts `scenario` and returns its URL for `kind`. */
  mount(kind: Kind, scenario: Scenario): string;
}

export async function startScenarioServer(): Promise<ScenarioServer> {
  const scenarios = new Map<string, Mounted>();
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.get("/hono/:n", (c, next) => {
    const mounted = scenarios.get(c.req.param("n"));
    return mounted === undefined ? c.notFound() : mounted.hono(c, next);
  });
  // sseResponse gets the request straight from @hono/node-server, with no Hono in between.
  const server = await startServer((request, env) => {
    const n = /^\/plain\/(\d+)$/.exec(new URL(request.url).pathname)?.[1];
    if (n === undefined) return app.fetch(request, env);
    const mounted = scenarios.get(n);
    return mounted === undefined
      ? new Response("no such scenario", { status: 404 })
      : mounted.plain(request);
  });
  let count = 0;
  return {
    ...server,
    mount(kind, { source, options }) {
      const n = String(++count);
      scenarios.set(n, {
        plain: (request) => sseResponse((ctx) => source(ctx, request), { ...options, request }),
        hono: sse((c, ctx) => source(ctx, c.req.raw), options),
      });
      return `${server.url}/${kind === "hono" ? "hono" : "plain"}/${n}`;
    },
  };
}
