/**
 * The smoke test every runnable example shares (examples/deno, bun, workers):
 * each serves a clock on `/clock` (a plain `sseResponse` route) and
 * `/hono/clock` (Hono `sse()`), ticking every `?interval=` ms, counting on from
 * Last-Event-ID, and logging `<label>: stopped after tick <n>` from the
 * source's `finally` (labels `clock` and `hono clock`).
 *
 * @module
 */
import { afterAll, beforeAll, describe, test } from "vitest";
import { http1, type Transport } from "./client.ts";

/** A started example: where it listens, what it logged, how to stop it. */
export interface RunningExample {
  readonly origin: string;
  /** Everything the example logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Polls the log written after `from` until a line matches `line`; false after `ms`. */
async function logged(
  example: RunningExample,
  from: number,
  line: RegExp,
  ms: number,
): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!line.test(example.log().slice(from))) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * Declares the smoke test of one example.
 *
 * @param title - What runs, e.g. "examples/bun on Bun".
 * @param start - Starts the example; called once in beforeAll.
 * @param leaveWithinMs - How soon the source must stop after the client leaves.
 */
export function describeExample(
  title: string,
  start: () => Promise<RunningExample>,
  leaveWithinMs = 2000,
): void {
  // Concurrent: each test matches only the log lines its own request writes.
  describe(title, { concurrent: true }, () => {
    let example: RunningExample | undefined;
    let transport: Transport | undefined;
    const running = (): { example: RunningExample; transport: Transport } => {
      if (example === undefined || transport === undefined) throw new Error("not started");
      return { example, transport };
    };
    beforeAll(async () => {
      example = await start();
      transport = http1(example.origin);
    });
    afterAll(async () => {
      await example?.stop();
    });

    test("the plain route streams ticks", async ({ expect }) => {
      const { transport } = running();
      const client = await transport.open("/clock?interval=100");
      try {
        expect(client.status).toBe(200);
        expect(client.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
        expect(await client.next(5000)).toMatchObject({ event: "tick", id: "1" });
        expect(await client.next(5000)).toMatchObject({ event: "tick", id: "2" });
      } finally {
        client.close();
      }
    });

    test("the Hono route resumes after the Last-Event-ID of a reconnecting client", async ({
      expect,
    }) => {
      const { transport } = running();
      const client = await transport.open("/hono/clock?interval=100", { "last-event-id": "41" });
      try {
        expect(client.status).toBe(200);
        const first = await client.next(5000);
        expect(first).toMatchObject({ event: "tick", id: "42" });
        expect(JSON.parse(first.data)).toMatchObject({ n: 42 });
        expect(await client.next(5000)).toMatchObject({ event: "tick", id: "43" });
      } finally {
        client.close();
      }
    });

    for (const [route, label] of [
      ["/clock", "clock"],
      ["/hono/clock", "hono clock"],
    ] as const) {
      test(`a client that leaves ${route} stops its parked source before its next tick is due`, async ({
        expect,
      }) => {
        const { example, transport } = running();
        const mark = example.log().length;
        // A minute between ticks: only the sleep tied to ctx.signal can end it early.
        const client = await transport.open(`${route}?interval=60000`);
        try {
          expect(await client.next(5000)).toMatchObject({ event: "tick", id: "1" });
        } finally {
          client.close();
        }
        const stopped = new RegExp(`^${label}: stopped after tick 1$`, "m");
        expect(
          await logged(example, mark, stopped, leaveWithinMs),
          `no "${label}: stopped" line; log:\n${example.log().slice(mark)}`,
        ).toBe(true);
      });
    }

    test("the Hono route answers 406 to a client that does not accept text/event-stream", async ({
      expect,
    }) => {
      const { transport } = running();
      const client = await transport.open("/hono/clock", { accept: "application/json" });
      try {
        expect(client.status).toBe(406);
      } finally {
        client.close();
      }
    });
  });
}
