/**
 * web-sse on Cloudflare Workers: a plain fetch route and a Hono route in one
 * module Worker.
 *
 * Streaming needs only a recent `compatibility_date`; noticing that a client
 * left needs the `enable_request_signal` flag (see wrangler.jsonc), and
 * workerd notices at the stream's next write: an event, or the 5 s keepalive
 * at the latest. Without the flag a source of a departed client is never told.
 *
 * Run in this folder: `npx wrangler dev`.
 *
 * @module
 */
import { type ExecutionContext, Hono } from "hono";
import { type SSEContext, sseResponse } from "web-sse";
import { sse } from "web-sse/hono";

/**
 * Waits `ms`, but resolves at once when `signal` aborts: a source parked here
 * wakes up as soon as the stream ends, and its `finally` runs.
 */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Ticks every `interval` ms, counting on from the Last-Event-ID of a reconnecting client. */
async function* clock({ signal, lastEventId }: SSEContext, interval: number, label: string) {
  let n = Number(lastEventId) || 0;
  try {
    while (!signal.aborted) {
      yield { event: "tick", id: ++n, data: { n, at: new Date().toISOString() } };
      await sleep(interval, signal);
    }
  } finally {
    console.log(`${label}: stopped after tick ${n}`);
  }
}

const intervalOf = (value: string | null | undefined) => Number(value) || 1000;

// The Hono route: sse() negotiates Accept (406 otherwise) and follows request.signal.
const app = new Hono();
app.get(
  "/hono/clock",
  sse((c, ctx) => clock(ctx, intervalOf(c.req.query("interval")), "hono clock"), {
    onClose: (reason) => console.log(`hono clock: closed (${reason})`),
  }),
);
app.get("/", (c) => c.text("Try /clock or /hono/clock (add ?interval=250 to tick faster)\n"));

export default {
  fetch(request: Request, env: unknown, ctx: ExecutionContext): Response | Promise<Response> {
    const url = new URL(request.url);
    // The plain route: any fetch handler can return sseResponse().
    if (url.pathname === "/clock") {
      const interval = intervalOf(url.searchParams.get("interval"));
      return sseResponse((sse) => clock(sse, interval, "clock"), {
        request,
        onClose: (reason) => console.log(`clock: closed (${reason})`),
      });
    }
    return app.fetch(request, env as object, ctx);
  },
};
