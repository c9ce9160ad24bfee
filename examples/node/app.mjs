/**
 * The web-sse live demo as a Hono app: the page at `/`, its event stream at
 * `/events`, `/control/:command` for the page's "end stream" and "throw"
 * buttons, and a chat room on web-sse/hub under `/room` (room.mjs).
 * `server.mjs` serves it on Node; tests mount it on servers of their own.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { sleep } from "web-sse";
import { sse } from "web-sse/hono";
import { createHub } from "web-sse/hub";
import { createRoomApp } from "./room.mjs";

const page = readFileSync(new URL("./index.html", import.meta.url), "utf8");

/** What a thrown error carries that must never reach a browser. */
const SECRET = "db password hunter2 at /srv/app/secrets.json";

/** What the page sees instead of the exception text. */
export const SAFE_ERROR_MESSAGE = "The server hit an error; reconnecting.";

/**
 * A counter value from an event id or query parameter; undefined unless it is
 * a whole number >= 0 (an id is whatever the client sends back).
 *
 * @param {string | undefined} value
 * @returns {number | undefined}
 */
function parseCount(value) {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Builds the demo app.
 *
 * @param {{ tick?: number, log?: (message: string, error: unknown) => void, hub?: import("web-sse/hub").Hub }} [options]
 * `tick`: ms between counter steps (default 1000); `log`: where the real
 * error goes when the stream throws (default console.error); `hub`: the room's
 * hub (default a new in-memory one; pass your own to close it on shutdown).
 * @returns {Hono}
 */
export function createDemoApp(options = {}) {
  const tick = options.tick ?? 1000;
  const log = options.log ?? ((message, error) => console.error(message, error));
  /** One entry per open stream: the page's client id -> a function that hands it a command. */
  const streams = new Map();
  const app = new Hono();

  app.get("/", (c) => c.html(page));
  app.route("/room", createRoomApp(options.hub ?? createHub()));

  app.get(
    "/events",
    sse(
      async function* (c, { signal, lastEventId }) {
        const client = c.req.query("client") ?? "";
        // A reconnecting EventSource sends Last-Event-ID itself; after a page
        // reload the page passes the id it saved as ?from= instead.
        const fromHeader = parseCount(lastEventId);
        const fromQuery = parseCount(c.req.query("from"));
        let n = fromHeader ?? fromQuery ?? 0;
        const via =
          fromHeader !== undefined ? "Last-Event-ID" : fromQuery !== undefined ? "?from" : null;

        let command;
        const wake = new AbortController();
        /** @param {string} name */
        const listen = (name) => {
          command = name;
          wake.abort();
        };
        streams.set(client, listen);
        // One wait that ends on a tick, a command, or the client leaving.
        const either = AbortSignal.any([signal, wake.signal]);
        try {
          yield { event: "hello", data: { resumedFrom: via === null ? null : n, via } };
          while (!signal.aborted) {
            yield { event: "count", id: ++n, data: n };
            yield { event: "clock", data: new Date().toISOString() };
            await sleep(tick, either);
            // A normal end: the browser reconnects with Last-Event-ID.
            if (command === "end") return;
            // The onError path: a safe last event, then the stream closes.
            if (command === "throw") throw new Error(`demo failure (${SECRET})`);
          }
        } finally {
          if (streams.get(client) === listen) streams.delete(client);
        }
      },
      {
        retry: 1000,
        onError(error) {
          log("web-sse demo: the stream threw", error);
          return { event: "error", data: { message: SAFE_ERROR_MESSAGE } };
        },
      },
    ),
  );

  app.post("/control/:command", (c) => {
    const command = c.req.param("command");
    if (command !== "end" && command !== "throw") return c.text("unknown command\n", 404);
    const listen = streams.get(c.req.query("client") ?? "");
    if (listen === undefined) return c.text("no open stream for this client\n", 409);
    listen(command);
    return c.body(null, 202);
  });

  return app;
}
