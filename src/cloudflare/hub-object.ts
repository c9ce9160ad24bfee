/**
 * `HubObject`: a Durable Object that holds one hub, its history in the
 * object's SQLite storage.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import type { SSEChunk } from "../encode.ts";
import { checkTopics } from "../hub/topic.ts";
import { createHub, type Hub, type HubOptions } from "../hub.ts";
import { type SqliteBackendOptions, sqliteBackend } from "./sqlite-backend.ts";

/** What a {@link HubObject} subclass may set: the hub's options, and the storage bounds. */
export interface HubObjectOptions extends Omit<HubOptions, "backend"> {
  /** Table prefix and storage bounds of the object's SQLite backend. */
  storage?: SqliteBackendOptions | undefined;
}

/**
 * A SQLite-backed Durable Object holding one hub (e.g. one object per room):
 * history in `ctx.storage.sql` and the epoch beside it, so a client that
 * reconnects with its Last-Event-ID after the object restarted (a deploy, an
 * eviction) replays what it missed, and ids never repeat.
 *
 * Bind it as a SQLite-backed class (`new_sqlite_classes` in wrangler's
 * migrations). A Worker routes with `env.HUB.getByName(room)`: subscribers
 * get `stub.fetch(request)` (return its Response unchanged), publishers call
 * `stub.publish(topic, message)` over RPC.
 *
 * Subclass it to check auth or choose topics (override {@link HubObject.fetch}
 * and call `this.hub.response()`), and to set the hub's options (override
 * {@link HubObject.hubOptions}). An object with an open stream cannot
 * hibernate: it is billed for the wall-clock time its streams stay open.
 *
 * @typeParam Env - The Worker's bindings, as `this.env` has them.
 *
 * @example A chat room per object, subscribers need a token
 * ```ts
 * import { HubObject, type HubObjectOptions } from "web-sse/cloudflare";
 *
 * interface Env {
 *   ROOMS: DurableObjectNamespace<Room>;
 *   TOKEN: string;
 * }
 *
 * export class Room extends HubObject<Env> {
 *   protected override hubOptions(): HubObjectOptions {
 *     return { history: 200 };
 *   }
 *
 *   override async fetch(request: Request): Promise<Response> {
 *     const token = new URL(request.url).searchParams.get("token");
 *     if (token !== this.env.TOKEN) return new Response("forbidden\n", { status: 403 });
 *     return this.hub.response(request, "chat");
 *   }
 * }
 *
 * export default {
 *   async fetch(request: Request, env: Env): Promise<Response> {
 *     const room = env.ROOMS.getByName(new URL(request.url).searchParams.get("room") ?? "lobby");
 *     if (request.method === "POST") {
 *       const id = await room.publish("chat", { event: "message", data: await request.text() });
 *       return Response.json({ id });
 *     }
 *     return room.fetch(request);
 *   },
 * };
 * ```
 */
export class HubObject<Env = unknown> extends DurableObject<Env> {
  /**
   * The object's hub, for subclasses (auth, topic choice, options). Made when
   * the object starts, from {@link HubObject.hubOptions}, on the object's
   * SQLite storage. An own property, so it is not reachable over RPC.
   */
  protected readonly hub: Hub = this.#createHub();

  #createHub(): Hub {
    const { storage, ...options } = this.hubOptions();
    return createHub({ ...options, backend: sqliteBackend(this.ctx.storage, storage) });
  }

  /**
   * The hub's options. Override it to set them: it runs once, while the
   * object is constructed (after `this.env` and `this.ctx` are set, before a
   * subclass's own fields are), so read options from `this.env`, not from
   * fields of the subclass.
   *
   * @returns The hub's options without `backend` (it is always the object's
   * SQLite storage), plus `storage` bounds for that backend. Default `{}`: the
   * hub's defaults (1000 events per topic, no age limit).
   *
   * @example A shorter history, from the Worker's configuration
   * ```ts
   * import { HubObject, type HubObjectOptions } from "web-sse/cloudflare";
   *
   * export class Ticker extends HubObject<{ HISTORY: string }> {
   *   protected override hubOptions(): HubObjectOptions {
   *     return { history: Number(this.env.HISTORY), historyTtl: 60_000 };
   *   }
   * }
   * ```
   */
  protected hubOptions(): HubObjectOptions {
    return {};
  }

  /**
   * RPC: appends `message` to `topic` and delivers it to every subscriber of
   * it in this object.
   *
   * @param topic - A non-empty string of at most 256 UTF-16 units.
   * @param message - The event; its `data` must survive structured cloning
   * (RPC), and it must not carry an `id` (the hub assigns ids).
   * @returns The id the event was given.
   * @throws TypeError (it reaches the caller as one) for an invalid topic or
   * message; an Error for a topic that has ended.
   *
   * @example Publish from a Worker
   * ```ts
   * import type { HubObject } from "web-sse/cloudflare";
   *
   * export default {
   *   async fetch(request: Request, env: { HUB: DurableObjectNamespace<HubObject> }) {
   *     const id = await env.HUB.getByName("lobby").publish("news", { data: await request.text() });
   *     return Response.json({ id });
   *   },
   * };
   * ```
   */
  async publish(topic: string, message: SSEChunk): Promise<string> {
    try {
      return await this.hub.publish(topic, message);
    } catch (error) {
      throw acrossRpc(error);
    }
  }

  /**
   * RPC: marks `topic` finished: its subscribers get what remains and their
   * streams close once all of their topics have ended; EventSource clients
   * then get 204 and stop reconnecting.
   *
   * @param topic - The topic to end; ending it again does nothing.
   * @returns Resolves once the end is stored.
   *
   * @example End a topic from a Worker
   * ```ts
   * import type { HubObject } from "web-sse/cloudflare";
   *
   * async function finish(hub: DurableObjectStub<HubObject>): Promise<void> {
   *   await hub.end("answer");
   * }
   * ```
   */
  end(topic: string): Promise<void> {
    return this.hub.end(topic);
  }

  /**
   * RPC: how many open streams this object has, on `topic` or in all.
   *
   * @param topic - One topic; omitted: all subscribers.
   * @returns The count (a client that left counts until the object notices,
   * at the stream's next write: an event, or the keepalive).
   *
   * @example Count the listeners of a room
   * ```ts
   * import type { HubObject } from "web-sse/cloudflare";
   *
   * async function listeners(hub: DurableObjectStub<HubObject>): Promise<number> {
   *   return hub.subscribers("chat");
   * }
   * ```
   */
  subscribers(topic?: string): number {
    return this.hub.subscribers(topic);
  }

  /**
   * Answers an EventSource request with `hub.response()`: topics from the
   * repeatable `topic` query parameter (`?topic=a&topic=b`), 400 when there is
   * none or one is not a valid topic name, 406 when Accept refuses
   * text/event-stream, 204 once every topic has ended and the client has seen
   * all of it. Override it to check auth or choose topics.
   *
   * @param request - The request, as the Worker passed it to `stub.fetch()`.
   * @returns The response, for the Worker to return unchanged.
   *
   * @example Topics from the path instead of the query
   * ```ts
   * import { HubObject } from "web-sse/cloudflare";
   *
   * export class Feed extends HubObject {
   *   override async fetch(request: Request): Promise<Response> {
   *     const topic = new URL(request.url).pathname.split("/").pop() || "all";
   *     return this.hub.response(request, topic);
   *   }
   * }
   * ```
   */
  async fetch(request: Request): Promise<Response> {
    const asked = new URL(request.url).searchParams.getAll("topic");
    let topics: string[];
    try {
      topics = checkTopics(
        asked,
        "HubObject.fetch",
        'the "topic" query parameter (?topic=a&topic=b)',
      );
    } catch (error) {
      // A client's bad query is a 400, not an exception in the object (a 500).
      const message = error instanceof Error ? error.message : String(error);
      return new Response(`${message}\n`, {
        status: 400,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    return this.hub.response(request, topics);
  }
}

/**
 * Workers RPC keeps the type of a built-in error (a TypeError arrives as one)
 * but turns a subclass into a plain Error: an `SSEEncodeError` is sent on as
 * the TypeError it is, its name kept in the message.
 */
function acrossRpc(error: unknown): unknown {
  if (error instanceof TypeError && error.name !== "TypeError") {
    return new TypeError(`${error.name}: ${error.message}`);
  }
  return error;
}
