/**
 * The three Redis clients `web-sse/redis` accepts, told apart by shape (no
 * Redis package is imported), behind one small connection interface.
 *
 * @module
 */

import { show } from "../check.ts";
import { bounded } from "./errors.ts";

/** node-redis (`redis` v4 and later): a connected `createClient()` client. */
export interface NodeRedisLike {
  /** Sends one command given as its words. */
  sendCommand(args: string[]): Promise<unknown>;
  /** A new, unconnected client with the same options. */
  duplicate(): unknown;
}

/** node-redis's Cluster client (`createCluster()`), connected. */
export interface NodeRedisClusterLike {
  /** Sends one command to the node that serves `firstKey`'s slot. */
  sendCommand(firstKey: string, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  /** The master serving a slot (tells a cluster client from a plain one). */
  getSlotMaster(slot: number): unknown;
  /** A new, unconnected cluster client with the same options. */
  duplicate(): unknown;
}

/** ioredis: a `new Redis()` client, or a `new Cluster()`. */
export interface IORedisLike {
  /** Sends one command. */
  call(command: string, ...args: string[]): Promise<unknown>;
  /** A new client with the same options, connecting unless `lazyConnect` is set. */
  duplicate(): unknown;
}

/** Bun's built-in `RedisClient` (`import { RedisClient } from "bun"`). */
export interface BunRedisLike {
  /** Sends one command. */
  send(command: string, args: string[]): Promise<unknown>;
  /** A new connected client with the same options. */
  duplicate(): Promise<unknown>;
}

/**
 * A Redis client `redisBackend` can use: node-redis (v4 or later), ioredis, or
 * Bun's `RedisClient`. Typed by shape, so no Redis package is loaded at run time.
 */
export type RedisLike = NodeRedisLike | NodeRedisClusterLike | IORedisLike | BunRedisLike;

/**
 * One connection, whatever the client.
 *
 * @internal
 */
export interface Conn {
  /** Sends a command given as its words (name first). */
  send(args: readonly string[]): Promise<unknown>;
  /**
   * A new connection of the same kind, connected or connecting; the caller
   * owns it. Rejects with a TimeoutError after `ms`, leaving no connection behind.
   */
  duplicate(ms: number): Promise<Conn>;
  /** Drops the connection at once; a pending command (a blocked XREAD) is rejected. */
  destroy(): void;
}

type Anything = Record<string, unknown>;

function has(value: unknown, name: string): boolean {
  return typeof (value as Anything)[name] === "function";
}

function call(target: unknown, name: string, ...args: unknown[]): unknown {
  return ((target as Anything)[name] as (...a: unknown[]) => unknown).apply(target, args);
}

/** Swallows a client's `error` events on connections we own (node-redis and ioredis crash the process without a listener). */
function quiet(client: unknown): void {
  if (has(client, "on")) call(client, "on", "error", () => {});
}

function destroyQuietly(client: unknown): void {
  try {
    // node-redis v5+: destroy(); node-redis v4 and ioredis: disconnect(); Bun: close().
    for (const name of ["destroy", "disconnect", "close"]) {
      if (has(client, name)) {
        const result = call(client, name);
        if (result instanceof Promise) result.catch(() => {});
        return;
      }
    }
  } catch {
    // Already closed.
  }
}

class IORedisConn implements Conn {
  constructor(private readonly client: unknown) {}
  send(args: readonly string[]): Promise<unknown> {
    return call(this.client, "call", ...args) as Promise<unknown>;
  }
  duplicate(_ms: number): Promise<Conn> {
    const copy = call(this.client, "duplicate");
    quiet(copy);
    // A duplicate of a lazyConnect client waits for connect(); commands queue meanwhile.
    if ((copy as Anything).status === "wait" && has(copy, "connect")) {
      (call(copy, "connect") as Promise<unknown>).catch(() => {});
    }
    return Promise.resolve(new IORedisConn(copy));
  }
  destroy(): void {
    destroyQuietly(this.client);
  }
}

class BunConn implements Conn {
  constructor(private readonly client: unknown) {}
  send(args: readonly string[]): Promise<unknown> {
    return call(this.client, "send", args[0], args.slice(1)) as Promise<unknown>;
  }
  async duplicate(ms: number): Promise<Conn> {
    const pending = (call(this.client, "duplicate") as Promise<unknown>).then(
      (copy) => new BunConn(copy),
    );
    try {
      return await bounded(pending, ms, "connecting a duplicate");
    } catch (error) {
      // Connected after all, too late: close it.
      pending.then(
        (conn) => conn.destroy(),
        () => {},
      );
      throw error;
    }
  }
  destroy(): void {
    destroyQuietly(this.client);
  }
}

class NodeRedisConn implements Conn {
  constructor(protected readonly client: unknown) {}
  /** A Conn of the same kind around a duplicate. */
  protected wrap(copy: unknown): NodeRedisConn {
    return new NodeRedisConn(copy);
  }
  send(args: readonly string[]): Promise<unknown> {
    return call(this.client, "sendCommand", args.slice()) as Promise<unknown>;
  }
  async duplicate(ms: number): Promise<Conn> {
    // node-redis duplicates are unconnected.
    const copy = call(this.client, "duplicate");
    quiet(copy);
    const conn = this.wrap(copy);
    try {
      await bounded(call(copy, "connect") as Promise<unknown>, ms, "connecting a duplicate");
    } catch (error) {
      // Its connect() may keep retrying in the background: stop it.
      conn.destroy();
      throw error;
    }
    return conn;
  }
  destroy(): void {
    destroyQuietly(this.client);
  }
}

/**
 * node-redis's cluster client routes by a key given apart from the command:
 * every key of one hub shares a hash tag, so one key of it routes them all.
 */
class NodeRedisClusterConn extends NodeRedisConn {
  constructor(
    client: unknown,
    private readonly route: string,
  ) {
    super(client);
  }
  override send(args: readonly string[]): Promise<unknown> {
    return call(this.client, "sendCommand", this.route, false, args.slice()) as Promise<unknown>;
  }
  protected override wrap(copy: unknown): NodeRedisConn {
    return new NodeRedisClusterConn(copy, this.route);
  }
}

/**
 * Wraps the user's client; a TypeError names what was expected when it is
 * none of the kinds. `route` is a key of the hub, for cluster clients.
 *
 * @internal
 */
export function adapt(client: unknown, route: string): Conn {
  if (client !== null && typeof client === "object" && has(client, "duplicate")) {
    // ioredis also has a sendCommand (taking a Command object): look for call() first.
    if (has(client, "call")) return new IORedisConn(client);
    if (has(client, "sendCommand") && has(client, "getSlotMaster")) {
      return new NodeRedisClusterConn(client, route);
    }
    if (has(client, "sendCommand")) return new NodeRedisConn(client);
    if (has(client, "send")) return new BunConn(client);
  }
  throw new TypeError(
    `redisBackend: "client" must be a node-redis, ioredis or Bun RedisClient instance (with duplicate() and sendCommand(), call() or send()) (got ${show(
      client === null || typeof client !== "object"
        ? client
        : Object.prototype.toString.call(client),
    )})`,
  );
}
