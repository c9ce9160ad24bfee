/**
 * web-sse on Cloudflare Workers: a plain fetch route and a Hono route in one
 * module Worker, and a chat room per Durable Object on `HubObject` (./chat.ts).
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
import { type SSEContext, sleep, sseResponse } from "web-sse";
import { sse } from "web-sse/hono";
import { type ChatEnv, chat } from "./chat.ts";

// Durable Object classes are exported from the Worker's main module.
export { ChatRoom } from "./chat.ts";

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

// The Hono route: sse() negotiates Accept (406 otherwise) and follows request.signal.
const app = new Hono();
app.get(
  "/hono/clock",
  sse((c, ctx) => clock(ctx, intervalOf(c.req.query("interval")), "hono clock"), {
    onClose: (reason) => console.log(`hono clock: closed (${reason})`),
  }),
);
app.get("/", (c) =>
  c.text("Try /clock or /hono/clock (add ?interval=250 to tick faster), or /chat\n"),
);

export default {
  async fetch(request: Request, env: ChatEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const answer = await chat(request, env);
    if (answer !== undefined) return answer;
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
