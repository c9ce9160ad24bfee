/**
 * The demo's chat room on web-sse/hub: `GET /room` (the page), `GET
 * /room/events` (the room's event stream) and `POST /room/messages` (a form
 * post that the server publishes to every open tab).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { sse } from "web-sse/hono";

const page = readFileSync(new URL("./room.html", import.meta.url), "utf8");

/** The one topic every tab of the room follows. */
export const ROOM_TOPIC = "room";

/** Longest name and message the room accepts, in UTF-16 units. */
export const MAX_NAME = 40;
export const MAX_TEXT = 500;

/**
 * Shortens `value` for an error message.
 *
 * @param {string} value
 * @returns {string}
 */
const shorten = (value) => (value.length > 40 ? `${value.slice(0, 37)}...` : value);

/**
 * Checks one posted form field; returns the trimmed text or an error message
 * that names the field, shows the value (shortened) and says the rule.
 *
 * @param {string} field
 * @param {unknown} value
 * @param {number} max
 * @returns {{ text: string } | { error: string }}
 */
export function field(field, value, max) {
  if (typeof value !== "string") return { error: `"${field}" is missing (a text field)` };
  const text = value.trim();
  if (text === "") return { error: `"${field}" must not be empty` };
  if (text.length > max) {
    return {
      error: `"${field}" must be at most ${max} characters (got ${text.length}: "${shorten(text)}")`,
    };
  }
  return { text };
}

/**
 * The room's routes, to mount with `app.route("/room", createRoomApp(hub))`.
 *
 * @param {import("web-sse/hub").Hub} hub
 * @returns {Hono}
 */
export function createRoomApp(hub) {
  const room = new Hono();

  room.get("/", (c) => c.html(page));

  // A new tab (no id) sees the room's history, then live messages. A tab that
  // reconnects resumes after its Last-Event-ID; after a reload the page passes
  // the id it saved as ?lastEventId= (a new EventSource has none), and the
  // header wins when both are there.
  room.get(
    "/events",
    sse(
      (c, ctx) =>
        hub.subscribe(ROOM_TOPIC, { start: "earliest" })({
          ...ctx,
          lastEventId: ctx.lastEventId ?? (c.req.query("lastEventId") || undefined),
        }),
      { retry: 1000 },
    ),
  );

  // The page posts its form with fetch(); without script the browser posts it
  // itself and is sent back to the room.
  room.post("/messages", async (c) => {
    /** @type {Record<string, unknown>} */
    const form = await c.req.parseBody().catch(() => ({}));
    const name = field("name", form.name, MAX_NAME);
    const text = field("text", form.text, MAX_TEXT);
    const error = "error" in name ? name.error : "error" in text ? text.error : undefined;
    if (error !== undefined || !("text" in name) || !("text" in text)) {
      return c.text(`${error}\n`, 400);
    }
    const id = await hub.publish(ROOM_TOPIC, {
      event: "message",
      data: { name: name.text, text: text.text, at: new Date().toISOString() },
    });
    if (c.req.header("accept")?.includes("application/json")) return c.json({ id }, 202);
    return c.redirect("/room", 303);
  });

  return room;
}
