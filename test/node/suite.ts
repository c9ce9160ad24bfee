/**
 * One suite for every Node server under test: streaming, headers, the
 * client leaving, and one hub test, each over a real socket on 127.0.0.1.
 *
 * @module
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { waitFor, within } from "../helpers/core-sse.ts";
import type { Transport } from "../runtimes/shared/client.ts";
import { type AppState, appState } from "./app.ts";

/** A server the suite can run against. */
export interface Running {
  transport: Transport;
  /** Headers the framework's middleware set before the handler ran (name: value, lower case). */
  middlewareHeaders?: Record<string, string> | undefined;
  stop(): Promise<void>;
}

/**
 * @param title - The server, e.g. "node:http".
 * @param start - Starts it with the shared state; the handler of `app.ts` must be mounted.
 */
export function describeNodeServer(
  title: string,
  start: (state: AppState) => Promise<Running>,
): void {
  describe(title, () => {
    let state: AppState;
    let running: Running;
    let errors: unknown[][];
    beforeAll(async () => {
      state = appState();
      running = await start(state);
    });
    afterAll(async () => {
      running.transport.dispose();
      await state.hub.close();
      await running.stop();
    });
    afterEach(() => {
      state.closes.length = 0;
      state.finallies = 0;
      state.settled.length = 0;
      state.lastEventIds.length = 0;
    });
    const spyErrors = () => {
      errors = [];
      const spy = vi.spyOn(console, "error").mockImplementation((...args) => {
        errors.push(args);
      });
      return spy;
    };

    test("streams the source's events, retry first, with the event-stream headers", async () => {
      const client = await running.transport.open("/stream", { "last-event-id": "7" });
      try {
        expect(client.status).toBe(200);
        expect(client.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
        expect(client.headers["cache-control"]).toBe("no-cache, no-transform");
        expect(client.headers["x-accel-buffering"]).toBe("no");
        expect(client.headers["content-length"]).toBeUndefined();
        for (const [name, value] of Object.entries(running.middlewareHeaders ?? {})) {
          expect(client.headers[name]).toBe(value);
        }
        const events = [await client.next(5000), await client.next(5000), await client.next(5000)];
        expect(events.map((e) => e.id)).toEqual(["1", "2", "3"]);
        expect(events[2]?.data).toBe("line 1\nline 2");
        expect((await client.next(5000)).data).toBe('{"n":4}');
        expect(state.lastEventIds).toEqual(["7"]);
      } finally {
        client.close();
      }
      await waitFor(() => state.settled.length === 1, 5000, "sendSSE settled");
    });

    test("the client leaving returns the source, calls onClose('cancel') once, resolves, prints no error", async () => {
      const spy = spyErrors();
      try {
        const client = await running.transport.open("/stream");
        await client.next(5000);
        client.close();
        await waitFor(
          () => state.settled.length === 1,
          5000,
          "sendSSE resolved after the client left",
        );
        expect(state.finallies).toBe(1);
        expect(state.closes).toEqual(["cancel"]);
        expect(state.settled).toEqual(["resolved"]);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(state.closes).toEqual(["cancel"]);
        expect(errors).toEqual([]);
      } finally {
        spy.mockRestore();
      }
    });

    test("a source that ends closes the response normally: onClose('done'), then resolved", async () => {
      const client = await running.transport.open("/done");
      expect((await client.next(5000)).data).toBe("one");
      expect((await client.next(5000)).event).toBe("two");
      await client.ended(5000);
      await waitFor(() => state.settled.length === 1, 5000, "sendSSE resolved");
      expect(state.closes).toEqual(["done"]);
    });

    test("sendHub: replay from Last-Event-ID, then live, and the subscriber leaves with the client", async () => {
      const first = await running.transport.open("/hub");
      await waitFor(() => state.hub.subscribers("room") === 1, 5000, "subscribed");
      const a = await state.hub.publish("room", { event: "chat", data: "a" });
      await state.hub.publish("room", { event: "chat", data: "b" });
      expect((await first.next(5000)).data).toBe("a");
      expect((await first.next(5000)).data).toBe("b");
      const second = await running.transport.open("/hub", { "last-event-id": a });
      expect((await second.next(5000)).data).toBe("b");
      await state.hub.publish("room", { event: "chat", data: "c" });
      expect((await first.next(5000)).data).toBe("c");
      expect((await second.next(5000)).data).toBe("c");
      first.close();
      second.close();
      await waitFor(() => state.hub.subscribers("room") === 0, 5000, "unsubscribed");
      await within(
        waitFor(() => state.closes.length === 2, 5000, "onClose twice"),
        6000,
        "closes",
      );
      expect(state.closes).toEqual(["cancel", "cancel"]);
    });
  });
}
