/**
 * web-sse/node in Express 4 and 5 routes, with `compression()` in front:
 * the shared suite, a rejected call reaching Express's error handler through
 * `.catch(next)`, and compression that holds no event back.
 */
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import compression from "compression";
import express, { type NextFunction, type Request, type Response } from "express";
import { describe, expect, test } from "vitest";
import { sendSSE } from "../../src/node.ts";
import { within } from "../helpers/core-sse.ts";
import { http1 } from "../runtimes/shared/client.ts";
import { type AppState, handler } from "./app.ts";
import { describeNodeServer, type Running } from "./suite.ts";

// Express 4 ships no types of its own; its API here is the same as 5's.
const express4 = ((await import("express4" as string)) as { default: typeof express }).default;

const flavours = [
  ["Express 5", express],
  ["Express 4", express4],
] as const;

async function start(app: express.Express): Promise<{ server: http.Server; origin: string }> {
  const server = http.createServer(app);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function stop(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

for (const [name, make] of flavours) {
  describeNodeServer(`${name} with compression()`, async (state: AppState): Promise<Running> => {
    const app = make();
    app.use(compression());
    app.use((_req: Request, res: Response, next: NextFunction) => {
      res.setHeader("x-middleware", "kept");
      next();
    });
    const handle = handler(state);
    app.get(["/stream", "/hub", "/done"], (req: Request, res: Response, next: NextFunction) => {
      handle(req, res).catch(next);
    });
    const { server, origin } = await start(app);
    return {
      transport: http1(origin),
      middlewareHeaders: { "x-middleware": "kept" },
      stop: () => stop(server),
    };
  });

  describe(name, () => {
    test("a rejected sendSSE reaches the error handler through .catch(next), nothing sent before", async () => {
      const app = make();
      app.get("/", (req: Request, res: Response, next: NextFunction) => {
        sendSSE(req, res, ["x"], { keepAlive: -5 }).catch(next);
      });
      app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
        res.status(500).type("text/plain").send(`${error.name}: ${error.message}`);
      });
      const { server, origin } = await start(app);
      try {
        const answer = await fetch(origin, { headers: { accept: "text/event-stream" } });
        expect(answer.status).toBe(500);
        expect(await answer.text()).toMatch(/^RangeError: .*keepAlive/);
      } finally {
        await stop(server);
      }
    });

    test("behind compression() that does compress, each event reaches the client as it is sent", async () => {
      const app = make();
      app.use(compression());
      app.get("/", (req: Request, res: Response) => {
        // Without no-transform, compression() compresses the stream.
        sendSSE(
          req,
          res,
          async function* ({ signal }) {
            yield { data: "first" };
            await new Promise((resolve) => signal.addEventListener("abort", resolve));
          },
          { headers: { "cache-control": "no-cache" } },
        ).catch(() => {});
      });
      const { server, origin } = await start(app);
      try {
        const text = await within(
          new Promise<{ encoding: string | undefined; text: string }>((resolve, reject) => {
            const req = http.get(
              origin,
              { headers: { accept: "text/event-stream", "accept-encoding": "gzip" }, agent: false },
              (res) => {
                const gunzip = zlib.createGunzip();
                res.pipe(gunzip);
                let text = "";
                gunzip.setEncoding("utf8");
                gunzip.on("data", (chunk: string) => {
                  text += chunk;
                  if (text.includes("\n\n")) {
                    resolve({ encoding: res.headers["content-encoding"], text });
                    req.destroy();
                  }
                });
                gunzip.on("error", reject);
              },
            );
            req.on("error", () => {});
          }),
          5000,
          "the first event through gzip",
        );
        expect(text).toEqual({ encoding: "gzip", text: "data: first\n\n" });
      } finally {
        await stop(server);
      }
    });
  });
}
