/**
 * Turning what each client returns into plain values: node-redis, ioredis and
 * Bun answer the same command with arrays (RESP2), objects or Maps (RESP3).
 *
 * @module
 */

/** A reply as a string ("" for nil). Integer replies may arrive as numbers or bigints. */
export function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined || value === false) return "";
  if (typeof value === "object" && value instanceof Uint8Array)
    return new TextDecoder().decode(value);
  return String(value);
}

/** A reply as an array (nil: empty). */
export function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === null || value === undefined) return [];
  throw new TypeError(`web-sse/redis: expected an array reply from Redis (got ${typeof value})`);
}

/** One stream entry: its id and its fields by name. */
export interface StreamEntry {
  readonly id: string;
  readonly fields: Record<string, string>;
}

/** Parses `[id, [field, value, ...]]` (fields may also come as an object or a Map). */
export function streamEntry(raw: unknown): StreamEntry {
  const [id, rawFields] = list(raw);
  const fields: Record<string, string> = {};
  if (Array.isArray(rawFields)) {
    for (let i = 0; i + 1 < rawFields.length; i += 2) {
      fields[text(rawFields[i])] = text(rawFields[i + 1]);
    }
  } else if (rawFields instanceof Map) {
    for (const [key, value] of rawFields) fields[text(key)] = text(value);
  } else if (rawFields !== null && typeof rawFields === "object") {
    for (const [key, value] of Object.entries(rawFields)) fields[key] = text(value);
  }
  return { id: text(id), fields };
}

/**
 * The entries of the one stream an XREAD asked for, whatever the reply shape:
 * nil, `[[key, entries]]` (RESP2), `[key, entries]` (a RESP3 map flattened),
 * `{ key: entries }` or a Map.
 */
export function xreadEntries(reply: unknown): unknown[] {
  if (reply === null || reply === undefined) return [];
  if (reply instanceof Map) {
    for (const entries of reply.values()) return list(entries);
    return [];
  }
  if (Array.isArray(reply)) {
    if (reply.length === 0) return [];
    const first = reply[0];
    if (Array.isArray(first)) return list(first[1]);
    return list(reply[1]);
  }
  if (typeof reply === "object") {
    for (const entries of Object.values(reply)) return list(entries);
    return [];
  }
  throw new TypeError(`web-sse/redis: unexpected XREAD reply (${typeof reply})`);
}

/** A seq from an entry id `<seq>-0`. */
export function seqOf(id: string): number {
  const dash = id.indexOf("-");
  return Number(dash === -1 ? id : id.slice(0, dash));
}
