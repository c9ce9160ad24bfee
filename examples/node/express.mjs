/**
 * The chat room of room.mjs as an Express app on web-sse/node: the same page
 * and routes (`GET /room`, `GET /room/events`, `POST /room/messages`), the
 * hub's stream written straight to Express's response by `sendHub()`.
 *
 * Run: npm run build && node examples/node/express.mjs  (PORT=3000 by default)
 *
 * @module
 */
import { readFileSync } from "node:fs";
import express from "express";
import { createHub } from "web-sse/hub";
import { sendHub } from "web-sse/node";
import { field, MAX_NAME, MAX_TEXT, ROOM_TOPIC } from "./room.mjs";

const page = readFileSync(new URL("./room.html", import.meta.url), "utf8");

/**
 * The room's Express app.
 *
 * @param {import("web-sse/hub").Hub} hub
 * @returns {import("express").Express}
 */
export function createExpressRoom(hub) {
  const app = express();

  app.get("/room", (_req, res) => {
    res.type("html").send(page);
  });

  // A new tab sees the room's history, then live messages; a reconnecting tab
  // resumes after its Last-Event-ID (after a reload the page passes the id it
  // saved as ?lastEventId=, and the header wins when both are there).
  app.get("/room/events", (req, res, next) => {
    const saved = req.query.lastEventId;
    if (req.headers["last-event-id"] === undefined && typeof saved === "string" && saved !== "") {
      req.headers["last-event-id"] = saved;
    }
    // sendHub never throws; it rejects only for a bad call, before anything
    // is sent: hand that to Express (Express 4 would not catch it itself).
    sendHub(req, res, hub, ROOM_TOPIC, { start: "earliest", retry: 1000 }).catch(next);
  });

  app.post(
    "/room/messages",
    express.urlencoded({ extended: false, limit: "8kb" }),
    express.json({ limit: "8kb" }),
    async (req, res, next) => {
      const form = req.body ?? {};
      const name = field("name", form.name, MAX_NAME);
      const text = field("text", form.text, MAX_TEXT);
      const error = "error" in name ? name.error : "error" in text ? text.error : undefined;
      if (error !== undefined || !("text" in name) || !("text" in text)) {
        res.status(400).type("text/plain").send(`${error}\n`);
        return;
      }
      try {
        const id = await hub.publish(ROOM_TOPIC, {
          event: "message",
          data: { name: name.text, text: text.text, at: new Date().toISOString() },
        });
        if (req.accepts(["html", "json"]) === "json") res.status(202).json({ id });
        else res.redirect(303, "/room");
      } catch (cause) {
        next(cause);
      }
    },
  );

  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const hub = createHub();
  const port = Number(process.env.PORT ?? 3000);
  const server = createExpressRoom(hub).listen(port, () => {
    const address = /** @type {import("node:net").AddressInfo} */ (server.address());
    console.log(`web-sse room (Express) on http://localhost:${address.port}/room`);
  });
  process.once("SIGTERM", async () => {
    // Every stream ends with reason "abort" (clients reconnect elsewhere).
    await hub.close();
    server.close();
  });
}
