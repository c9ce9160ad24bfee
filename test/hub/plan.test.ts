/**
 * planReplay as a pure function: a table of what the backend kept, where the
 * client stands, and what it must be sent.
 */
import { describe, expect, it } from "vitest";
import type { BackendSnapshot, HubRecord, TopicSnapshot } from "../../src/hub/backend.ts";
import { type Position, planReplay, positionOf, readAfter } from "../../src/hub/plan.ts";

const E = "epoch00001";

function record(topic: string, seq: number, prev: number, time = 1000, end = false): HubRecord {
  return { epoch: E, seq, prev, topic, body: end ? "" : `data: ${seq}\n\n`, end, time };
}

function topic(records: HubRecord[], last?: number, ended = 0): TopicSnapshot {
  return { records, last: last ?? records[records.length - 1]?.seq ?? 0, ended };
}

function snapshot(topics: TopicSnapshot[], head: number, floor = 0, epoch = E): BackendSnapshot {
  return { epoch, head, floor, topics };
}

const resume = (seq: number, epoch = E): Position => ({ kind: "resume", epoch, seq });

interface Case {
  name: string;
  topics: string[];
  snapshot: BackendSnapshot;
  position: Position;
  now?: number;
  ttl?: number;
  sent: number[];
  gapped: string[];
  at: number;
  seenAll: boolean;
}

// Topic "t": records 1..4; topic "u": records 5, 6 (interleaved seqs below for multi-topic).
const T = [record("t", 1, 0), record("t", 2, 1), record("t", 3, 2), record("t", 4, 3)];

const cases: Case[] = [
  {
    name: "resuming mid-way: the rest, no gap",
    topics: ["t"],
    snapshot: snapshot([topic(T.slice(2))], 4),
    position: resume(2),
    sent: [3, 4],
    gapped: [],
    at: 4,
    seenAll: false,
  },
  {
    name: "resuming at the head: nothing to send",
    topics: ["t"],
    snapshot: snapshot([topic([], 4)], 4),
    position: resume(4),
    sent: [],
    gapped: [],
    at: 4,
    seenAll: false,
  },
  {
    name: "history trimmed past the client: gap, position at the head",
    topics: ["t"],
    snapshot: snapshot([topic(T.slice(3))], 4),
    position: resume(1),
    sent: [],
    gapped: ["t"],
    at: 4,
    seenAll: false,
  },
  {
    name: "an id of another life: every topic gapped",
    topics: ["t", "u"],
    snapshot: snapshot([topic(T), topic([])], 4),
    position: resume(2, "otherepoch"),
    sent: [],
    gapped: ["t", "u"],
    at: 4,
    seenAll: false,
  },
  {
    name: "an id from the future: gap",
    topics: ["t"],
    snapshot: snapshot([topic(T.slice(3))], 4),
    position: resume(9),
    sent: [],
    gapped: ["t"],
    at: 4,
    seenAll: false,
  },
  {
    name: "garbage id: gap",
    topics: ["t"],
    snapshot: snapshot([topic(T)], 4),
    position: { kind: "unknown", id: "nope" },
    sent: [],
    gapped: ["t"],
    at: 4,
    seenAll: false,
  },
  {
    name: "earliest: everything kept",
    topics: ["t"],
    snapshot: snapshot([topic(T)], 4),
    position: { kind: "earliest" },
    sent: [1, 2, 3, 4],
    gapped: [],
    at: 4,
    seenAll: false,
  },
  {
    name: "latest: nothing replayed, at the head",
    topics: ["t"],
    snapshot: snapshot([topic([], 4)], 4),
    position: { kind: "latest", seq: 4 },
    sent: [],
    gapped: [],
    at: 4,
    seenAll: false,
  },
  {
    name: "two topics: merged in seq order",
    topics: ["t", "u"],
    snapshot: snapshot(
      [
        topic([record("t", 2, 0), record("t", 5, 2)]),
        topic([record("u", 3, 0), record("u", 4, 3)]),
      ],
      5,
    ),
    position: resume(1),
    sent: [2, 3, 4, 5],
    gapped: [],
    at: 5,
    seenAll: false,
  },
  {
    name: "two topics, one trimmed: only that one gapped, the other replayed",
    topics: ["t", "u"],
    snapshot: snapshot([topic([record("t", 5, 3)]), topic([record("u", 4, 0)])], 5),
    position: resume(2),
    sent: [4],
    gapped: ["t"],
    at: 5,
    seenAll: false,
  },
  {
    name: "a topic evicted below the floor: a client under the floor takes the gap path",
    topics: ["t"],
    snapshot: snapshot([topic([], 0)], 6, 4),
    position: resume(3),
    sent: [],
    gapped: ["t"],
    at: 6,
    seenAll: false,
  },
  {
    name: "a topic evicted below the floor: a client at the floor missed nothing",
    topics: ["t"],
    snapshot: snapshot([topic([], 0)], 6, 4),
    position: resume(4),
    sent: [],
    gapped: [],
    at: 6,
    seenAll: false,
  },
  {
    name: "historyTtl: expired events are not replayed, and the hole they leave is a gap",
    topics: ["t"],
    snapshot: snapshot([topic([record("t", 3, 2, 100), record("t", 4, 3, 5000)])], 4),
    position: resume(2),
    now: 6000,
    ttl: 2000,
    sent: [],
    gapped: ["t"],
    at: 4,
    seenAll: false,
  },
  {
    name: "historyTtl with earliest: only the fresh events",
    topics: ["t"],
    snapshot: snapshot([topic([record("t", 3, 2, 100), record("t", 4, 3, 5000)])], 4),
    position: { kind: "earliest" },
    now: 6000,
    ttl: 2000,
    sent: [4],
    gapped: [],
    at: 4,
    seenAll: false,
  },
  {
    name: "ended, and the client has the last event: seen all (204)",
    topics: ["t"],
    snapshot: snapshot([topic([record("t", 5, 4, 1000, true)], 5, 5)], 5),
    position: resume(4),
    sent: [],
    gapped: [],
    at: 5,
    seenAll: true,
  },
  {
    name: "ended, but an event after the client's was trimmed: not seen all",
    topics: ["t"],
    snapshot: snapshot([topic([record("t", 5, 4, 1000, true)], 5, 5)], 5),
    position: resume(3),
    sent: [],
    gapped: ["t"],
    at: 5,
    seenAll: false,
  },
  {
    name: "ended with events left to send: not seen all",
    topics: ["t"],
    snapshot: snapshot([topic([record("t", 4, 3), record("t", 5, 4, 1000, true)], 5, 5)], 5),
    position: resume(3),
    sent: [4],
    gapped: [],
    at: 5,
    seenAll: false,
  },
  {
    name: "one topic ended, another not: not seen all",
    topics: ["t", "u"],
    snapshot: snapshot([topic([record("t", 5, 4, 1000, true)], 5, 5), topic([], 2)], 5),
    position: resume(4),
    sent: [],
    gapped: [],
    at: 5,
    seenAll: false,
  },
  {
    name: "latest on ended topics: seen all",
    topics: ["t"],
    snapshot: snapshot([topic([], 5, 5)], 5),
    position: { kind: "latest", seq: 5 },
    sent: [],
    gapped: [],
    at: 5,
    seenAll: true,
  },
  {
    name: "earliest on an ended topic with events kept: not seen all",
    topics: ["t"],
    snapshot: snapshot([topic([...T, record("t", 5, 4, 1000, true)], 5, 5)], 5),
    position: { kind: "earliest" },
    sent: [1, 2, 3, 4],
    gapped: [],
    at: 5,
    seenAll: false,
  },
  {
    name: "earliest on an ended topic whose events all expired: seen all",
    topics: ["t"],
    snapshot: snapshot([topic([record("t", 4, 3, 100), record("t", 5, 4, 100, true)], 5, 5)], 5),
    position: { kind: "earliest" },
    now: 6000,
    ttl: 2000,
    sent: [],
    gapped: [],
    at: 5,
    seenAll: true,
  },
  {
    name: "ended in an id of another life: not seen all, gap",
    topics: ["t"],
    snapshot: snapshot([topic([], 5, 5)], 5),
    position: resume(5, "otherepoch"),
    sent: [],
    gapped: ["t"],
    at: 5,
    seenAll: false,
  },
];

describe("planReplay", () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planReplay({
        topics: c.topics,
        snapshot: c.snapshot,
        position: c.position,
        now: c.now ?? 2000,
        ttl: c.ttl ?? 0,
      });
      expect(plan.records.map((r) => r.seq)).toEqual(c.sent);
      expect(plan.gapped).toEqual(c.gapped);
      expect(plan.position).toBe(c.at);
      expect(plan.seenAll).toBe(c.seenAll);
    });
  }

  it("reports each ended topic's end seq", () => {
    const plan = planReplay({
      topics: ["t", "u"],
      snapshot: snapshot([topic([], 5, 5), topic([], 2)], 5),
      position: resume(5),
      now: 0,
      ttl: 0,
    });
    expect([...plan.ended]).toEqual([["t", 5]]);
  });

  it("throws when the snapshot leaves out a topic", () => {
    expect(() =>
      planReplay({ topics: ["t"], snapshot: snapshot([], 0), position: resume(0), now: 0, ttl: 0 }),
    ).toThrow(/left out a topic/);
  });
});

describe("positionOf and readAfter", () => {
  it('an id of this life resumes at its seq; garbage, another epoch and "" do not', () => {
    expect(positionOf(`${E}-3`, undefined, E, 9)).toEqual(resume(3));
    expect(positionOf("nope", undefined, E, 9)).toEqual({ kind: "unknown", id: "nope" });
    expect(positionOf("other00000-3", "earliest", E, 9)).toMatchObject({ kind: "unknown" });
    expect(positionOf("", undefined, E, 9)).toEqual({ kind: "latest", seq: 9 });
  });

  it('no id: "latest" at the head, "earliest" before everything', () => {
    expect(positionOf(undefined, "latest", E, 7)).toEqual({ kind: "latest", seq: 7 });
    expect(positionOf(undefined, "earliest", E, 7)).toEqual({ kind: "earliest" });
    expect(readAfter({ kind: "earliest" })).toBe(0);
    expect(readAfter({ kind: "latest", seq: 7 })).toBe(7);
    expect(readAfter(resume(3))).toBe(3);
    expect(readAfter({ kind: "unknown", id: "x" })).toBe(0);
  });
});
