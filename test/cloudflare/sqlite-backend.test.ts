/**
 * sqliteBackend on a real SQLite-backed Durable Object in workerd (miniflare 4,
 * `cf: false`, storage persisted in a temporary directory): driven from Node
 * over RPC through ./backend-worker.ts.
 */
import { describe, expect, test } from "vitest";
import { sqliteBackend } from "../../src/cloudflare/sqlite-backend.ts";
import { workerdVersion } from "../runtimes/workerd/miniflare.ts";
import { backendWorker } from "./miniflare.ts";
import { backendStub } from "./remote-backend.ts";

/** Long enough that a loaded box never expires a record between two calls. */
const TTL = 2000;

const { running, restart } = backendWorker("sqlite-backend");

describe(`sqliteBackend in a Durable Object on ${workerdVersion()}`, () => {
  test("appends get one sequence across topics, prev links each topic, and the live feed gets each record once in seq order", async () => {
    const stub = await backendStub(running().mf, "sequence");
    const { epoch, head } = await stub.open(100, 0);
    expect(epoch).toMatch(/^[a-z0-9]+$/);
    expect(head).toBe(0);
    const a1 = await stub.append("a", "data: 1\n\n", false);
    const b1 = await stub.append("b", "data: 2\n\n", false);
    const a2 = await stub.append("a", "data: 3\n\n", false);
    expect([a1?.seq, b1?.seq, a2?.seq]).toEqual([1, 2, 3]);
    expect([a1?.prev, b1?.prev, a2?.prev]).toEqual([0, 0, 1]);
    expect(a2).toMatchObject({ epoch, topic: "a", body: "data: 3\n\n", end: false });
    expect((await stub.drain()).map((record) => record.seq)).toEqual([1, 2, 3]);
    const snapshot = await stub.read(["a", "b", "never"], 1);
    expect(snapshot).toMatchObject({ epoch, head: 3, floor: 0 });
    expect(snapshot.topics.map((topic) => topic.records.map((record) => record.seq))).toEqual([
      [3],
      [2],
      [],
    ]);
    expect(snapshot.topics.map(({ last, ended }) => ({ last, ended }))).toEqual([
      { last: 3, ended: 0 },
      { last: 2, ended: 0 },
      { last: 0, ended: 0 },
    ]);
  });

  test("an ended topic refuses further events and a second end, and reports its end seq", async () => {
    const stub = await backendStub(running().mf, "ending");
    await stub.open(100, 0);
    await stub.append("t", "data: x\n\n", false);
    const end = await stub.append("t", "", true);
    expect(end).toMatchObject({ seq: 2, prev: 1, end: true, body: "" });
    expect(await stub.append("t", "data: late\n\n", false)).toBeUndefined();
    expect(await stub.append("t", "", true)).toBeUndefined();
    const snapshot = await stub.read(["t"], 0);
    expect(snapshot.head).toBe(2);
    expect(snapshot.topics[0]).toMatchObject({ last: 2, ended: 2 });
    expect(snapshot.topics[0]?.records.map((record) => record.end)).toEqual([false, true]);
  });

  test("history trims each topic to its newest records, and the oldest kept one's prev shows the hole", async () => {
    const stub = await backendStub(running().mf, "trim");
    await stub.open(3, 0);
    for (let i = 1; i <= 6; i++) await stub.append("t", `data: ${i}\n\n`, false);
    await stub.append("other", "data: o\n\n", false);
    const [t] = (await stub.read(["t"], 0)).topics;
    expect(t?.records.map((record) => record.seq)).toEqual([4, 5, 6]);
    expect(t?.records[0]?.prev).toBe(3);
    expect(t?.last).toBe(6);
    expect(await stub.count("web_sse_records")).toBe(4);
  });

  test("history 0 keeps no records but still tracks last and ended", async () => {
    const stub = await backendStub(running().mf, "no-history");
    await stub.open(0, 0);
    const record = await stub.append("t", "data: 1\n\n", false);
    expect(record?.seq).toBe(1);
    expect((await stub.drain()).map((r) => r.seq)).toEqual([1]);
    expect((await stub.read(["t"], 0)).topics[0]).toEqual({ records: [], last: 1, ended: 0 });
    await stub.append("t", "", true);
    expect((await stub.read(["t"], 0)).topics[0]).toEqual({ records: [], last: 2, ended: 2 });
  });

  test("records older than historyTtl are deleted as appends go on; a quiet topic nobody follows is forgotten", async () => {
    const stub = await backendStub(running().mf, "ttl");
    await stub.open(100, TTL);
    await stub.append("old", "data: 1\n\n", false, ["watched"]);
    await stub.append("watched", "data: 2\n\n", false, ["watched"]);
    // Date.now() in an object advances across I/O: this wait is seen by the next call.
    await new Promise((resolve) => setTimeout(resolve, TTL + 500));
    await stub.append("new", "data: 3\n\n", false, ["watched"]);
    const snapshot = await stub.read(["old", "watched", "new"], 0);
    expect(snapshot.topics[0]).toEqual({ records: [], last: 0, ended: 0 });
    expect(snapshot.floor).toBe(1);
    expect(snapshot.topics[1]).toEqual({ records: [], last: 2, ended: 0 });
    expect(snapshot.topics[2]?.records.map((record) => record.seq)).toEqual([3]);
    expect(await stub.count("web_sse_records")).toBe(1);
  });

  test("a read leaves out records past historyTtl even before they are swept", async () => {
    const stub = await backendStub(running().mf, "ttl-read");
    await stub.open(100, TTL);
    await stub.append("t", "data: 1\n\n", false);
    await new Promise((resolve) => setTimeout(resolve, TTL + 500));
    expect((await stub.read(["t"], 0)).topics[0]).toEqual({ records: [], last: 1, ended: 0 });
  });

  test("past maxTopics the least recently appended topic without subscribers is evicted and the floor rises to its last", async () => {
    const stub = await backendStub(running().mf, "max-topics");
    await stub.open(100, 0, { maxTopics: 3 });
    await stub.append("busy", "data: b\n\n", false, ["busy"]);
    await stub.append("a", "data: a\n\n", false, ["busy"]);
    await stub.append("b", "data: b\n\n", false, ["busy"]);
    await stub.append("c", "data: c\n\n", false, ["busy"]);
    const snapshot = await stub.read(["busy", "a", "b", "c"], 0);
    // "busy" is older but has subscribers: "a" goes.
    expect(snapshot.topics.map((topic) => topic.last)).toEqual([1, 0, 3, 4]);
    expect(snapshot.floor).toBe(2);
    expect(await stub.count("web_sse_topics")).toBe(3);
    // A topic that comes back starts from the floor.
    const again = await stub.append("a", "data: again\n\n", false, ["busy"]);
    expect(again).toMatchObject({ seq: 5, prev: 2 });
  });

  test("past maxBytes topics without subscribers go first, then the oldest records of any topic", async () => {
    const stub = await backendStub(running().mf, "max-bytes");
    await stub.open(100, 0, { maxBytes: 100 });
    const body = `data: ${"x".repeat(34)}\n\n`; // 42 bytes
    await stub.append("idle", body, false, ["live"]);
    await stub.append("live", body, false, ["live"]);
    await stub.append("live", body, false, ["live"]);
    let snapshot = await stub.read(["idle", "live"], 0);
    expect(snapshot.topics[0]?.last).toBe(0);
    expect(snapshot.topics[1]?.records.map((record) => record.seq)).toEqual([2, 3]);
    await stub.append("live", body, false, ["live"]);
    snapshot = await stub.read(["live"], 0);
    expect(snapshot.topics[0]?.records.map((record) => record.seq)).toEqual([3, 4]);
    expect(snapshot.topics[0]?.records[0]?.prev).toBe(2);
  });

  test("bodies are counted in UTF-8 bytes", async () => {
    const stub = await backendStub(running().mf, "utf8");
    await stub.open(100, 0, { maxBytes: 20 });
    const body = "data: 😀😀\n\n"; // 6 + 8 + 2 bytes = 16
    await stub.append("old", body, false);
    await stub.append("new", body, false);
    const snapshot = await stub.read(["old", "new"], 0);
    expect(snapshot.topics.map((topic) => topic.last)).toEqual([0, 2]);
    expect(snapshot.topics[1]?.records[0]?.body).toBe(body);
  });

  test("an event too big for one SQLite value is a RangeError saying so, and nothing is stored", async () => {
    const stub = await backendStub(running().mf, "too-big");
    await stub.open(100, 0);
    await stub.append("t", "data: before\n\n", false);
    const big = await stub.tryAppend("t", `data: ${"x".repeat(3_000_000)}\n\n`, false);
    expect(big.error?.name).toBe("RangeError");
    expect(big.error?.message).toMatch(/3000008 bytes is too big .*nothing was stored/);
    const after = await stub.append("t", "data: after\n\n", false);
    expect(after).toMatchObject({ seq: 2, prev: 1 });
    expect((await stub.drain()).map((record) => record.seq)).toEqual([1, 2]);
  });

  test("after the object restarts the epoch, the history and the sequence carry on, and no seq repeats", async () => {
    let stub = await backendStub(running().mf, "restart");
    const { epoch } = await stub.open(100, 0);
    await stub.append("t", "data: 1\n\n", false);
    await stub.append("t", "data: 2\n\n", false);
    await restart();
    stub = await backendStub(running().mf, "restart");
    const second = await stub.open(100, 0);
    expect(second).toEqual({ epoch, head: 2 });
    const next = await stub.append("t", "data: 3\n\n", false);
    expect(next).toMatchObject({ epoch, seq: 3, prev: 2 });
    const [t] = (await stub.read(["t"], 0)).topics;
    expect(t?.records.map((record) => record.body)).toEqual([
      "data: 1\n\n",
      "data: 2\n\n",
      "data: 3\n\n",
    ]);
  });

  test("each object's storage is its own life with its own epoch", async () => {
    const one = await backendStub(running().mf, "life-one");
    const two = await backendStub(running().mf, "life-two");
    const a = await one.open(10, 0);
    const b = await two.open(10, 0);
    expect(a.epoch).not.toBe(b.epoch);
  });

  test("a prefix keeps two backends in one object apart", async () => {
    const stub = await backendStub(running().mf, "prefix");
    await stub.open(10, 0, { prefix: "room_a_" });
    await stub.append("t", "data: a\n\n", false);
    expect(await stub.count("room_a_records")).toBe(1);
    await stub.open(10, 0, { prefix: "room_b_" });
    expect((await stub.read(["t"], 0)).topics[0]?.last).toBe(0);
  });
});

describe("sqliteBackend options", () => {
  const storage = {} as never;
  test.each([
    ["maxTopics", { maxTopics: 0 }, RangeError],
    ["maxTopics", { maxTopics: 1.5 }, RangeError],
    ["maxBytes", { maxBytes: -1 }, RangeError],
    ["maxBytes", { maxBytes: "1" as never }, TypeError],
    ["prefix", { prefix: "1abc" }, TypeError],
    ["prefix", { prefix: "a; DROP TABLE x" }, TypeError],
    ["prefix", { prefix: "" }, TypeError],
  ])(
    "an invalid %s is an error naming it: a number out of range a RangeError, anything else a TypeError",
    (name, options, type) => {
      expect(() => sqliteBackend(storage, options)).toThrow(type);
      expect(() => sqliteBackend(storage, options)).toThrow(`"${name}"`);
    },
  );
});
