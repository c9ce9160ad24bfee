/**
 * web-sse/cloudflare: the hub in a Durable Object. One hub per object (one
 * object per room, say), its history and epoch in the object's SQLite
 * storage, so replay by Last-Event-ID survives the object's restart.
 *
 * Uses only Workers APIs: it imports `DurableObject` from `cloudflare:workers`,
 * so it runs on workerd (Cloudflare Workers, `wrangler dev`, miniflare), and
 * its types need the Workers types (`wrangler types` or
 * `@cloudflare/workers-types`) that declare that module.
 *
 * @example A room per object
 * ```ts
 * import { HubObject } from "web-sse/cloudflare";
 *
 * export class Room extends HubObject {}
 *
 * export default {
 *   async fetch(request: Request, env: { ROOMS: DurableObjectNamespace<Room> }) {
 *     const url = new URL(request.url);
 *     const room = env.ROOMS.getByName(url.searchParams.get("room") ?? "lobby");
 *     if (request.method === "POST") {
 *       return Response.json({ id: await room.publish("chat", { data: await request.text() }) });
 *     }
 *     // Subscribers: GET /?room=lobby&topic=chat, answered by the object as is.
 *     return room.fetch(request);
 *   },
 * };
 * ```
 * @module
 */

export { HubObject, type HubObjectOptions } from "./cloudflare/hub-object.ts";
export {
  type SqliteBackendOptions,
  type SqlStorageLike,
  type SqlValue,
  sqliteBackend,
} from "./cloudflare/sqlite-backend.ts";
