/**
 * The validation kit (src/check.ts), and the rule it gives every entry point:
 * a value of the wrong type is a TypeError, a number out of range a
 * RangeError, and the message names the option, the rule and the value.
 */
import { describe, expect, test } from "vitest";
import { concat, duration, integer, isSignal, newEpoch, show, signal } from "../src/check.ts";
import { sqliteBackend } from "../src/cloudflare/sqlite-backend.ts";
import { createHub, memoryBackend } from "../src/hub.ts";
import { redisBackend } from "../src/redis.ts";

describe("show", () => {
  test.each([
    ["a string, quoted so a line break shows", "a\nb", '"a\\nb"'],
    ["a number as written", 1.5, "1.5"],
    ["NaN, which JSON would hide as null", Number.NaN, "NaN"],
    ["-Infinity", Number.NEGATIVE_INFINITY, "-Infinity"],
    ["a bigint", 10n, "10n"],
    ["undefined", undefined, "undefined"],
    ["null", null, "null"],
    ["a symbol", Symbol("s"), "Symbol(s)"],
    ["a named function by its name, not its source", function tick() {}, "function tick"],
    ["a plain object as JSON", { a: 1 }, '{"a":1}'],
    ["an array as JSON", ["a", 1], '["a",1]'],
    ["bytes by class and size", new Uint8Array(10), "Uint8Array(10 bytes)"],
    ["a Date by class and time", new Date(0), "Date(1970-01-01T00:00:00.000Z)"],
    ["an instance of another class by its class", new Map(), "Map"],
  ])("shows %s", (_, value, shown) => {
    expect(show(value)).toBe(shown);
  });

  test("cuts a long value to 60 characters, ending in ...", () => {
    const shown = show("x".repeat(500));
    expect(shown).toHaveLength(60);
    expect(shown.endsWith("...")).toBe(true);
  });

  test("shows an object JSON cannot write (a cycle) by its tag, without throwing", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(show(cycle)).toBe("[object Object]");
  });
});

describe("integer and duration", () => {
  const at = { where: "f", name: "n" };

  test("integer returns the value or the fallback", () => {
    expect(integer(at, 5, 1, 0)).toBe(5);
    expect(integer(at, undefined, 7, 0)).toBe(7);
  });

  test.each([
    ["a string", "5", TypeError],
    ["a boolean", true, TypeError],
    ["null", null, TypeError],
    ["below min", -1, RangeError],
    ["a fraction", 1.5, RangeError],
    ["NaN", Number.NaN, RangeError],
    ["Infinity", Number.POSITIVE_INFINITY, RangeError],
    ["past the safe integers", 2 ** 53, RangeError],
  ])(
    "integer refuses %s with the right class, naming where, the option and the value",
    (_, value, type) => {
      expect(() => integer(at, value, 1, 0, " ms")).toThrow(type);
      expect(() => integer(at, value, 1, 0, " ms")).toThrow(
        `f: "n" must be a safe integer >= 0 ms (got ${show(value)})`,
      );
    },
  );

  test("duration takes false (and 0) as off, and the same classes as integer", () => {
    expect(duration(at, false, 5)).toBe(0);
    expect(duration(at, 0, 5)).toBe(0);
    expect(duration(at, undefined, 5)).toBe(5);
    expect(() => duration(at, "5", 5)).toThrow(TypeError);
    expect(() => duration(at, true, 5)).toThrow(TypeError);
    expect(() => duration(at, -1, 5)).toThrow(RangeError);
    expect(() => duration(at, 0.5, 5)).toThrow(/whole number of milliseconds >= 0, or false/);
  });
});

describe("signal", () => {
  test("accepts an AbortSignal or undefined and refuses anything else with a TypeError", () => {
    const { signal: s } = new AbortController();
    expect(isSignal(s)).toBe(true);
    expect(signal({ where: "", name: "signal" }, s)).toBe(s);
    expect(signal({ where: "", name: "signal" }, undefined)).toBeUndefined();
    expect(isSignal({ aborted: false })).toBe(false);
    expect(() => signal({ where: "", name: "signal" }, {})).toThrow(
      new TypeError('"signal" must be an AbortSignal (got {})'),
    );
  });
});

describe("concat", () => {
  test("joins chunks in order, counting the length itself when not given", () => {
    const a = new Uint8Array([1, 2]);
    const b = new Uint8Array([3]);
    expect([...concat([a, b])]).toEqual([1, 2, 3]);
    expect([...concat([a, b], 3)]).toEqual([1, 2, 3]);
    expect(concat([]).byteLength).toBe(0);
  });

  test("hands a single chunk back as is, without a copy", () => {
    const only = new Uint8Array([1]);
    expect(concat([only])).toBe(only);
  });
});

describe("newEpoch", () => {
  test("is 10 characters of [a-z0-9], different each time", () => {
    const epochs = new Set(Array.from({ length: 100 }, () => newEpoch()));
    expect(epochs.size).toBe(100);
    for (const epoch of epochs) expect(epoch).toMatch(/^[a-z0-9]{10}$/);
  });
});

describe("one rule for bounds, whichever entry point checks them", () => {
  const fakeRedis = { duplicate() {}, call() {} } as never;
  const entries: [string, (options: Record<string, unknown>) => unknown, string][] = [
    ["createHub", (o) => createHub(o), "history"],
    ["createHub", (o) => createHub(o), "maxQueued"],
    ["memoryBackend", (o) => memoryBackend(o), "maxTopics"],
    ["memoryBackend", (o) => memoryBackend(o), "maxBytes"],
    ["redisBackend", (o) => redisBackend(fakeRedis, o), "maxLen"],
    ["redisBackend", (o) => redisBackend(fakeRedis, o), "timeout"],
    ["sqliteBackend", (o) => sqliteBackend({} as never, o), "maxBytes"],
  ];

  test.each(entries)("%s: %s given a string is a TypeError", (where, make, name) => {
    expect(() => make({ [name]: "10" })).toThrow(TypeError);
    expect(() => make({ [name]: "10" })).toThrow(`${where}: "${name}" must be a safe integer`);
  });

  test.each(entries)(
    "%s: %s given a negative or fractional number is a RangeError",
    (where, make, name) => {
      for (const value of [-1, 1.5]) {
        expect(() => make({ [name]: value })).toThrow(RangeError);
        expect(() => make({ [name]: value })).toThrow(`${where}: "${name}" must be a safe integer`);
      }
    },
  );
});
