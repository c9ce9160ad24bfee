import { describe, expect, test } from "vitest";
import { EncodedEvent, type SSEChunk, sseStream } from "../src/index.ts";
import { whenQuiet } from "../src/watchdog.ts";
import { StreamReader } from "./helpers/core-sse.ts";

describe("whenQuiet: what a pull waiting on a quiet source sends", () => {
  test("the batch when there is one", () => {
    expect(whenQuiet(false, true)).toBe("batch");
    expect(whenQuiet(false, false)).toBe("batch");
  });

  test("the opening comment while nothing has gone out yet", () => {
    expect(whenQuiet(true, false)).toBe("comment");
  });

  test("nothing when the batch is empty and the head went out: the pull goes on waiting (the left-over chain fix)", () => {
    expect(whenQuiet(true, true)).toBe("wait");
  });
});

describe("the pull loop with sources that mix ready and slow answers", () => {
  /** A promise that settles `n` microtasks after the call. */
  function settlesAfter<T>(n: number, value: T): Promise<T> {
    let p: Promise<unknown> = Promise.resolve();
    for (let i = 1; i < n; i++) p = p.then();
    return p.then(() => value);
  }

  test.each([1, 3, 7, 9, 12])(
    "an event that comes on a timer after a quick EncodedEvent (%s microtasks) still reaches a client with reads pending",
    async (k) => {
      let calls = 0;
      const source = {
        [Symbol.asyncIterator]: () => ({
          next: (): Promise<IteratorResult<unknown>> => {
            calls++;
            if (calls === 1) return settlesAfter(1, { done: false, value: "a" });
            if (calls === 2) return settlesAfter(k, { done: false, value: new EncodedEvent("b") });
            if (calls === 3)
              return new Promise((resolve) =>
                setTimeout(() => resolve({ done: false, value: "c" }), 20),
              );
            return new Promise(() => {});
          },
        }),
      };
      const reader = new StreamReader(
        sseStream(source as AsyncIterable<SSEChunk>, { keepAlive: false }),
      );
      // Several reads at once, as a runtime may issue them.
      await Promise.all([reader.read(1000), reader.read(1000), reader.read(1000)]);
      expect(reader.text).toBe("data: a\n\ndata: b\n\ndata: c\n\n");
      await reader.reader.cancel();
    },
  );
});
