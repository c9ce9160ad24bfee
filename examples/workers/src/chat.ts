/**
 * A chat room per Durable Object, on `HubObject` from `web-sse/cloudflare`.
 *
 * - `GET /chat` - the page.
 * - `GET /rooms/<room>/events?token=…` - the room's messages as SSE: the Worker
 *   routes to the room's object with `getByName(room)` and returns its
 *   response unchanged; the object checks the token.
 * - `POST /rooms/<room>/messages?token=…` with `{ "name": …, "text": … }` - the
 *   Worker calls the object's `say()` over RPC, which checks the token and the
 *   message, then publishes.
 *
 * The history (200 messages per room) lives in the object's SQLite storage,
 * so a reconnecting EventSource replays what it missed, also after the object
 * restarted (a deploy).
 *
 * @module
 */
import { HubObject, type HubObjectOptions } from "web-sse/cloudflare";
import { PAGE } from "./page.ts";

/**
 * The Worker's bindings (see wrangler.jsonc). With `wrangler types`, `ROOMS`
 * is `DurableObjectNamespace<ChatRoom>`; it is spelled out here so this
 * example type-checks without the Workers types.
 */
export interface ChatEnv {
  ROOMS: { getByName(name: string): ChatRoomStub };
  /** The shared secret of every room (`wrangler secret put CHAT_TOKEN` in production). */
  CHAT_TOKEN: string;
}

/** What the Worker calls on a room's object (RPC methods return promises). */
interface ChatRoomStub {
  fetch(request: Request): Promise<Response>;
  say(token: string, name: unknown, text: unknown): Promise<string>;
}

const WRONG_TOKEN = "wrong or missing token";

/** The one topic of a room: the room is the object. */
const TOPIC = "messages";

/** Compares without stopping at the first different character, so timing tells nothing. */
function sameSecret(given: string, expected: string): boolean {
  const a = new TextEncoder().encode(given);
  const b = new TextEncoder().encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0 && b.length > 0;
}

/** A non-empty string of at most `max` characters, trimmed; a RangeError names the field otherwise. */
function field(name: string, value: unknown, max: number): string {
  const text = typeof value === "string" ? value.trim() : "";
  if (text.length === 0 || text.length > max) {
    throw new RangeError(`"${name}" must be 1 to ${max} characters`);
  }
  return text;
}

/** One chat room: a hub whose subscribers need the room's token. */
export class ChatRoom extends HubObject<ChatEnv> {
  protected override hubOptions(): HubObjectOptions {
    return { history: 200 };
  }

  /** Subscribers: only with the token; every client starts with the room's history. */
  override async fetch(request: Request): Promise<Response> {
    const token = new URL(request.url).searchParams.get("token") ?? "";
    if (!sameSecret(token, this.env.CHAT_TOKEN)) {
      return new Response(`${WRONG_TOKEN}\n`, { status: 403 });
    }
    return this.hub.response(request, TOPIC, {
      start: "earliest",
      onClose: (reason) => console.log(`chat: stream closed (${reason})`),
    });
  }

  /**
   * RPC: checks the token and the message, then publishes it.
   *
   * @returns The message's id.
   */
  async say(token: string, name: unknown, text: unknown): Promise<string> {
    if (!sameSecret(String(token), this.env.CHAT_TOKEN)) throw new Error(WRONG_TOKEN);
    const message = { name: field("name", name, 40), text: field("text", text, 500) };
    return this.hub.publish(TOPIC, { event: "message", data: message });
  }
}

const ROOM = /^\/rooms\/([A-Za-z0-9_-]{1,64})\/(events|messages)$/;

/** The chat's routes; `undefined` for any other path. */
export async function chat(request: Request, env: ChatEnv): Promise<Response | undefined> {
  const url = new URL(request.url);
  if (url.pathname === "/chat") {
    return new Response(PAGE, { headers: { "content-type": "text/html; charset=utf-8" } });
  }
  const match = ROOM.exec(url.pathname);
  if (match === null) return undefined;
  const [, room = "", action] = match;
  const stub = env.ROOMS.getByName(room);
  if (action === "events") {
    // Returned as it is: the object's event stream, status and headers.
    return stub.fetch(request);
  }
  if (request.method !== "POST") return new Response("use POST\n", { status: 405 });
  let body: { name?: unknown; text?: unknown };
  try {
    body = (await request.json()) as typeof body;
  } catch {
    return new Response("send JSON: { name, text }\n", { status: 400 });
  }
  try {
    const id = await stub.say(url.searchParams.get("token") ?? "", body.name, body.text);
    return Response.json({ id });
  } catch (error) {
    // Errors thrown in the object reach the Worker over RPC with their name and message.
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    const status = message === WRONG_TOKEN ? 403 : name === "RangeError" ? 400 : 500;
    return new Response(`${message}\n`, { status });
  }
}
