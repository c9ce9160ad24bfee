/**
 * The few types of the `cloudflare:workers` module that `web-sse/cloudflare`
 * is compiled against. The project builds with `types: []`, so
 * `@cloudflare/workers-types` is not in the build; these stand in for it.
 *
 * They are only for this package's own build: `tsc` does not copy `.d.ts`
 * files to `dist/`, so the published `dist/cloudflare.d.ts` imports
 * `DurableObject` from `cloudflare:workers` and a user's project resolves it
 * with the real declarations (`wrangler types` or `@cloudflare/workers-types`),
 * which every TypeScript Worker that declares a Durable Object already has.
 * Nothing in the published declarations names a type from this file, so the
 * two never have to agree beyond `DurableObject<Env>` itself.
 */
declare module "cloudflare:workers" {
  /** A value SQLite hands back or takes as a binding. */
  type SqlStorageValue = ArrayBuffer | string | number | null;

  /** The result of `sql.exec()`: rows read lazily, or all at once. */
  interface SqlStorageCursor<T extends Record<string, SqlStorageValue>> extends Iterable<T> {
    toArray(): T[];
    one(): T;
  }

  /** `ctx.storage.sql` of a SQLite-backed Durable Object. */
  interface SqlStorage {
    exec<T extends Record<string, SqlStorageValue> = Record<string, SqlStorageValue>>(
      query: string,
      ...bindings: unknown[]
    ): SqlStorageCursor<T>;
  }

  /** `ctx.storage`: only what this package uses. */
  interface DurableObjectStorage {
    readonly sql: SqlStorage;
    transactionSync<T>(closure: () => T): T;
    deleteAll(): Promise<void>;
  }

  /** `ctx` of a Durable Object: only what this package uses. */
  interface DurableObjectState {
    readonly storage: DurableObjectStorage;
  }

  /** The base class of a Durable Object with RPC methods. */
  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState;
    protected env: Env;
    constructor(ctx: DurableObjectState, env: Env);
  }
}
