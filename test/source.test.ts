import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import type { SSEChunk } from "../src/index.ts";
import { checkSource, openSource, type SSEContext, toCursor } from "../src/source.ts";
import { RejectionWatch, sleep, waitFor } from "./helpers/core-sse.ts";

const rejections = new RejectionWatch();
beforeAll(() => rejections.install());
afterAll(() => rejections.uninstall());
afterEach(async () => {
  await sleep(10);
  expect(rejections.reasons).toEqual([]);
});

function ctx(): SSEContext {
  return { signal: new AbortController().signal, lastEventId: undefined };
}

async function drain(cursor: ReturnType<typeof toCursor>): Promise<unknown[]> {
  const values: unknown[] = [];
  for (;;) {
    const result = await cursor.next();
    if (result.done) return values;
    values.push(result.value);
  }
}

describe("checkSource", () => {
  test.each([
    ["an array", ["a"]],
    ["a Set", new Set(["a"])],
    ["a sync generator", (function* () {})()],
    ["an async generator", (async function* () {})()],
    ["a ReadableStream", new ReadableStream()],
    ["a function", () => []],
    ["an async function", async () => []],
  ])("accepts %s", (_, source) => {
    expect(() => checkSource(source)).not.toThrow();
  });

  test.each([
    ["a number", 1, /got 1\)/],
    ["a plain object", { a: 1 }, /got \{"a":1\}/],
    ["null", null, /got null/],
    ["undefined", undefined, /got undefined/],
    ["a bare string", "abc", /bare string/],
    ["a Promise", Promise.resolve([]), /pass a function: async \(ctx\) => source/],
  ])("refuses %s with a TypeError that says what to pass", (_, source, hint) => {
    expect(() => checkSource(source)).toThrow(TypeError);
    expect(() => checkSource(source)).toThrow(hint);
  });
});

describe("openSource", () => {
  test("opens a sync iterable synchronously (no microtask before the first event)", () => {
    const cursor = openSource(["a", "b"], ctx());
    expect(cursor).not.toBeInstanceOf(Promise);
    const first = (cursor as ReturnType<typeof toCursor>).next();
    expect(first).toEqual({ done: false, value: "a" });
  });

  test("calls a source function once with ctx, synchronously when it returns an iterable", () => {
    const context = ctx();
    const calls: SSEContext[] = [];
    const cursor = openSource((c: SSEContext) => {
      calls.push(c);
      return ["x"];
    }, context);
    expect(calls).toEqual([context]);
    expect(cursor).not.toBeInstanceOf(Promise);
  });

  test("awaits a source function's promise", async () => {
    const cursor = await openSource(async () => {
      await sleep(1);
      return ["late"];
    }, ctx());
    expect(await drain(cursor as ReturnType<typeof toCursor>)).toEqual(["late"]);
  });

  test.each([
    ["a number", () => 5],
    ["a bare string", () => "abc"],
    ["null", () => null],
  ])("throws a TypeError when a source function returns %s", (_, source) => {
    expect(() => openSource(source, ctx())).toThrow(TypeError);
  });

  test("rejects with a TypeError when a source function resolves to a non-iterable", async () => {
    await expect(openSource(async () => 5, ctx())).rejects.toThrow(TypeError);
  });
});

describe("cursors over each kind", () => {
  test("read every kind in order", async () => {
    const items: SSEChunk[] = ["a", { data: "b" }];
    expect(await drain(toCursor(items))).toEqual(items);
    expect(
      await drain(
        toCursor(
          (async function* () {
            yield* items;
          })(),
        ),
      ),
    ).toEqual(items);
    expect(
      await drain(
        toCursor(
          new ReadableStream({
            start(controller) {
              for (const item of items) controller.enqueue(item);
              controller.close();
            },
          }),
        ),
      ),
    ).toEqual(items);
  });

  test("close() returns a suspended sync generator (its finally runs)", () => {
    let finallyRan = false;
    const cursor = toCursor(
      (function* () {
        try {
          yield "a";
          yield "b";
        } finally {
          finallyRan = true;
        }
      })(),
    );
    cursor.next();
    cursor.close(undefined);
    expect(finallyRan).toBe(true);
  });

  test("close() returns a suspended async generator (its finally runs)", async () => {
    let finallyRan = false;
    const cursor = toCursor(
      (async function* () {
        try {
          yield "a";
          yield "b";
        } finally {
          finallyRan = true;
        }
      })(),
    );
    await cursor.next();
    cursor.close(undefined);
    await waitFor(() => finallyRan, 1000, "the generator's finally");
  });

  test("close() cancels a ReadableStream with the reason, even while a read is pending", async () => {
    let reason: unknown;
    const cursor = toCursor(
      new ReadableStream({
        cancel(r) {
          reason = r;
        },
      }),
    );
    const pending = cursor.next();
    cursor.close("the end");
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    expect(reason).toBe("the end");
  });

  test("close() never throws and leaves no rejection, whatever return() does", async () => {
    const throwing = toCursor({
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: "x" }),
        return: () => {
          throw new Error("return threw");
        },
      }),
    });
    expect(() => throwing.close(undefined)).not.toThrow();
    const rejecting = toCursor({
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ done: false, value: "x" }),
        return: () => Promise.reject(new Error("return rejected")),
      }),
    });
    expect(() => rejecting.close(undefined)).not.toThrow();
    const syncThrowing = toCursor({
      [Symbol.iterator]: () => ({
        next: () => ({ done: false, value: "x" }),
        return: () => {
          throw new Error("return threw");
        },
      }),
    });
    expect(() => syncThrowing.close(undefined)).not.toThrow();
    const erroring = toCursor(
      new ReadableStream({
        cancel() {
          throw new Error("cancel threw");
        },
      }),
    );
    expect(() => erroring.close(undefined)).not.toThrow();
  });

  test("close() on a generator that is running (it ended the stream itself) does not throw", () => {
    let cursor: ReturnType<typeof toCursor> | undefined;
    let closed = false;
    const generator = (function* () {
      cursor?.close(undefined);
      closed = true;
      yield "a";
    })();
    cursor = toCursor(generator);
    expect(() => cursor?.next()).not.toThrow();
    expect(closed).toBe(true);
  });

  test("an iterator without return() is closed without error", () => {
    const cursor = toCursor({
      [Symbol.iterator]: () => ({ next: () => ({ done: true, value: undefined }) }),
    });
    expect(() => cursor.close(undefined)).not.toThrow();
  });
});
