/**
 * `createHub`: publish once, deliver to every subscriber, replay by Last-Event-ID.
 *
 * @module
 */
import { callback, integer, show } from "../check.ts";
import { encodeEvent, type SSEChunk } from "../encode.ts";
import { lastEventId } from "../last-event-id.ts";
import { CLOCK, resolveOptions, type SSEOptions } from "../options.ts";
import { type Clock, systemClock } from "../policy.ts";
import { complete, decide, resolveResponseOptions } from "../respond.ts";
import type { SSEContext } from "../source.ts";
import type { BackendSnapshot, HubBackend, HubRecord } from "./backend.ts";
import { LiveFeed } from "./feed.ts";
import { memoryBackend } from "./memory.ts";
import { type Position, planReplay, positionOf, readAfter } from "./plan.ts";
import { FETCH_REPLIER, REPLY, type Replier, type RequestLike } from "./replies.ts";
import { type HubCore, type Subscriber, subscription } from "./subscription.ts";
import { checkTopic, checkTopics } from "./topic.ts";
import type { Hub, HubOptions, SubscribeOptions } from "./types.ts";

function checkBackend(backend: unknown): HubBackend | undefined {
  if (backend === undefined) return undefined;
  const b = backend as Partial<HubBackend> | null;
  if (
    typeof b !== "object" ||
    b === null ||
    typeof b.open !== "function" ||
    typeof b.append !== "function" ||
    typeof b.read !== "function" ||
    typeof b.close !== "function"
  ) {
    throw new TypeError(
      `createHub: "backend" must be a HubBackend (open, append, read, close) (got ${show(backend)})`,
    );
  }
  return backend as HubBackend;
}

/** Checks subscribe options at the call. */
function checkSubscribeOptions(options: SubscribeOptions | undefined, where: string): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where}: options must be an object (got ${show(options)})`);
  }
  const { start, onGap } = options;
  if (start !== undefined && start !== "latest" && start !== "earliest") {
    throw new TypeError(`${where}: "start" must be "latest" or "earliest" (got ${show(start)})`);
  }
  callback({ where, name: "onGap" }, onGap);
}

class HubImpl implements Hub, HubCore {
  readonly maxQueued: number;
  readonly historyTtl: number;
  readonly serialize: ((data: unknown) => string) | undefined;
  readonly clock: Clock;
  readonly #history: number;
  readonly #backend: HubBackend;
  #opening: Promise<void> | undefined;
  #open = false;
  closed = false;
  #closing: Promise<void> | undefined;
  epoch = "";
  head = 0;
  /** This instance's subscribers and the live feed to them. */
  readonly #feed = new LiveFeed();

  constructor(options: HubOptions | undefined) {
    if (options !== undefined && (typeof options !== "object" || options === null)) {
      throw new TypeError(`createHub: options must be an object (got ${show(options)})`);
    }
    const at = (name: string) => ({ where: "createHub", name });
    this.#history = integer(at("history"), options?.history, 1000, 0);
    const ttl = options?.historyTtl;
    this.historyTtl = ttl === false ? 0 : integer(at("historyTtl"), ttl, 0, 0, " ms or false");
    this.maxQueued = integer(at("maxQueued"), options?.maxQueued, 1024 * 1024, 1, " bytes");
    this.serialize = callback(at("serialize"), options?.serialize);
    this.#backend = checkBackend(options?.backend) ?? memoryBackend();
    // Internal: lets tests drive time (TTL expiry) through the hub and its backend.
    this.clock = (options as { [CLOCK]?: Clock } | undefined)?.[CLOCK] ?? systemClock;
  }

  // ------------------------------------------------------------ HubCore

  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("hub: closed"));
    if (this.#opening === undefined) {
      this.#opening = this.#backend
        .open({
          history: this.#history,
          historyTtl: this.historyTtl,
          onRecord: this.#onRecord,
          onLost: this.#onLost,
          isActive: this.#isActive,
          clock: this.clock,
        })
        .then(
          ({ epoch, head }) => {
            this.#open = true;
            this.epoch = epoch;
            if (head > this.head) this.head = head;
          },
          (error: unknown) => {
            // The next call tries again.
            this.#opening = undefined;
            throw error;
          },
        );
    }
    return this.#opening;
  }

  async read(topics: readonly string[], after: number): Promise<BackendSnapshot> {
    const snapshot = await this.#backend.read(topics, after);
    if (snapshot.epoch !== this.epoch) {
      // The store lost its data (a new epoch) before the live feed said so: ids parse
      // against the new life, and positions of the earlier one mean nothing in it.
      this.epoch = snapshot.epoch;
      this.head = snapshot.head;
    }
    return snapshot;
  }

  register(subscription: Subscriber): void {
    this.#feed.register(subscription);
  }

  unregister(subscription: Subscriber): void {
    this.#feed.unregister(subscription);
  }

  /** The live feed: the head moves at once, the frames go out through the feed. */
  readonly #onRecord = (record: HubRecord): void => {
    // A new epoch (a flushed Redis) starts its seqs again from 1: the head starts over with it.
    if (record.epoch !== this.epoch) this.head = record.seq;
    else if (record.seq > this.head) this.head = record.seq;
    this.epoch = record.epoch;
    this.#feed.push(record);
  };

  readonly #onLost = (_reason: unknown): void => {
    // What came before the loss still goes out first.
    this.#feed.abortAll();
  };

  readonly #isActive = (topic: string): boolean => this.#feed.has(topic);

  // ------------------------------------------------------------ Hub

  async publish(topic: string, message: SSEChunk): Promise<string> {
    checkTopic(topic, "hub.publish");
    if (typeof message === "object" && message !== null && "id" in message) {
      if ((message as { id?: unknown }).id !== undefined) {
        throw new TypeError(
          `hub.publish: a message must not have its own "id" (got ${show((message as { id?: unknown }).id)}); the hub assigns ids and returns the one it gave`,
        );
      }
    }
    const serialize = this.serialize;
    const body = encodeEvent(message, serialize === undefined ? undefined : { serialize });
    await this.ready();
    const record = await this.#backend.append(topic, body, false);
    if (record === undefined) {
      throw new Error(`hub.publish: topic ${show(topic)} has ended; nothing was published`);
    }
    return `${record.epoch}-${record.seq}`;
  }

  subscribe(
    topics: string | readonly string[],
    options?: SubscribeOptions,
  ): (ctx: SSEContext) => AsyncIterable<SSEChunk> {
    const list = checkTopics(topics, "hub.subscribe");
    checkSubscribeOptions(options, "hub.subscribe");
    const opts: SubscribeOptions = options ?? {};
    return (ctx) => this.#subscription(list, opts, ctx, undefined);
  }

  #subscription(
    topics: readonly string[],
    options: SubscribeOptions,
    ctx: SSEContext,
    position: Position | undefined,
    preread?: BackendSnapshot | undefined,
  ): AsyncIterable<SSEChunk> {
    // A web-sse stream takes its [PUSH] path (the shared bytes as they are);
    // iterated by hand, it yields messages.
    return subscription(this, topics, options, ctx, position, preread);
  }

  response(
    request: Request,
    topics: string | readonly string[],
    options?: (SSEOptions & SubscribeOptions) | undefined,
  ): Promise<Response> {
    return this[REPLY](request, topics, options, FETCH_REPLIER);
  }

  /** `response()`'s decision, materialised by `replier` (a Fetch Response, or a Node response). */
  async [REPLY]<T>(
    request: RequestLike,
    topics: string | readonly string[],
    options: (SSEOptions & SubscribeOptions) | undefined,
    replier: Replier<T>,
  ): Promise<T> {
    const caller = replier.caller ?? "hub.response";
    const list = checkTopics(topics, caller);
    if (
      typeof request !== "object" ||
      request === null ||
      typeof request.headers?.get !== "function"
    ) {
      throw new TypeError(`${caller}: "request" must be a Request (got ${show(request)})`);
    }
    checkSubscribeOptions(options, caller);
    if (options?.request !== undefined) {
      throw new TypeError(
        `${caller}: "request" is not an option here: the request is already given (its signal and Last-Event-ID are used); remove it from the options`,
      );
    }
    const { start, onGap, ...rest } = options ?? {};
    // Invalid options reject here, whatever the answer would have been.
    const resolved = resolveOptions({ ...rest, request: request as Request });
    const settings = resolveResponseOptions(rest);
    const visit = {
      method: request.method,
      accept: request.headers.get("accept"),
      existing: replier.existing,
    };
    const answer = decide(visit, settings);
    // A refusal or a HEAD: the headers alone, without a read of the backend.
    if (answer.kind !== "stream") return replier.answer(answer, [], resolved);
    if (this.closed) {
      // A request that comes in during shutdown gets a stream that ends at once
      // (reason "abort"), so its EventSource reconnects (elsewhere) rather than
      // failing for good on an error status.
      return replier.answer(
        answer,
        (ctx: SSEContext) => this.#subscription(list, {}, ctx, undefined),
        resolved,
      );
    }
    let position: Position;
    let preread: BackendSnapshot | undefined;
    try {
      await this.ready();
      position = positionOf(lastEventId(request as Request), start, this.epoch, this.head);
      // An id that names no position: the stream's gap path answers it, no read needed here.
      if (position.kind !== "unknown") {
        preread = await this.read(list, readAfter(position));
        const plan = planReplay({
          topics: list,
          snapshot: preread,
          position,
          now: this.clock.now(),
          ttl: this.historyTtl,
        });
        if (plan.seenAll) {
          // EventSource stops reconnecting on 204: the topics are over and the client saw it all.
          return replier.answer(complete(visit, settings), [], resolved);
        }
      }
    } catch (error) {
      // The store cannot be reached (Redis down): answer with a stream that
      // fails at once, as a source that throws does (onError decides, then the
      // stream closes normally), so the EventSource reconnects and finds the
      // store back; an error status or a rejection would stop it for good.
      return replier.answer(
        answer,
        () => {
          throw error;
        },
        resolved,
      );
    }
    const subscribeOptions: SubscribeOptions = { start, onGap };
    return replier.answer(
      answer,
      (ctx: SSEContext) => this.#subscription(list, subscribeOptions, ctx, position, preread),
      resolved,
    );
  }

  async end(topic: string): Promise<void> {
    checkTopic(topic, "hub.end");
    await this.ready();
    await this.#backend.append(topic, "", true);
  }

  subscribers(topic?: string): number {
    if (topic !== undefined) checkTopic(topic, "hub.subscribers");
    return this.#feed.count(topic);
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.closed = true;
      this.#feed.abortAll();
      this.#closing = this.#closeBackend();
    }
    return this.#closing;
  }

  async #closeBackend(): Promise<void> {
    const opening = this.#opening;
    if (opening === undefined) return;
    try {
      await opening;
    } catch {
      return;
    }
    if (this.#open) await this.#backend.close();
  }
}

/**
 * A hub: publish an event once, every subscriber of its topic gets the same
 * bytes, and a client that reconnects with `Last-Event-ID` gets exactly what
 * it missed (or, when the history cannot bridge it, the `onGap` answer).
 *
 * @param options - History, slow-subscriber bound, backend; see {@link HubOptions}.
 * @returns The hub.
 * @throws TypeError or RangeError for an invalid option.
 *
 * @example A chat room on any fetch handler
 * ```ts
 * import { createHub } from "web-sse/hub";
 *
 * const hub = createHub();
 *
 * export default {
 *   async fetch(request: Request): Promise<Response> {
 *     const room = new URL(request.url).searchParams.get("room") ?? "lobby";
 *     if (request.method === "POST") {
 *       const id = await hub.publish(room, { event: "message", data: await request.text() });
 *       return Response.json({ id });
 *     }
 *     return hub.response(request, room);
 *   },
 * };
 * ```
 */
export function createHub(options?: HubOptions): Hub {
  return new HubImpl(options);
}
