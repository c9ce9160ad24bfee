/**
 * web-sse/redis: a hub backend on Redis Streams, so several server instances
 * share one hub (publish on any, subscribe on any, resume on any).
 *
 * Takes your own connected client (node-redis, ioredis, or Bun's
 * `RedisClient`); no Redis package is imported here.
 *
 * @example A hub across instances
 * ```ts
 * import { Redis } from "ioredis";
 * import { createHub } from "web-sse/hub";
 * import { redisBackend } from "web-sse/redis";
 *
 * const hub = createHub({ backend: redisBackend(new Redis(), { prefix: "app" }) });
 * export default {
 *   fetch: (request: Request) => hub.response(request, "news"),
 * };
 * ```
 * @module
 */

export { type RedisBackendOptions, redisBackend } from "./redis/backend.ts";
export type {
  BunRedisLike,
  IORedisLike,
  NodeRedisClusterLike,
  NodeRedisLike,
  RedisLike,
} from "./redis/client.ts";
export { RedisBackendError } from "./redis/errors.ts";
