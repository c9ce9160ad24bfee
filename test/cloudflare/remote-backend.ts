/**
 * A `HubBackend` in Node whose every call runs the real `sqliteBackend` in a
 * Durable Object on workerd (./backend-worker.ts), over miniflare's RPC proxy.
 *
 * The object's live feed is in-process and synchronous; here each append
 * brings back the feed drained after it, and records are handed to
 * `onRecord` strictly by seq before the append resolves, once each (every
 * record of the object comes from an append through this adapter, so the
 * feed has no holes).
 * `isActive` is evaluated in Node for every topic this adapter has seen and
 * sent along with each append.
 *
 * @module
 */
import type { Miniflare } from "miniflare";
import type { SqliteBackendOptions } from "../../src/cloudflare/sqlite-backend.ts";
import type {
  BackendOpenOptions,
  BackendSnapshot,
  HubBackend,
  HubRecord,
} from "../../src/hub/backend.ts";

/** The RPC surface of BackendObject, as the miniflare proxy exposes it. */
export interface BackendStub {
  open(
    history: number,
    historyTtl: number,
    options?: SqliteBackendOptions,
  ): Promise<{ epoch: string; head: number }>;
  append(
    topic: string,
    body: string,
    end: boolean,
    active?: readonly string[],
  ): Promise<HubRecord | undefined>;
  tryAppend(
    topic: string,
    body: string,
    end: boolean,
  ): Promise<{ record?: HubRecord | undefined; error?: { name: string; message: string } }>;
  appendAndDrain(
    topic: string,
    body: string,
    end: boolean,
    active?: readonly string[],
  ): Promise<{ record: HubRecord | undefined; feed: HubRecord[] }>;
  read(topics: readonly string[], after: number): Promise<BackendSnapshot>;
  drain(): Promise<HubRecord[]>;
  lost(): Promise<string[]>;
  close(): Promise<void>;
  wipe(): Promise<void>;
  count(table: string): Promise<number>;
}

/** The stub of the BackendObject named `name` in binding `binding`. */
export async function backendStub(
  mf: Miniflare,
  name: string,
  binding = "BACKEND",
): Promise<BackendStub> {
  const namespace = (await mf.getDurableObjectNamespace(binding)) as unknown as {
    idFromName(name: string): unknown;
    get(id: unknown): Record<string, (...args: unknown[]) => Promise<unknown>>;
  };
  const stub = namespace.get(namespace.idFromName(name));
  // What the proxy returns are proxies into workerd that die with it (and
  // cannot be structured-cloned): copy every answer into plain data.
  const call =
    (method: string) =>
    async (...args: unknown[]): Promise<never> => {
      const answer = await stub[method]?.(...args);
      return (answer === undefined ? undefined : JSON.parse(JSON.stringify(answer))) as never;
    };
  return {
    open: call("open"),
    append: call("append"),
    appendAndDrain: call("appendAndDrain"),
    tryAppend: call("tryAppend"),
    read: call("read"),
    drain: call("drain"),
    lost: call("lost"),
    close: call("close"),
    wipe: call("wipe"),
    count: call("count"),
  };
}

/** How long an append waits for an earlier append's answer to bring back its record. */
const FEED_WAIT_MS = 10_000;

/** A HubBackend over a BackendObject stub. */
export function remoteBackend(stub: BackendStub, options: SqliteBackendOptions = {}): HubBackend {
  let open: BackendOpenOptions | undefined;
  let closed = false;
  const seen = new Set<string>();

  // Feeds come back in the order the object drained them, but RPC answers may
  // overtake each other: hand records on strictly by seq, none twice.
  let delivered = 0;
  const pending = new Map<number, HubRecord>();
  const feed = (records: readonly HubRecord[]): void => {
    for (const record of records) pending.set(record.seq, record);
    for (let next = pending.get(delivered + 1); next !== undefined; ) {
      pending.delete(next.seq);
      delivered = next.seq;
      if (!closed) open?.onRecord(next);
      next = pending.get(delivered + 1);
    }
  };

  return {
    async open(options) {
      const answer = await stub.open(options.history, options.historyTtl, plainOptions());
      open = options;
      delivered = answer.head;
      return answer;
    },
    async append(topic, body, end) {
      seen.add(topic);
      const active = [...seen].filter((name) => open?.isActive(name) === true);
      const { record, feed: records } = await stub.appendAndDrain(topic, body, end, active);
      feed(records);
      // An earlier answer still on its way holds a record before this one: wait
      // for it, bounded; if it never comes the feed lost records, as onLost says.
      const deadline = performance.now() + FEED_WAIT_MS;
      while (record !== undefined && delivered < record.seq && !closed) {
        if (performance.now() > deadline) {
          open?.onLost(new Error(`remoteBackend: record ${delivered + 1} never came back`));
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      return record;
    },
    async read(topics, after) {
      for (const topic of topics) seen.add(topic);
      return stub.read(topics, after);
    },
    async close() {
      closed = true;
      await stub.close();
    },
  };

  /** The backend options with only their defined fields, to cross RPC. */
  function plainOptions(): SqliteBackendOptions {
    const plain: SqliteBackendOptions = {};
    if (options.prefix !== undefined) plain.prefix = options.prefix;
    if (options.maxTopics !== undefined) plain.maxTopics = options.maxTopics;
    if (options.maxBytes !== undefined) plain.maxBytes = options.maxBytes;
    return plain;
  }
}
