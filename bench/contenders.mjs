/**
 * The contenders of the throughput benchmark. Each `respond(events)` returns
 * (a promise of) a Fetch Response whose body streams `events`, fed by the same
 * async generator (`source`), written the way each library's docs show.
 *
 * @module
 */
import { createResponse } from "better-sse";
import { encode } from "eventsource-encoder";
import { createEventStream, H3 } from "h3";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import { sseResponse } from "../dist/index.js";
import { dataText, source } from "./workloads.mjs";

const LINE_BREAK = /\r\n|\r|\n/;

/** web-sse: the generator goes straight in; data objects are JSON-encoded by the library. */
function webSse(events) {
  return sseResponse(source(events));
}

/** Hono's streamSSE through `app.request()`: one awaited writeSSE per event. */
function hono() {
  let current;
  const app = new Hono();
  app.get("/sse", (c) =>
    streamSSE(c, async (stream) => {
      for await (const e of source(current)) {
        await stream.writeSSE({ event: e.event, id: String(e.id), data: dataText(e.data) });
      }
    }),
  );
  return (events) => {
    current = events;
    return app.request("/sse");
  };
}

/**
 * h3 v2: `createEventStream(event)` returned from a handler, driven through
 * `app.request()` (no server); a task pushes one awaited event at a time, then closes.
 */
function h3() {
  let current;
  const app = new H3();
  app.get("/sse", (event) => {
    const stream = createEventStream(event);
    (async () => {
      for await (const e of source(current)) {
        // h3 writes only string ids and string data.
        await stream.push({ event: e.event, id: String(e.id), data: dataText(e.data) });
      }
      await stream.close();
    })();
    return stream;
  });
  return (events) => {
    current = events;
    return app.request("/sse");
  };
}

/**
 * better-sse in Fetch mode: `createResponse(request, cb)` hands over a session
 * once connected; it pushes every event (push is synchronous: no backpressure),
 * then the request's signal is aborted, which is how a Fetch session ends.
 * The serializer passes strings through (the default would JSON-quote them).
 */
function betterSse(events) {
  const controller = new AbortController();
  const request = new Request("http://bench.local/sse", { signal: controller.signal });
  const serializer = (data) => (typeof data === "string" ? data : JSON.stringify(data));
  return createResponse(request, { serializer }, async (session) => {
    for await (const e of source(events)) session.push(e.data, e.event, String(e.id));
    controller.abort();
  });
}

/** eventsource-encoder's `encode()` in a pull ReadableStream, one enqueue per event. */
function eventsourceEncoder(events) {
  const encoder = new TextEncoder();
  const iterator = source(events);
  const body = new ReadableStream({
    async pull(controller) {
      const { value: e, done } = await iterator.next();
      if (done) controller.close();
      else
        controller.enqueue(
          encoder.encode(encode({ event: e.event, id: e.id, data: dataText(e.data) })),
        );
    },
    cancel() {
      return iterator.return();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/**
 * What a careful user writes by hand: a pull ReadableStream over the generator,
 * each event encoded with TextEncoder (data split on CRLF, LF and CR), one
 * enqueue per event.
 */
function handWritten(events) {
  const encoder = new TextEncoder();
  const iterator = source(events);
  const body = new ReadableStream({
    async pull(controller) {
      const { value: e, done } = await iterator.next();
      if (done) {
        controller.close();
        return;
      }
      let text = `event: ${e.event}\nid: ${e.id}\n`;
      for (const line of dataText(e.data).split(LINE_BREAK)) text += `data: ${line}\n`;
      controller.enqueue(encoder.encode(`${text}\n`));
    },
    cancel() {
      return iterator.return();
    },
  });
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

/** In table order; `key` is what `--only` matches. */
export function contenders() {
  return [
    { key: "web-sse", name: "web-sse sseResponse", respond: webSse },
    { key: "hand", name: "hand-written ReadableStream", respond: handWritten },
    { key: "encoder", name: "eventsource-encoder + ReadableStream", respond: eventsourceEncoder },
    { key: "hono", name: "Hono streamSSE", respond: hono() },
    { key: "h3", name: "h3 createEventStream", respond: h3() },
    { key: "better-sse", name: "better-sse createResponse", respond: betterSse },
  ];
}
