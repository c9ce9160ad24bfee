/**
 * web-sse on Bun: a plain fetch route and a Hono route, served by `Bun.serve`
 * with its default settings (web-sse's 5 s keepalive outlasts Bun's 10 s idle
 * timeout on a quiet stream).
 *
 * Run from the repository root: `npm run build && bun examples/bun/server.ts`
 * then `curl -N http://127.0.0.1:3000/clock`.
 *
 * @module
 */
import { Hono } from "hono";
import { type SSEContext, sleep, sseResponse } from "web-sse";
import { sse } from "web-sse/hono";

/** Ticks every `interval` ms, counting on from the Last-Event-ID of a reconnecting client. */
async function* clock({ signal, lastEventId }: SSEContext, interval: number, label: string) {
  // The client sends back whatever id it saw last: count on only from a whole number.
  let n = Number(lastEventId);
  if (!Number.isSafeInteger(n)) n = 0;
  try {
    while (!signal.aborted) {
      yield { event: "tick", id: ++n, data: { n, at: new Date().toISOString() } };
      // Ends at once when the client leaves (ctx.signal aborts), so `finally` runs now.
      await sleep(interval, signal);
    }
  } finally {
    console.log(`${label}: stopped after tick ${n}`);
  }
}

/** `?interval=` in ms: a number from 10 to 60000, else 1000 (sleep() refuses negative ms). */
function intervalOf(value: string | null | undefined): number {
  const ms = Number(value);
  return ms >= 10 && ms <= 60_000 ? ms : 1000;
}

// The Hono route: sse() negotiates Accept (406 otherwise) and follows the client's disconnect.
const app = new Hono();
app.get(
  "/hono/clock",
  sse((c, ctx) => clock(ctx, intervalOf(c.req.query("interval")), "hono clock"), {
    onClose: (reason) => console.log(`hono clock: closed (${reason})`),
  }),
);
app.get("/", (c) => c.text("Try /clock or /hono/clock (add ?interval=250 to tick faster)\n"));

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 3000),
  fetch(request) {
    const url = new URL(request.url);
    // The plain route: any fetch handler can return sseResponse().
    if (url.pathname === "/clock") {
      const interval = intervalOf(url.searchParams.get("interval"));
      return sseResponse((ctx) => clock(ctx, interval, "clock"), {
        request,
        onClose: (reason) => console.log(`clock: closed (${reason})`),
      });
    }
    return app.fetch(request);
  },
});

console.log(`Listening on ${server.url}`);
