/**
 * A test Worker whose Durable Object wraps `sqliteBackend` on its own SQLite
 * storage and exposes the backend's methods over RPC, so tests in Node drive
 * the real backend in workerd (see ./remote-backend.ts). The live feed is
 * collected in the object and drained by the caller.
 *
 * @module
 */
import { DurableObject } from "cloudflare:workers";
import { type SqliteBackendOptions, sqliteBackend } from "../../src/cloudflare/sqlite-backend.ts";
import type { BackendSnapshot, HubBackend, HubRecord } from "../../src/hub/backend.ts";

/** One backend per object; `open` starts it on the object's storage. */
export class BackendObject extends DurableObject {
  #backend: HubBackend | undefined;
  #feed: HubRecord[] = [];
  #active = new Set<string>();
  #lost: string[] = [];

  async open(
    history: number,
    historyTtl: number,
    options: SqliteBackendOptions = {},
  ): Promise<{ epoch: string; head: number }> {
    if (this.#backend !== undefined) await this.#backend.close();
    this.#feed = [];
    this.#backend = sqliteBackend(this.ctx.storage, options);
    return this.#backend.open({
      history,
      historyTtl,
      onRecord: (record) => this.#feed.push(record),
      onLost: (reason) => this.#lost.push(String(reason)),
      isActive: (topic) => this.#active.has(topic),
    });
  }

  /** Appends, first telling the backend which topics have subscribers now. */
  append(
    topic: string,
    body: string,
    end: boolean,
    active?: readonly string[],
  ): Promise<HubRecord | undefined> {
    if (active !== undefined) this.#active = new Set(active);
    return this.#opened().append(topic, body, end);
  }

  /** `append`, with its error's name and message as data (the RPC proxy to Node keeps neither). */
  async tryAppend(
    topic: string,
    body: string,
    end: boolean,
  ): Promise<{ record?: HubRecord | undefined; error?: { name: string; message: string } }> {
    try {
      return { record: await this.append(topic, body, end) };
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      return { error: { name, message } };
    }
  }

  /** `append`, then the live feed since the last drain: one round trip for both. */
  async appendAndDrain(
    topic: string,
    body: string,
    end: boolean,
    active?: readonly string[],
  ): Promise<{ record: HubRecord | undefined; feed: HubRecord[] }> {
    const record = await this.append(topic, body, end, active);
    return { record, feed: this.drain() };
  }

  read(topics: readonly string[], after: number): Promise<BackendSnapshot> {
    return this.#opened().read(topics, after);
  }

  /** The live feed since the last drain, in the order onRecord got it. */
  drain(): HubRecord[] {
    const feed = this.#feed;
    this.#feed = [];
    return feed;
  }

  lost(): string[] {
    return this.#lost;
  }

  async close(): Promise<void> {
    await this.#backend?.close();
    this.#backend = undefined;
  }

  /** The storage loses everything, as `deleteAll()` does: the next open is a new life. */
  async wipe(): Promise<void> {
    await this.close();
    await this.ctx.storage.deleteAll();
  }

  /** What a raw SQL count says, to check that storage stays bounded. */
  count(table: string): number {
    const row = this.ctx.storage.sql.exec(`SELECT count(*) AS n FROM ${table}`).toArray()[0];
    return Number(row?.n ?? 0);
  }

  #opened(): HubBackend {
    if (this.#backend === undefined) throw new Error("BackendObject: open() first");
    return this.#backend;
  }
}

export default {
  fetch(): Response {
    return new Response("BackendObject is reached over RPC\n");
  },
};
