/**
 * The validation kit: one way to show a value in an error message, one
 * integer and duration check, one signal check, one byte-array join and one
 * epoch maker, shared by the core, the hub and its backends.
 *
 * The error classes follow one rule everywhere: a value of the wrong type (a
 * string where a number belongs, a malformed name) is a TypeError; a number
 * of the right type outside the allowed range (negative, fractional, too
 * big) is a RangeError. Every message names the option, says the rule and
 * shows the value: `createHub: "history" must be a safe integer >= 0 (got -1)`.
 *
 * @module
 */

/** How long a shown value may be before it is cut (with "..."). */
const SHOW_LENGTH = 60;

function cut(text: string): string {
  return text.length > SHOW_LENGTH ? `${text.slice(0, SHOW_LENGTH - 3)}...` : text;
}

/** Whether `value` holds raw bytes (a typed array, DataView or ArrayBuffer). */
export function isBytes(value: object): value is ArrayBufferView | ArrayBuffer {
  return (
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    (typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer)
  );
}

/**
 * Shows a value in an error message, cut to a readable length: a string
 * quoted (so `"5"` and `5` differ, and a line break is visible as `\n`), a
 * number as written (`NaN` and `Infinity` too, which JSON would hide as
 * `null`), a plain object or array as JSON, an instance of a class by its
 * class (`Date(1970-01-01T00:00:00.000Z)`, `Uint8Array(10 bytes)`, `Map`).
 *
 * @param value - Anything.
 * @returns At most 60 characters.
 */
export function show(value: unknown): string {
  switch (typeof value) {
    case "string":
      return cut(JSON.stringify(value));
    case "bigint":
      return cut(`${value}n`);
    case "function":
      return cut(`function ${value.name === "" ? "(anonymous)" : value.name}`);
    case "object":
      return value === null ? "null" : cut(showObject(value));
    default:
      // number, boolean, undefined, symbol.
      return cut(String(value));
  }
}

function showObject(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name === "string" && name !== "Object" && name !== "Array" && name !== "") {
    if (isBytes(value)) return `${name}(${value.byteLength} bytes)`;
    if (value instanceof Date) {
      return `${name}(${Number.isNaN(value.getTime()) ? "invalid" : value.toISOString()})`;
    }
    return name;
  }
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    // A cycle, or a getter that throws.
    return Object.prototype.toString.call(value);
  }
}

/** Where an option is checked and what it is called, for error messages. */
export interface Named {
  /** The public function checked, e.g. "createHub"; empty for the core's own options. */
  readonly where: string;
  /** The option's name, e.g. "history". */
  readonly name: string;
}

function label({ where, name }: Named): string {
  return where === "" ? `"${name}"` : `${where}: "${name}"`;
}

/**
 * Checks an optional whole-number option.
 *
 * @param at - Where and which option, for the message.
 * @param value - What the user passed.
 * @param fallback - Used when `value` is undefined.
 * @param min - The smallest allowed value.
 * @param unit - Added to the rule, e.g. " in milliseconds".
 * @returns The value, or the fallback.
 * @throws TypeError when `value` is not a number; RangeError when it is not
 * a safe integer >= `min`.
 */
export function integer(
  at: Named,
  value: unknown,
  fallback: number,
  min: number,
  unit = "",
): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= min) return value;
  const rule = `${label(at)} must be a safe integer >= ${min}${unit} (got ${show(value)})`;
  throw typeof value === "number" ? new RangeError(rule) : new TypeError(rule);
}

/**
 * Checks an optional duration: milliseconds as a safe integer >= 0, or
 * `false` for "never" (0, which means off too).
 *
 * @param at - Where and which option, for the message.
 * @param value - What the user passed.
 * @param fallback - Used when `value` is undefined.
 * @returns The duration; 0 when turned off.
 * @throws TypeError when `value` is neither a number nor false; RangeError
 * when it is not a safe integer >= 0.
 */
export function duration(at: Named, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === false) return 0;
  if (typeof value !== "number") {
    throw new TypeError(
      `${label(at)} must be a number of milliseconds or false (got ${show(value)})`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `${label(at)} must be a whole number of milliseconds >= 0, or false to turn it off (got ${show(value)})`,
    );
  }
  return value;
}

/**
 * Checks an optional callback.
 *
 * @param at - Where and which option, for the message.
 * @param value - What the user passed.
 * @returns The function, or undefined.
 * @throws TypeError when `value` is defined and not a function.
 */
export function callback<T>(at: Named, value: T): T {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(`${label(at)} must be a function (got ${show(value)})`);
  }
  return value;
}

/**
 * Whether `value` behaves as an AbortSignal. Checked by shape, not by class:
 * a signal from another realm or a polyfill is as good.
 *
 * @param value - Anything.
 * @returns true for an AbortSignal.
 */
export function isSignal(value: unknown): value is AbortSignal {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" &&
    typeof (value as AbortSignal).addEventListener === "function"
  );
}

/**
 * Checks an optional AbortSignal.
 *
 * @param at - Where and which option, for the message.
 * @param value - What the user passed.
 * @param rule - How the message ends the rule, e.g. " or undefined".
 * @returns The signal, or undefined.
 * @throws TypeError when `value` is defined and not an AbortSignal.
 */
export function signal(at: Named, value: unknown, rule = ""): AbortSignal | undefined {
  if (value !== undefined && !isSignal(value)) {
    throw new TypeError(`${label(at)} must be an AbortSignal${rule} (got ${show(value)})`);
  }
  return value;
}

/**
 * Joins byte chunks into one; a single chunk is returned as is (no copy).
 *
 * @param chunks - The chunks, in order.
 * @param total - Their total length, when the caller already counted it.
 * @returns One chunk.
 */
export function concat(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let length = total;
  if (length === undefined) {
    length = 0;
    for (const chunk of chunks) length += chunk.byteLength;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * A new epoch: 10 random characters of [a-z0-9] (about 51 bits), from
 * `crypto.getRandomValues` (a Web API on every runtime the hub runs on). It
 * tells one life of a backend's ids from another, so an id from an earlier
 * life is recognised as a gap, never read as a position.
 *
 * @returns The epoch.
 */
export function newEpoch(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  let out = "";
  for (const byte of bytes) out += (byte % 36).toString(36);
  return out;
}
