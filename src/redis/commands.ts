/**
 * Running commands and scripts on Redis: EVALSHA with its EVAL fallback,
 * deadlines, and failures turned into {@link RedisBackendError}s that say
 * whether anything was stored.
 *
 * @module
 */
import { show } from "../check.ts";
import type { Conn } from "./client.ts";
import { bounded, RedisBackendError, TimeoutError } from "./errors.ts";
import { text } from "./reply.ts";
import { APPEND, type Script } from "./scripts.ts";

// EVALSHA names scripts by their SHA-1; a Redis that restarted forgot them, so NOSCRIPT falls back to EVAL.
const shas = new Map<Script, Promise<string>>();
function sha1(script: Script): Promise<string> {
  let sha = shas.get(script);
  if (sha === undefined) {
    sha = crypto.subtle
      .digest("SHA-1", new TextEncoder().encode(script.text))
      .then((digest) =>
        Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(""),
      );
    shas.set(script, sha);
  }
  return sha;
}

/** Redis error replies: the command was refused and did nothing. */
export const REFUSED: RegExp =
  /^(ERR|OOM|WRONGTYPE|NOSCRIPT|BUSY|READONLY|MISCONF|NOPERM|NOAUTH|CROSSSLOT|MOVED|ASK|LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN)\b/;

async function evalScript(
  conn: Conn,
  script: Script,
  keys: string[],
  args: string[],
): Promise<unknown> {
  const tail = [String(keys.length), ...keys, ...args];
  try {
    return await conn.send(["EVALSHA", await sha1(script), ...tail]);
  } catch (error) {
    if (!/NOSCRIPT/.test(String((error as Error)?.message))) throw error;
    return conn.send(["EVAL", script.text, ...tail]);
  }
}

/**
 * Runs a script within `timeout` ms; every failure becomes a
 * RedisBackendError that says whether an append may have been stored.
 */
export async function runScript(
  conn: Conn,
  script: Script,
  keys: string[],
  args: string[],
  timeout: number,
  what: string,
): Promise<unknown> {
  try {
    return await bounded(evalScript(conn, script, keys, args), timeout, what);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof TimeoutError) {
      throw new RedisBackendError(
        `redisBackend: ${what}: no answer from Redis within ${timeout} ms${script === APPEND ? "; the record may or may not have been stored" : ""}`,
        undefined,
        error,
      );
    }
    if (REFUSED.test(message)) {
      throw new RedisBackendError(
        `redisBackend: ${what}: Redis refused it (${show(message)})${script === APPEND ? "; nothing was stored" : ""}`,
        false,
        error,
      );
    }
    throw new RedisBackendError(
      `redisBackend: ${what}: ${show(message)}${script === APPEND ? "; the record may or may not have been stored" : ""}`,
      undefined,
      error,
    );
  }
}

/**
 * Whether the server fsyncs every write (`appendfsync always`), which only
 * CONFIG GET tells (a script may not call it). Refused (ACLs, a renamed
 * CONFIG): not vouched for, so a restart starts a new epoch.
 */
export async function fsyncsAlways(conn: Conn, timeout: number, what: string): Promise<boolean> {
  try {
    const reply = await bounded(conn.send(["CONFIG", "GET", "appendfsync"]), timeout, what);
    return configValue(reply, "appendfsync") === "always";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (REFUSED.test(message)) return false;
    // Redis away: decide nothing on what could not be read.
    throw new RedisBackendError(`redisBackend: ${what}: ${show(message)}`, false, error);
  }
}

/** Whether a script answered that the server is not the one the instance knows. */
export function isRecheck(reply: unknown): boolean {
  return Array.isArray(reply) && reply.length === 1 && text(reply[0]) === "!recheck";
}

/** A CONFIG GET answer's value, whatever shape the client gives it (pairs, object, Map). */
function configValue(reply: unknown, name: string): string {
  if (reply instanceof Map) return text(reply.get(name));
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) {
      if (text(reply[i]) === name) return text(reply[i + 1]);
    }
    return "";
  }
  if (reply !== null && typeof reply === "object") {
    return text((reply as Record<string, unknown>)[name]);
  }
  return "";
}
