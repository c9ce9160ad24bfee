/**
 * The hub's local subscribers and the live feed to them: who listens to
 * which topic, and records turned into frames, batched per microtask and
 * shared by every subscriber of a topic.
 *
 * @module
 */

import { concat } from "../check.ts";
import type { HubRecord } from "./backend.ts";
import { type Frame, frameOf } from "./frame.ts";
import type { FrameRun, Subscriber } from "./subscription.ts";

/** The subscribers of one hub instance, and delivery of the live feed to them. */
export class LiveFeed {
  /** Subscribers per topic; a topic's set is removed when it empties. */
  readonly #byTopic = new Map<string, Set<Subscriber>>();
  readonly #all = new Set<Subscriber>();
  /** Live records of topics with subscribers, not yet delivered (see push). */
  #pending: HubRecord[] = [];

  /** How many subscribers there are, on `topic` or in all. */
  count(topic?: string): number {
    if (topic === undefined) return this.#all.size;
    return this.#byTopic.get(topic)?.size ?? 0;
  }

  /** Whether `topic` has subscribers here. */
  has(topic: string): boolean {
    return this.#byTopic.has(topic);
  }

  register(subscription: Subscriber): void {
    this.#all.add(subscription);
    for (const topic of subscription.topics) {
      const set = this.#byTopic.get(topic);
      if (set === undefined) this.#byTopic.set(topic, new Set([subscription]));
      else set.add(subscription);
    }
  }

  unregister(subscription: Subscriber): void {
    if (!this.#all.delete(subscription)) return;
    for (const topic of subscription.topics) {
      const set = this.#byTopic.get(topic);
      if (set === undefined) continue;
      set.delete(subscription);
      if (set.size === 0) this.#byTopic.delete(topic);
    }
  }

  /**
   * One record of the live feed: the frames go out in a microtask, so
   * records a backend hands over together (a Redis XREAD batch) reach each
   * subscriber of a topic as one write instead of one per record per
   * subscriber (profiled on the Redis bench: the per-record, per-subscriber
   * path was the instance's main cost).
   */
  push(record: HubRecord): void {
    if (!this.#byTopic.has(record.topic)) return;
    if (this.#pending.length === 0) queueMicrotask(this.flush);
    this.#pending.push(record);
  }

  /**
   * Delivers the pending records in seq order: consecutive records of one
   * topic (and epoch) become one run, the bytes of a run are joined once and
   * shared by every subscriber of the topic. An end marker is a run of its own.
   */
  readonly flush = (): void => {
    const records = this.#pending;
    if (records.length === 0) return;
    this.#pending = [];
    let start = 0;
    while (start < records.length) {
      const first = records[start] as HubRecord;
      let end = start + 1;
      if (!first.end) {
        while (end < records.length) {
          const next = records[end] as HubRecord;
          if (next.end || next.topic !== first.topic || next.epoch !== first.epoch) break;
          end++;
        }
      }
      const set = this.#byTopic.get(first.topic);
      // A subscriber must not throw; if one does, the other runs still go out.
      if (set !== undefined) this.#deliverRun(set, records, start, end);
      start = end;
    }
  };

  #deliverRun(set: Set<Subscriber>, records: HubRecord[], start: number, end: number): void {
    const first = records[start] as HubRecord;
    try {
      if (end - start === 1) {
        const frame = frameOf(first);
        for (const subscriber of set) subscriber.deliver(frame);
      } else {
        const frames: Frame[] = [];
        const chunks: Uint8Array[] = [];
        let size = 0;
        for (let i = start; i < end; i++) {
          const frame = frameOf(records[i] as HubRecord);
          frames.push(frame);
          chunks.push(frame.bytes);
          size += frame.bytes.length;
        }
        const run: FrameRun = {
          first: first.seq,
          last: (records[end - 1] as HubRecord).seq,
          bytes: concat(chunks, size),
          frames,
        };
        for (const subscriber of set) subscriber.deliverRun(run);
      }
    } catch {
      // As a backend does around onRecord: the feed goes on.
    }
  }

  /** Ends every subscriber's stream (reason "abort"), after what is pending went out. */
  abortAll(): void {
    this.flush();
    for (const subscriber of this.#all) subscriber.abort();
  }
}
