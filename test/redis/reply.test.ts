// The pure helpers under redisBackend: reply shapes of every client, topic
// names as Redis keys, and the key layout's checks.
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { decodeTopic, encodeTopic, redisKeys } from "../../src/redis/keys.ts";
import { seqOf, streamEntry, text, xreadEntries } from "../../src/redis/reply.ts";

const entries = [
  ["5-0", ["t", "=a", "b", "data: x\n\n"]],
  ["6-0", ["t", "=b", "b", ""]],
];

describe("xreadEntries", () => {
  test("reads the one stream of an XREAD reply in every shape a client returns", () => {
    // RESP2 (node-redis v4, ioredis v5), a flattened RESP3 map (ioredis v6),
    // an object (node-redis v5+, Bun) and a Map.
    for (const reply of [
      [["live", entries]],
      ["live", entries],
      { live: entries },
      new Map([["live", entries]]),
    ]) {
      expect(xreadEntries(reply)).toEqual(entries);
    }
  });

  test("nil, an empty array and an empty map are no entries", () => {
    for (const reply of [null, undefined, [], {}, new Map()])
      expect(xreadEntries(reply)).toEqual([]);
  });

  test("anything else is a TypeError, not a silent empty read", () => {
    expect(() => xreadEntries("OK")).toThrow(TypeError);
    expect(() => xreadEntries([["live", "not entries"]])).toThrow(TypeError);
  });
});

describe("streamEntry", () => {
  test("takes fields as a flat array, an object or a Map", () => {
    const want = { id: "5-0", fields: { t: "=a", b: "data: x\n\n" } };
    expect(streamEntry(entries[0])).toEqual(want);
    expect(streamEntry(["5-0", { t: "=a", b: "data: x\n\n" }])).toEqual(want);
    expect(
      streamEntry([
        "5-0",
        new Map([
          ["t", "=a"],
          ["b", "data: x\n\n"],
        ]),
      ]),
    ).toEqual(want);
  });

  test("seqOf reads the seq of an id <seq>-0, past 2^32", () => {
    expect(seqOf("5-0")).toBe(5);
    expect(seqOf("123456789012345-0")).toBe(123456789012345);
  });

  test("text turns integer replies (numbers, bigints) and bytes into strings, nil into an empty string", () => {
    expect(text(12)).toBe("12");
    expect(text(12n)).toBe("12");
    expect(text(new TextEncoder().encode("é"))).toBe("é");
    expect(text(null)).toBe("");
  });
});

describe("topic names as keys", () => {
  test("encodeTopic is one-to-one and decodeTopic inverts it, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
        expect(decodeTopic(encodeTopic(a))).toBe(a);
        if (a !== b) expect(encodeTopic(a)).not.toBe(encodeTopic(b));
      }),
    );
  });

  test("an encoded name survives UTF-8: it has no lone surrogate", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (topic) => {
        const stored = encodeTopic(topic);
        expect(new TextDecoder().decode(new TextEncoder().encode(stored))).toBe(stored);
      }),
    );
  });

  test("every key of a hub is under the hash tag {prefix}; a prefix with braces is refused", () => {
    expect(redisKeys("chat")).toEqual({ epoch: "{chat}:epoch", base: "{chat}:" });
    expect(() => redisKeys("a}b")).toThrow(
      /"prefix" must be a non-empty string .* without "\{" or "\}" \(got "a}b"\)/,
    );
    expect(() => redisKeys("x".repeat(129))).toThrow(/at most 128/);
  });
});
