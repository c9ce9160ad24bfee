/**
 * What every runtime (Deno, Bun, workerd) must show of web-sse/client, run
 * inside that runtime against the Node-side server of `runtime-server.ts`:
 * the conformance cases at every split point, the property test, and
 * fetchEvents' requests, statuses, reconnects and leaving. Web APIs only, so a
 * Worker can run it too.
 *
 * @module
 */
import {
  type EventStream,
  fetchEvents,
  type SSEEvent,
  SSEResponseError,
} from "../../src/client.ts";
import { CASES } from "./cases.ts";
import { decodeChunks, splitAt } from "./decode.ts";
import { checkDecoderProperty } from "./property.ts";

/** One named check's outcome. */
export interface CheckResult {
  name: string;
  ok: boolean;
  error?: string;
}

function same(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${what}: got ${a}, expected ${b}`);
}

async function take(stream: EventStream, n: number, ms = 10_000): Promise<SSEEvent[]> {
  const events: SSEEvent[] = [];
  const deadline = Date.now() + ms;
  while (events.length < n) {
    if (Date.now() > deadline)
      throw new Error(`only ${events.length} of ${n} events within ${ms} ms`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const result = await Promise.race([
      stream.next(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
    if (result.done) throw new Error(`the stream ended after ${events.length} of ${n} events`);
    events.push(result.value);
  }
  return events;
}

async function conformance(): Promise<void> {
  for (const [name, input, expected] of CASES) {
    const bytes = new TextEncoder().encode(input);
    const splits: Uint8Array[][] = [[bytes], splitAt(bytes, [...bytes.keys()].slice(1))];
    for (let i = 0; i <= bytes.length; i++) splits.push(splitAt(bytes, [i]));
    for (const chunks of splits) {
      const decoded = await decodeChunks(chunks);
      if (decoded.error !== undefined) throw new Error(`${name}: ${String(decoded.error)}`);
      same(
        decoded.events.map((e) => [e.event, e.data, e.id ?? null, e.lastEventId]),
        expected.events.map(([t, d, id, last]) => [t, d, id ?? null, last]),
        `${name} (${chunks.length} chunks)`,
      );
      same(decoded.retries, expected.retries ?? [], `${name} retries`);
      same(decoded.comments, expected.comments ?? [], `${name} comments`);
    }
  }
}

/** The fetchEvents checks against the server at `base` (see runtime-server.ts for its routes). */
function fetchChecks(base: string, run: string): Record<string, () => Promise<void>> {
  const url = (path: string): string => `${base}${path}?run=${encodeURIComponent(run)}`;
  return {
    "POST body, headers and UTF-8 Last-Event-ID go with every attempt": async () => {
      const stream = fetchEvents(url("/echo"), {
        method: "POST",
        headers: { "x-token": "t" },
        body: "h\u00e9llo",
        lastEventId: "s\u00e9",
      });
      try {
        const events = await take(stream, 3);
        same(
          events.map((e) => JSON.parse(e.data)),
          [
            {
              method: "POST",
              body: "h\u00e9llo",
              token: "t",
              lastEventId: "s\u00e9",
              accept: "text/event-stream",
            },
            {
              method: "POST",
              body: "h\u00e9llo",
              token: "t",
              lastEventId: "0-\u2026",
              accept: "text/event-stream",
            },
            {
              method: "POST",
              body: "h\u00e9llo",
              token: "t",
              lastEventId: "1-\u2026",
              accept: "text/event-stream",
            },
          ],
          "what the server saw",
        );
        same(stream.lastEventId, "2-\u2026", "lastEventId");
      } finally {
        stream.close();
      }
    },
    "204 ends the iteration": async () => {
      const events: SSEEvent[] = [];
      for await (const event of fetchEvents(url("/no-content"), { retry: 10 })) events.push(event);
      same(events, [], "events");
    },
    "503 with Retry-After is retried": async () => {
      const statuses: (number | undefined)[] = [];
      const stream = fetchEvents(url("/busy-once"), {
        retry: 10,
        onReconnect: (i) => statuses.push(i.status),
      });
      try {
        same((await take(stream, 1))[0]?.data, "after busy", "event");
        same(statuses, [503], "reconnect statuses");
      } finally {
        stream.close();
      }
    },
    "404 rejects with SSEResponseError": async () => {
      const stream = fetchEvents(url("/missing"), { retry: 10 });
      const error = await stream.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      if (!(error instanceof SSEResponseError)) throw new Error(`got ${String(error)}`);
      same(error.status, 404, "status");
      same(await error.response.text(), "missing\n", "body");
    },
    "a stall reopens the connection": async () => {
      const stream = fetchEvents(url("/stall"), { stallTimeout: 300, retry: 10 });
      try {
        same(
          (await take(stream, 2)).map((e) => e.data),
          ["before", "after"],
          "events",
        );
      } finally {
        stream.close();
      }
    },
    "close() aborts the open request": async () => {
      const stream = fetchEvents(url("/hold"));
      await take(stream, 1);
      const pending = stream.next();
      stream.close();
      same(await pending, { done: true }, "the pending next()");
      // The server notes the close; poll it (bounded).
      for (let i = 0; ; i++) {
        const closed = await (await fetch(url("/closed"))).text();
        if (closed === "yes") return;
        if (i > 100) throw new Error("the server did not see the request close within 5 s");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

/**
 * Runs every check and reports each one; never throws.
 *
 * @param base - The Node-side server's origin.
 * @param run - Names this run on the server (one runtime's requests apart from another's).
 */
export async function runChecks(base: string, run: string): Promise<CheckResult[]> {
  const checks: Record<string, () => Promise<void>> = {
    "conformance cases at every split point": conformance,
    "property test against eventsource-parser": () => checkDecoderProperty(100),
    ...fetchChecks(base, run),
  };
  const results: CheckResult[] = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      results.push({ name, ok: true });
    } catch (error) {
      results.push({
        name,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    }
  }
  return results;
}
