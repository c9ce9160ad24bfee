/**
 * The server side of the runtime matrix: one fetch handler that every runtime
 * (Node, Deno, Bun, workerd) serves unchanged.
 *
 * - `/plain/<scenario>?key=K` answers with `sseResponse` straight from the fetch handler;
 * - `/hono/<scenario>?key=K` goes through a Hono app and `sse()`;
 * - `/journal?key=K` returns, as JSON, what the server noted for that key: when
 *   the source started, what Last-Event-ID it saw, when its `finally` ran, and
 *   each `onClose` reason. The tests read it to see what happened on the server.
 *
 * Every source waits with {@link sleep} tied to `ctx.signal`, so a parked source
 * wakes up and reaches its `finally` as soon as the stream ends.
 *
 * @module
 */
import { Hono } from "hono";
import { sse } from "../../../src/hono.ts";
import { type SSEChunk, type SSEContext, sseResponse } from "../../../src/index.ts";

/** What a scenario gets: the stream's ctx and a way to note things under the request's key. */
type Scenario = (ctx: SSEContext, note: (entry: string) => void) => AsyncGenerator<SSEChunk>;

/** The non-ASCII part of the ids `resume` sends (an ellipsis and an e with acute accent). */
export const ID_SUFFIX = "…é";

const journal = new Map<string, string[]>();

function noteFor(key: string): (entry: string) => void {
  return (entry) => {
    const entries = journal.get(key) ?? [];
    entries.push(entry);
    journal.set(key, entries);
  };
}

/** Waits `ms`, or less: it resolves as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

/** Runs `body` between a "start" and a "finally" note. */
function tracked(body: Scenario): Scenario {
  return async function* (ctx, note) {
    note("start");
    try {
      yield* body(ctx, note);
    } finally {
      note("finally");
    }
  };
}

const scenarios: Record<string, Scenario> = {
  /** Waits 3 s before its first event, then parks until the stream ends. */
  "slow-start": tracked(async function* ({ signal }) {
    await sleep(3000, signal);
    if (signal.aborted) return;
    yield { event: "first", data: "after 3 s" };
    await sleep(120_000, signal);
  }),
  /** One event at once, then parks until the stream ends. */
  park: tracked(async function* ({ signal }) {
    yield { event: "ready", data: "parked" };
    await sleep(120_000, signal);
  }),
  /** An event every 500 ms until the stream ends. */
  tick: tracked(async function* ({ signal }) {
    for (let n = 1; !signal.aborted; n++) {
      yield { event: "tick", data: String(n) };
      await sleep(500, signal);
    }
  }),
  /** One event, 12 s of silence (longer than Bun's idle timeout), another, the end. */
  quiet: tracked(async function* ({ signal }) {
    yield { event: "before", data: "1" };
    await sleep(12_000, signal);
    if (signal.aborted) return;
    yield { event: "after", data: "2" };
  }),
  /** One event and the end, all before the response head can go out. */
  instant: async function* () {
    yield { event: "only", data: "one" };
  },
  /** Three events, then the source returns. */
  finite: tracked(async function* () {
    for (let n = 1; n <= 3; n++) yield { id: n, data: `event ${n}` };
  }),
  /**
   * Two counted events from the Last-Event-ID (a plain number), a short retry,
   * then the end: an EventSource reconnects and the count carries on.
   */
  relay: tracked(async function* ({ lastEventId }, note) {
    note(`last-event-id:${lastEventId ?? ""}`);
    const from = lastEventId === undefined ? 0 : Number.parseInt(lastEventId, 10);
    yield { retry: 100, event: "count", id: from + 1, data: String(from + 1) };
    yield { event: "count", id: from + 2, data: String(from + 2) };
  }),
  /**
   * Counts on from the Last-Event-ID ("<n>…é"): events n+1, n+2, n+3, each with
   * the id seen as data, then parks until the stream ends.
   */
  resume: tracked(async function* ({ signal, lastEventId }, note) {
    note(`last-event-id:${lastEventId ?? ""}`);
    const from = lastEventId === undefined ? 0 : Number.parseInt(lastEventId, 10);
    for (let n = from + 1; n <= from + 3; n++) {
      yield { id: `${n}${ID_SUFFIX}`, data: lastEventId ?? "" };
    }
    await sleep(120_000, signal);
  }),
};

function scenarioOf(name: string | undefined): Scenario | undefined {
  return name !== undefined && Object.hasOwn(scenarios, name) ? scenarios[name] : undefined;
}

function notFound(): Response {
  return new Response("no such scenario\n", { status: 404 });
}

const hono = new Hono();
hono.get("/hono/:scenario", (c, next) => {
  const scenario = scenarioOf(c.req.param("scenario"));
  if (scenario === undefined) return notFound();
  const note = noteFor(c.req.query("key") ?? "");
  // sse() is built per request here only so that onClose knows the request's key.
  const handler = sse((_c, ctx) => scenario(ctx, note), {
    onClose: (reason) => note(`close:${reason}`),
  });
  return handler(c, next);
});

/** The plain route: `sseResponse` straight from a fetch handler. */
function plain(request: Request, name: string | undefined, key: string): Response {
  const scenario = scenarioOf(name);
  if (scenario === undefined) return notFound();
  const note = noteFor(key);
  return sseResponse((ctx) => scenario(ctx, note), {
    request,
    onClose: (reason) => note(`close:${reason}`),
  });
}

/**
 * The fetch handler every runtime serves. `rest` (a runtime's env, execution
 * context or server) goes on to Hono untouched.
 */
export function handle(request: Request, ...rest: unknown[]): Response | Promise<Response> {
  const url = new URL(request.url);
  const key = url.searchParams.get("key") ?? "";
  const [, kind, name] = url.pathname.split("/");
  if (kind === "journal") {
    return Response.json(journal.get(key) ?? [], { headers: { "cache-control": "no-store" } });
  }
  if (kind === "plain") return plain(request, name, key);
  if (kind === "hono") return hono.fetch(request, rest[0], rest[1] as never);
  return notFound();
}
