/**
 * Pure text/event-stream encoding: one message in, one block of text out.
 *
 * @module
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */
import { isBytes, show } from "./check.ts";

/** One event. A bare string anywhere a message is accepted means `{ data: string }`. */
export interface SSEMessage {
  /**
   * The payload. A string is sent as is; any other value except `undefined` is
   * passed through `serialize` (`JSON.stringify` by default); `undefined` sends
   * no data line.
   */
  data?: unknown;
  /** Event type (`EventSource` listeners by name). Must not contain CR or LF; `""` leaves the field out. */
  event?: string | undefined;
  /**
   * Event id, remembered by the client and sent back as `Last-Event-ID`. Must not
   * contain CR, LF or NUL; a number must be finite. `""` is sent as a bare `id`
   * line, which resets the client's last event id.
   */
  id?: string | number | undefined;
  /** Reconnection delay in ms: a safe integer >= 0. */
  retry?: number | undefined;
  /** Ignored by clients. Sent as one `:` line per line of the text. Must be a string. */
  comment?: string | undefined;
}

/** What a source may yield: a message, or a bare string meaning `{ data: string }`. */
export type SSEChunk = SSEMessage | string;

/** The field an {@link SSEEncodeError} is about. */
export type SSEField = "data" | "event" | "id" | "retry" | "comment";

/** Options shared by every encoding entry point. */
export interface EncodeOptions {
  /**
   * Turns non-string `data` into text. Must return a string.
   *
   * @defaultValue `JSON.stringify`
   */
  serialize?: ((data: unknown) => string) | undefined;
}

/**
 * Thrown for a message that cannot be encoded without changing what the client
 * would receive. Nothing of that message is written.
 *
 * @example Catching a bad event name
 * ```ts
 * import { encodeEvent, SSEEncodeError } from "web-sse";
 *
 * try {
 *   encodeEvent({ event: "a\nb", data: "x" });
 * } catch (error) {
 *   if (error instanceof SSEEncodeError) console.log(error.field); // "event"
 * }
 * ```
 */
export class SSEEncodeError extends TypeError {
  /** The field of the message that broke the rule. */
  readonly field: SSEField;

  /**
   * @param field - The field that broke the rule.
   * @param message - What is wrong and what is allowed.
   * @param options - `cause`, when another error (a serializer's) is the reason.
   */
  constructor(field: SSEField, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SSEEncodeError";
    this.field = field;
  }
}

// One regular expression for "any line break the WHATWG parser honours".
const LINE_BREAK = /\r\n|\r|\n/;
const HAS_LINE_BREAK = /[\r\n]/;
const HAS_LINE_BREAK_OR_NUL = /[\r\n\0]/;

function serializeData(data: unknown, serialize: ((data: unknown) => string) | undefined): string {
  if (typeof data === "string") return data;
  let text: unknown;
  try {
    text = serialize === undefined ? JSON.stringify(data) : serialize(data);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SSEEncodeError(
      "data",
      `"data" could not be serialized (${reason}); pass a string, a JSON-serializable value or a "serialize" function that handles it`,
      { cause },
    );
  }
  if (typeof text !== "string") {
    throw new SSEEncodeError(
      "data",
      serialize === undefined
        ? `"data" must be a string or a value JSON.stringify turns into text (got ${show(data)}, which gives ${show(text)})`
        : `"serialize" must return a string (got ${show(text)} for data ${show(data)})`,
    );
  }
  return text;
}

/**
 * Whether `text` has no line break. indexOf scans with memchr; a /[\r\n]/
 * test is ~30x slower on a 16 KiB string on Node 20 (V8 11.3).
 */
function isOneLine(text: string): boolean {
  return text.indexOf("\n") === -1 && text.indexOf("\r") === -1;
}

/** `data: ` lines for a text with line breaks in it. */
function dataLines(text: string): string {
  let out = "";
  for (const line of text.split(LINE_BREAK)) out += `data: ${line}\n`;
  return out;
}

/**
 * Prefixes every line of `text` (split on CRLF, LF and lone CR, as the parser
 * splits them) with `prefix`, each line ended by LF.
 */
function prefixLines(prefix: string, text: string, emptyLine: string): string {
  // The fast path: most payloads are one line.
  if (isOneLine(text)) {
    return text === "" ? `${emptyLine}\n` : `${prefix}${text}\n`;
  }
  let out = "";
  for (const line of text.split(LINE_BREAK))
    out += line === "" ? `${emptyLine}\n` : `${prefix}${line}\n`;
  return out;
}

function commentLines(comment: unknown): string {
  if (typeof comment !== "string") {
    throw new SSEEncodeError("comment", `"comment" must be a string (got ${show(comment)})`);
  }
  // ": " + line: a parser strips one space after the colon, so leading spaces survive.
  return prefixLines(": ", comment, ":");
}

/** The event type, checked; `""` leaves the field out. */
function eventName(event: unknown): string {
  if (typeof event !== "string") {
    throw new SSEEncodeError("event", `"event" must be a string (got ${show(event)})`);
  }
  if (HAS_LINE_BREAK.test(event)) {
    throw new SSEEncodeError("event", `"event" must not contain CR or LF (got ${show(event)})`);
  }
  return event;
}

/** The id as sent, checked; `""` is sent as a bare `id` line. */
function idText(id: unknown): string {
  let text: string;
  if (typeof id === "number") {
    if (!Number.isFinite(id)) {
      throw new SSEEncodeError("id", `"id" must be a finite number or a string (got ${show(id)})`);
    }
    text = String(id);
  } else if (typeof id === "string") {
    if (HAS_LINE_BREAK_OR_NUL.test(id)) {
      throw new SSEEncodeError(
        "id",
        `"id" must not contain CR, LF or NUL (got ${show(id)}); clients would split or ignore it`,
      );
    }
    text = id;
  } else {
    throw new SSEEncodeError("id", `"id" must be a string or a finite number (got ${show(id)})`);
  }
  return text;
}

function eventLine(event: unknown): string {
  const name = eventName(event);
  return name === "" ? "" : `event: ${name}\n`;
}

function idLine(id: unknown): string {
  const text = idText(id);
  // A bare "id" line sets the client's last event id to "" (a reset).
  return text === "" ? "id\n" : `id: ${text}\n`;
}

/** Checks a reconnection delay (the `retry` option checks the same rule in src/check.ts). */
function isRetry(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function retryLine(retry: unknown): string {
  if (!isRetry(retry)) {
    throw new SSEEncodeError(
      "retry",
      `"retry" must be a safe integer >= 0 in milliseconds (got ${show(retry)})`,
    );
  }
  return `retry: ${retry}\n`;
}

/** The error for an object that is not a message: it names what it got and why it is refused. */
function notAMessage(value: object): SSEEncodeError {
  if (isBytes(value)) {
    return new SSEEncodeError(
      "data",
      `a byte chunk is not a message (got ${show(value)}): a source yields strings or objects with data, event, id, retry or comment; to relay an upstream event stream, decode and parse it first (e.g. TextDecoderStream and eventsource-parser), or yield an EncodedEvent for bytes already encoded`,
    );
  }
  const got = show(value);
  if (got === "EncodedEvent") {
    // encodeEvent makes text; an EncodedEvent is bytes already, for a stream.
    return new SSEEncodeError(
      "data",
      "an EncodedEvent is already encoded, so encodeEvent cannot take it (got EncodedEvent): yield it from a source, write it to an SSEEncoderStream, or put it in new EncodedEvent([...])",
    );
  }
  return new SSEEncodeError(
    "data",
    `a message must be a string or an object that sets data, event, id, retry or comment; this one sets none of them (got ${got}), and a field set to undefined counts as not set`,
  );
}

/**
 * Encodes one message as a text/event-stream block, ended by a blank line.
 *
 * Fields go out in the order comment, event, id, retry, data, so a client has
 * the type and id before the data that dispatches the event. Data is split on
 * CRLF, LF and lone CR into one `data: ` line each, keeping leading spaces.
 * Nothing is altered silently: a field that cannot be sent as given throws,
 * and so does a value that is not a message (a byte chunk, a Date, an array,
 * an object that sets none of the five fields, a field set to `undefined`
 * counting as not set), which would otherwise go out as an empty event.
 *
 * @param message - The message, or a bare string meaning `{ data: message }`.
 * @param options - `serialize` for non-string data (default `JSON.stringify`).
 * @returns The encoded block, LF line endings, ending in a blank line.
 * @throws {@link SSEEncodeError} naming the field, the rule and the value.
 *
 * @example A typed event with a JSON payload
 * ```ts
 * import { encodeEvent } from "web-sse";
 *
 * encodeEvent({ event: "tick", id: 7, data: { n: 7 } });
 * // "event: tick\nid: 7\ndata: {\"n\":7}\n\n"
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function encodeEvent(message: SSEChunk, options?: EncodeOptions): string {
  return encodeMessage(message, options, false) as string;
}

/**
 * An event whose data is one long line, in two pieces: the event is
 * `head + data + "\n\n"`. A stream sends it as a chunk of its own, and on V8
 * encodes the pieces straight into one buffer: joined into one string first,
 * V8 copies the data once more to flatten it before it encodes (on Node 20
 * that doubled the time for 16 KiB events).
 */
export interface LongEvent {
  /** The fields before the data, ending in `data: `. */
  readonly head: string;
  /** The data: one line, at least {@link LONG_DATA} UTF-16 units. */
  readonly data: string;
}

/**
 * From this many UTF-16 units of one-line data an event is a {@link LongEvent}.
 * An event this long gains nothing from sharing a chunk, and a stream that
 * sends it at once need not watch the source for the next one. Below it, one
 * string encoded in one call is as fast or faster on every runtime measured.
 */
export const LONG_DATA: number = 8 * 1024;

/**
 * {@link encodeEvent} for a stream: the same bytes, checks and errors, but an
 * event with long one-line data comes back as a {@link LongEvent}.
 *
 * @param message - The message, or a bare string meaning `{ data: message }`.
 * @param options - `serialize` for non-string data (default `JSON.stringify`).
 * @returns The encoded block, or its two pieces.
 * @throws {@link SSEEncodeError} as `encodeEvent` does.
 */
export function encodeForStream(message: SSEChunk, options?: EncodeOptions): string | LongEvent {
  return encodeMessage(message, options, true);
}

function encodeMessage(
  message: SSEChunk,
  options: EncodeOptions | undefined,
  long: boolean,
): string | LongEvent {
  if (typeof message === "string") {
    if (long && message.length >= LONG_DATA && isOneLine(message)) {
      return { head: "data: ", data: message };
    }
    return `${prefixLines("data: ", message, "data: ")}\n`;
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    throw new SSEEncodeError(
      "data",
      `a message must be a string or an object with data, event, id, retry or comment (got ${show(message)})`,
    );
  }
  const { data, event, id, retry, comment } = message;
  // An object that sets none of the five fields would go out as a lone blank
  // line: the client sees nothing and the mistake (a byte chunk, a Date, a
  // misspelt field) goes unnoticed. Checked after destructuring, so a message
  // with data pays one comparison (five at most) and nothing more.
  if (
    data === undefined &&
    event === undefined &&
    id === undefined &&
    retry === undefined &&
    comment === undefined
  ) {
    throw notAMessage(message);
  }
  // The common event (a type, an id, one line of text) is made by one
  // template literal rather than appended field by field: each append leaves
  // one more piece in the rope a runtime flattens when the batch is encoded,
  // and on Bun 1.4 that flattening was a fifth of the time on small events.
  if (
    comment === undefined &&
    retry === undefined &&
    typeof data === "string" &&
    event !== undefined &&
    id !== undefined
  ) {
    const name = eventName(event);
    const text = idText(id);
    if (name !== "" && text !== "" && isOneLine(data)) {
      if (long && data.length >= LONG_DATA) {
        return { head: `event: ${name}\nid: ${text}\ndata: `, data };
      }
      return `event: ${name}\nid: ${text}\ndata: ${data}\n\n`;
    }
  }
  let out = "";
  if (comment !== undefined) out += commentLines(comment);
  if (event !== undefined) out += eventLine(event);
  if (id !== undefined) out += idLine(id);
  if (retry !== undefined) out += retryLine(retry);
  if (data !== undefined) {
    const text = serializeData(data, options?.serialize);
    if (!isOneLine(text)) out += dataLines(text);
    else if (long && text.length >= LONG_DATA) return { head: `${out}data: `, data: text };
    else out += `data: ${text}\n`;
  }
  return `${out}\n`;
}

/**
 * Encodes a comment block: one `:` line per line of `text`, then a blank line.
 * Clients ignore it; proxies and idle timers see traffic.
 *
 * @param text - The comment; CR, LF and CRLF each start a new line. Default `""`.
 * @returns `": text\n\n"`, or `":\n\n"` for an empty text.
 * @throws {@link SSEEncodeError} when `text` is not a string.
 *
 * @example A keepalive
 * ```ts
 * import { encodeComment } from "web-sse";
 *
 * encodeComment(); // ":\n\n"
 * encodeComment("ping"); // ": ping\n\n"
 * ```
 */
export function encodeComment(text = ""): string {
  return `${commentLines(text)}\n`;
}
