/**
 * A small app that uses web-sse as a user would after `npm install web-sse`
 * (the core, web-sse/hono and web-sse/hub):
 * scripts/check-published.mjs type-checks it with Deno and tsc against the
 * built package (its exports and .d.ts files), never against src/.
 *
 * The `@ts-expect-error` lines fail the check if the published types turn to
 * `any` (an unresolved .d.ts import does that silently).
 *
 * @module
 */
import { Hono } from "hono";
import {
  acceptsEventStream,
  EncodedEvent,
  encodeEvent,
  lastEventId,
  type SSEChunk,
  type SSEEncodeError,
  type SSEOptions,
  sleep,
  sseResponse,
  sseStream,
} from "web-sse";
import { acceptEventStream, sse } from "web-sse/hono";
import { createHub, type Hub } from "web-sse/hub";

const options: SSEOptions = { keepAlive: 5000, onClose: (reason) => console.log(reason) };

export function handle(request: Request): Response {
  if (!acceptsEventStream(request)) return new Response("Not Acceptable", { status: 406 });
  const from = Number(lastEventId(request));
  return sseResponse(
    async function* ({ signal }) {
      for (let n = Number.isSafeInteger(from) ? from : 0; !signal.aborted; n++) {
        yield { event: "tick", id: n, data: { n } };
        await sleep(1000, signal);
      }
    },
    { ...options, request },
  );
}

const tick: SSEChunk = { event: "tick", data: 1 };
export const text: string = encodeEvent(tick);
export const shared: EncodedEvent = new EncodedEvent([tick, "x"]);
export const body: ReadableStream<Uint8Array> = sseStream([tick]);
export const field: SSEEncodeError["field"] = "event";

const app = new Hono();
app.use("/events/*", acceptEventStream());
app.get(
  "/events/:room",
  sse(async function* (c, { signal }) {
    yield { event: "room", data: c.req.param("room") ?? "" };
    await sleep(10, signal);
  }),
);
export default app;

const hub: Hub = createHub({ history: 100 });
export const news = (request: Request): Promise<Response> => hub.response(request, "news");
export const published: Promise<string> = hub.publish("news", { event: "headline", data: "x" });

// @ts-expect-error: a topic is a string
hub.publish(42, "x");
// @ts-expect-error: ms is a number
sleep("1000");
// @ts-expect-error: not an option
sseResponse([], { keepalive: 1 });
// @ts-expect-error: "data" | "event" | "id" | "retry" | "comment"
export const wrongField: SSEEncodeError["field"] = "nope";
