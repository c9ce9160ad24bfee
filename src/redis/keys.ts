/**
 * Where a hub's data lives in Redis. Every key of one hub is under the hash
 * tag `{prefix}`, so a Redis Cluster keeps them all in one slot (each Lua
 * script touches several keys at once, which Cluster allows only within one
 * slot). Apart from the epoch key, every key is under the epoch too: a new
 * epoch starts from nothing, even when Redis lost only some keys.
 *
 * ```text
 * {prefix}:epoch                    string  the epoch (SET when missing, or anew when Redis lost data)
 * {prefix}:run                      string  run id of the Redis server that last checked the epoch
 * {prefix}:<epoch>:seq              string  counter behind every seq (INCR)
 * {prefix}:<epoch>:floor            string  highest last seq of a dropped topic
 * {prefix}:<epoch>:topics           zset    topic -> time (µs) of its last append
 * {prefix}:<epoch>:live             stream  every record, all topics (MAXLEN ~ maxLen)
 * {prefix}:<epoch>:t:<topic>        stream  the topic's kept records (MAXLEN history)
 * {prefix}:<epoch>:s:<topic>        hash    the topic's last and ended seq
 * ```
 *
 * @module
 */
import { show } from "../check.ts";

/** The keys of one hub. */
export interface RedisKeys {
  /** String: the epoch, a random [a-z0-9] string. */
  readonly epoch: string;
  /** What every other key starts with: `{prefix}:` (the scripts add the epoch and the rest). */
  readonly base: string;
}

/** Checks `prefix` and lays out the keys. */
export function redisKeys(prefix: string): RedisKeys {
  if (typeof prefix !== "string" || prefix === "" || /[{}]/.test(prefix) || prefix.length > 128) {
    throw new TypeError(
      `redisBackend: "prefix" must be a non-empty string of at most 128 characters without "{" or "}" (got ${show(prefix)})`,
    );
  }
  // The braces make `prefix` the hash tag of every key: one Cluster slot per hub.
  const base = `{${prefix}}:`;
  return { epoch: `${base}epoch`, base };
}

/** The live stream of one epoch: every record of every topic, in seq order. */
export function liveKey(keys: RedisKeys, epoch: string): string {
  return `${keys.base}${epoch}:live`;
}

// A lone surrogate has no UTF-8 form: Redis would store U+FFFD for it and two
// different topics could share one key. Such names are stored as JSON, which
// escapes lone surrogates; the first character says which form follows.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A topic name as stored in Redis: one-to-one, and valid UTF-8. */
export function encodeTopic(topic: string): string {
  return LONE_SURROGATE.test(topic) ? `~${JSON.stringify(topic)}` : `=${topic}`;
}

/** The inverse of {@link encodeTopic}. */
export function decodeTopic(stored: string): string {
  return stored.startsWith("~") ? (JSON.parse(stored.slice(1)) as string) : stored.slice(1);
}
