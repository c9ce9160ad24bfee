/**
 * A test Worker routing rooms to `HubObject`s, as a user's Worker would:
 *
 * - `GET /rooms/<room>/events?topic=…` → `stub.fetch(request)`, returned unchanged
 *   (`&keepalive=<ms>` and `&retry=<ms>` go through a subclass's own `fetch`);
 * - `POST /rooms/<room>/publish?topic=…` with a JSON message → `stub.publish()`;
 * - `POST /rooms/<room>/end?topic=…` → `stub.end()`;
 * - `GET /rooms/<room>/subscribers[?topic=…]` → `stub.subscribers()`.
 *
 * An RPC rejection comes back as 400 with the error's name and message.
 *
 * @module
 */

import { HubObject, type HubObjectOptions } from "../../src/cloudflare.ts";
import type { SSEChunk } from "../../src/index.ts";

/** The RPC surface a Worker sees on a HubObject stub. */
interface HubStub {
  fetch(request: Request): Promise<Response>;
  publish(topic: string, message: SSEChunk): Promise<string>;
  end(topic: string): Promise<void>;
  subscribers(topic?: string): Promise<number>;
}

interface Env {
  HUB: { getByName(name: string): HubStub };
}

/** A HubObject with a short history and an optional fast keepalive. */
export class TestHub extends HubObject<Env> {
  protected override hubOptions(): HubObjectOptions {
    return { history: 50 };
  }

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const keepAlive = url.searchParams.get("keepalive");
    const retry = url.searchParams.get("retry");
    if (keepAlive === null && retry === null) return super.fetch(request);
    return this.hub.response(request, url.searchParams.getAll("topic"), {
      ...(keepAlive === null ? {} : { keepAlive: Number(keepAlive) }),
      ...(retry === null ? {} : { retry: Number(retry) }),
    });
  }
}

const ROUTE = /^\/rooms\/([^/]+)\/(events|publish|end|subscribers)$/;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const match = ROUTE.exec(url.pathname);
    if (match === null) return new Response("not found\n", { status: 404 });
    const [, room = "", action] = match;
    const hub = env.HUB.getByName(decodeURIComponent(room));
    const topic = url.searchParams.get("topic");
    try {
      switch (action) {
        case "events":
          return await hub.fetch(request);
        case "publish": {
          const message = (await request.json()) as SSEChunk;
          return Response.json({ id: await hub.publish(topic ?? "", message) });
        }
        case "end":
          await hub.end(topic ?? "");
          return new Response(null, { status: 204 });
        default:
          return Response.json(await hub.subscribers(topic ?? undefined));
      }
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      return Response.json({ name, message }, { status: 400 });
    }
  },
};
