/**
 * The options of `sqliteBackend`, the storage shape it needs, and their checks.
 *
 * @module
 */
import { integer, show } from "../check.ts";

/** A value SQLite hands back or takes as a binding. */
export type SqlValue = ArrayBuffer | string | number | null;

/**
 * The part of a Durable Object's `ctx.storage` the backend uses, typed
 * structurally so that this module imports nothing from `cloudflare:workers`:
 * `ctx.storage` of a SQLite-backed object fits it.
 */
export interface SqlStorageLike {
  readonly sql: {
    exec(query: string, ...bindings: SqlValue[]): { toArray(): Record<string, SqlValue>[] };
  };
  transactionSync<T>(closure: () => T): T;
}

/** Options of `sqliteBackend`. */
export interface SqliteBackendOptions {
  /**
   * Prefix of the backend's table names, so they never meet your own tables
   * in the same object (and two hubs in one object can keep apart).
   * Letters, digits and `_`, starting with a letter.
   * @defaultValue `"web_sse_"`
   */
  prefix?: string | undefined;
  /**
   * Topics whose state is kept. Past it, the state (records, last, ended) of
   * topics without subscribers is deleted, least recently appended first;
   * their old ids then take the gap path.
   * @defaultValue 10 000
   */
  maxTopics?: number | undefined;
  /**
   * UTF-8 bytes of event bodies kept across all topics. Past it, topics without
   * subscribers are deleted as above; if that is not enough, the oldest records
   * of any topic are deleted (their clients take the gap path).
   * @defaultValue 64 MiB
   */
  maxBytes?: number | undefined;
}

const DEFAULT_MAX_TOPICS = 10_000;
const DEFAULT_MAX_BYTES: number = 64 * 1024 * 1024;
/** Records looked at per append by the expiry sweep: bounds the work one publish does. */
export const SWEEP_BATCH = 64;
/** Topics looked at per query while choosing which to evict. */
export const EVICT_PAGE = 64;

const PREFIX = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** The checked options of a backend. */
export interface SqliteSettings {
  readonly prefix: string;
  readonly maxTopics: number;
  readonly maxBytes: number;
}

/**
 * Checks `sqliteBackend`'s options and fills in the defaults.
 *
 * @param options - As given.
 * @returns The prefix and bounds.
 * @throws TypeError or RangeError for an invalid option.
 */
export function sqliteSettings(options: SqliteBackendOptions): SqliteSettings {
  const prefix = options.prefix ?? "web_sse_";
  if (typeof prefix !== "string" || !PREFIX.test(prefix) || prefix.startsWith("_cf_")) {
    throw new TypeError(
      `sqliteBackend: "prefix" must be letters, digits and _, starting with a letter (not "_cf_"), at most 64 (got ${show(prefix)})`,
    );
  }
  const at = (name: string) => ({ where: "sqliteBackend", name });
  const maxTopics = integer(at("maxTopics"), options.maxTopics, DEFAULT_MAX_TOPICS, 1);
  const maxBytes = integer(at("maxBytes"), options.maxBytes, DEFAULT_MAX_BYTES, 1, " bytes");
  return { prefix, maxTopics, maxBytes };
}
