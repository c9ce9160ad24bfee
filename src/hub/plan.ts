/**
 * The replay planner: from what the backend kept and where a client stands,
 * what to send it. A pure function, so `hub.response()`'s 204 decision and a
 * subscription's start are one decision, and its cases are a table of tests.
 *
 * @module
 */
import type { BackendSnapshot, HubRecord, TopicSnapshot } from "./backend.ts";
import { parseId } from "./ids.ts";

/**
 * Where a client stands in the backend's one sequence of records.
 *
 * - `resume`: it sent a Last-Event-ID of the backend life `epoch`: it has
 *   every event up to `seq`.
 * - `unknown`: it sent a Last-Event-ID that names no position (garbage, an
 *   id of another life, a seq from the future): the gap path.
 * - `latest`: no id, start "latest": it wants what comes after `seq`, the
 *   head when it came in, as if it had seen everything before.
 * - `earliest`: no id, start "earliest": it wants all that is kept.
 */
export type Position =
  | { readonly kind: "resume"; readonly epoch: string; readonly seq: number }
  | { readonly kind: "unknown"; readonly id: string }
  | { readonly kind: "latest"; readonly seq: number }
  | { readonly kind: "earliest" };

/**
 * The position of a client that sent `lastEventId` (undefined or "" for none).
 *
 * @param lastEventId - The client's Last-Event-ID.
 * @param start - Where a client without one starts.
 * @param epoch - The backend's epoch now.
 * @param head - The newest seq the hub has seen now.
 * @returns The client's position.
 */
export function positionOf(
  lastEventId: string | undefined,
  start: "latest" | "earliest" | undefined,
  epoch: string,
  head: number,
): Position {
  if (lastEventId !== undefined && lastEventId !== "") {
    const seq = parseId(lastEventId, epoch, Number.MAX_SAFE_INTEGER);
    return seq === undefined
      ? { kind: "unknown", id: lastEventId }
      : { kind: "resume", epoch, seq };
  }
  return start === "earliest" ? { kind: "earliest" } : { kind: "latest", seq: head };
}

/**
 * The backend read a replay for `position` needs: records with a seq above this.
 *
 * @param position - The client's position.
 * @returns The seq to read after (0: everything kept).
 */
export function readAfter(position: Position): number {
  return position.kind === "resume" || position.kind === "latest" ? position.seq : 0;
}

/** What {@link planReplay} decides for one client. */
export interface ReplayPlan {
  /** The events to send, in seq order (end markers left out). */
  readonly records: readonly HubRecord[];
  /** The topics whose history cannot bridge the client's position: the gap path when any. */
  readonly gapped: readonly string[];
  /** The seq the client is at once the replay (and any gap answer) is out. */
  readonly position: number;
  /** The seq of each ended topic's end marker. */
  readonly ended: ReadonlyMap<string, number>;
  /** Every topic has ended and the client has all of it: answer 204, so EventSource stops. */
  readonly seenAll: boolean;
}

/** What {@link planReplay} is given. */
export interface PlanInput {
  /** The topics, in the order `snapshot.topics` reports them. */
  readonly topics: readonly string[];
  /** What the backend kept, read after `readAfter(position)`. */
  readonly snapshot: BackendSnapshot;
  readonly position: Position;
  /** The time now (ms since 1970): with `ttl`, older events are not replayed. */
  readonly now: number;
  /** `historyTtl` in ms; 0: no age limit. */
  readonly ttl: number;
}

/**
 * Plans one client's replay.
 *
 * @param input - The topics, the backend's snapshot, the client's position, the time and the TTL.
 * @returns What to send, whether there is a gap, and where the client will be.
 * @throws Error when the snapshot leaves out a topic (a backend bug).
 *
 * @example A client resuming after seq 3 of topic "t"
 * ```ts ignore
 * const plan = planReplay({ topics: ["t"], snapshot, position: { kind: "resume", epoch, seq: 3 }, now: Date.now(), ttl: 0 });
 * if (plan.gapped.length > 0) sendReset(plan.position);
 * ```
 */
export function planReplay(input: PlanInput): ReplayPlan {
  const { topics, snapshot, position } = input;
  const after = readAfter(position);
  const resume = position.kind === "resume" ? position.seq : undefined;
  // An id that names no position, or one of a life the backend has left: nothing bridges it.
  const lost =
    position.kind === "unknown" ||
    (position.kind === "resume" &&
      (snapshot.epoch !== position.epoch || position.seq > snapshot.head));
  const oldest = input.ttl > 0 ? input.now - input.ttl : 0;
  const ended = new Map<string, number>();
  const gapped: string[] = [];
  let records: HubRecord[] = [];
  for (let i = 0; i < topics.length; i++) {
    const topic = topics[i] as string;
    const state = snapshot.topics[i];
    if (state === undefined) throw new Error("hub: the backend's read left out a topic");
    if (state.ended > 0) ended.set(topic, state.ended);
    if (lost) {
      gapped.push(topic);
      continue;
    }
    const kept =
      oldest > 0 ? state.records.filter((record) => record.time >= oldest) : state.records;
    if (resume !== undefined && !continuous(resume, state, kept, snapshot.floor)) {
      gapped.push(topic);
      continue;
    }
    for (const record of kept) if (!record.end && record.seq > after) records.push(record);
  }
  if (topics.length > 1 && records.length > 1) records = records.sort((a, b) => a.seq - b.seq);
  return {
    records,
    gapped,
    position: lost ? snapshot.head : Math.max(after, snapshot.head),
    ended,
    seenAll: !lost && seenAll(input, after, oldest),
  };
}

/**
 * The continuity check for one topic: is every record after `position` still
 * held? Records dropped by trimming or expiry leave a hole that `prev` shows.
 */
function continuous(
  position: number,
  state: TopicSnapshot,
  kept: readonly HubRecord[],
  floor: number,
): boolean {
  // No state: nothing ever happened on the topic, or its state was evicted (then floor covers it).
  if (state.last === 0) return position >= floor;
  if (state.last <= position) return true;
  const first = kept[0];
  return first !== undefined && first.prev <= position;
}

/**
 * Whether every topic has ended and the client has every event of them.
 * Decided from the events themselves, not from the end marker's id: clients
 * built on eventsource-parser (the `eventsource` package among them) ignore an
 * id-only event, so their Last-Event-ID is the last real event's.
 */
function seenAll(input: PlanInput, after: number, oldest: number): boolean {
  const { snapshot, position } = input;
  // "latest" without an id: at the head, as if it had seen everything before.
  const atPosition = position.kind !== "earliest";
  if (atPosition && after > snapshot.head) return false;
  for (const topic of snapshot.topics) {
    if (topic.ended === 0) return false;
    if (after > 0 && topic.ended <= after) continue;
    let end: HubRecord | undefined;
    for (const record of topic.records) {
      if (record.end) end = record;
      else if (atPosition || record.time >= oldest) return false;
    }
    // At a position: the end marker must show that no event came after the client's (none trimmed away).
    if (atPosition && (end === undefined || end.prev > after)) return false;
  }
  return true;
}
