/**
 * The WHATWG "Interpreting an event stream" steps on text: lines in, events
 * out, with nothing kept but the unfinished line and the event being built.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import type { SSEEvent } from "./event.ts";

/** What the parser tells its owner, in stream order. */
export interface ParserHandlers {
  /** An event block with data was dispatched. */
  readonly onEvent: (event: SSEEvent) => void;
  /** A `retry` field whose value is all ASCII digits. */
  readonly onRetry?: ((ms: number) => void) | undefined;
  /** A comment line's text, one leading space removed. */
  readonly onComment?: ((text: string) => void) | undefined;
}

/** Default bound for one line or one event's data: 64 MiB. */
export const DEFAULT_MAX_EVENT_SIZE: number = 64 * 1024 * 1024;

const LF = 10;
const CR = 13;
const SPACE = 32;

/**
 * Checks a `maxEventSize` option: a positive safe integer.
 *
 * @param value - The option as given.
 * @param where - Names the caller in the error.
 * @returns The bound to use.
 */
export function checkMaxEventSize(value: unknown, where: string): number {
  if (value === undefined) return DEFAULT_MAX_EVENT_SIZE;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(
      `${where}: "maxEventSize" must be a whole number of bytes >= 1 (got ${String(value)})`,
    );
  }
  return value;
}

/**
 * An incremental event-stream parser over text (already decoded from UTF-8).
 *
 * Linear in its input: each chunk is scanned once with `indexOf`, an unfinished
 * line is kept as one string that later text is appended to (V8 and
 * JavaScriptCore append to a rope, not a copy), and the event's data grows the
 * same way. Nothing of what was already dispatched is kept, so a stream of any
 * length holds only its current line and event.
 *
 * Sizes are counted in UTF-16 code units of the decoded text: the UTF-8 byte
 * count for ASCII text, and never more than it otherwise (so a bound of n
 * keeps at most 2n bytes of string in memory).
 */
export class EventStreamParser {
  readonly #handlers: ParserHandlers;
  readonly #max: number;
  /** The unfinished line (text after the last line break). */
  #line = "";
  /** True after a CR that ended a chunk: an LF starting the next chunk belongs to it. */
  #afterCR = false;
  /** True until the first text arrives: one leading BOM is dropped. */
  #start = true;
  #data = "";
  #hasData = false;
  #type = "";
  /** This block's own id field; undefined when it has none (yet). */
  #id: string | undefined = undefined;
  /** The spec's "last event ID buffer". */
  #idBuffer: string;
  /** The spec's "last event ID string": what the last dispatched block left. */
  #lastEventId: string;

  /**
   * @param handlers - Where events, retries and comments go.
   * @param maxEventSize - Bound on one line or one event's data (code units).
   * @param lastEventId - The last event id carried over from an earlier connection.
   */
  constructor(
    handlers: ParserHandlers,
    maxEventSize: number = DEFAULT_MAX_EVENT_SIZE,
    lastEventId = "",
  ) {
    this.#handlers = handlers;
    this.#max = maxEventSize;
    this.#idBuffer = lastEventId;
    this.#lastEventId = lastEventId;
  }

  /** The last event id as of the last dispatched block (an id-only block counts). */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /**
   * Parses the next piece of the stream's text.
   *
   * @param text - Any piece: lines may be split anywhere, also between CR and LF.
   * @throws RangeError when a line or an event's data passes the bound; the
   * parser is then unusable (the stream it reads is broken).
   */
  feed(text: string): void {
    if (text.length === 0) return;
    let pos = 0;
    if (this.#start) {
      this.#start = false;
      if (text.charCodeAt(0) === 0xfeff) pos = 1;
    }
    if (this.#afterCR) {
      this.#afterCR = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }
    const length = text.length;
    // The next CR and LF at or after pos; -1 once there is none left in this chunk.
    let cr = text.indexOf("\r", pos);
    let lf = text.indexOf("\n", pos);
    while (pos < length) {
      if (cr !== -1 && cr < pos) cr = text.indexOf("\r", pos);
      if (lf !== -1 && lf < pos) lf = text.indexOf("\n", pos);
      let end: number;
      if (cr === -1) end = lf;
      else if (lf === -1) end = cr;
      else end = Math.min(cr, lf);
      if (end === -1) {
        // No line break left: keep the rest as the unfinished line.
        this.#line = this.#line.length === 0 ? text.slice(pos) : this.#line + text.slice(pos);
        if (this.#line.length + this.#data.length > this.#max) {
          this.#tooBig(this.#line.length + this.#data.length);
        }
        return;
      }
      let line = text.slice(pos, end);
      if (this.#line.length !== 0) {
        line = this.#line + line;
        this.#line = "";
      }
      if (line.length > this.#max) this.#tooBig(line.length);
      if (text.charCodeAt(end) === CR) {
        if (end + 1 === length) this.#afterCR = true;
        else if (text.charCodeAt(end + 1) === LF) end++;
      }
      pos = end + 1;
      this.#processLine(line);
    }
  }

  /**
   * The stream ended: an unfinished line and event are dropped, as the spec
   * says ("If the file ends in the middle of an event ... not dispatched").
   */
  end(): void {
    this.#line = "";
    this.#data = "";
    this.#hasData = false;
    this.#type = "";
    this.#id = undefined;
    this.#idBuffer = this.#lastEventId;
  }

  #processLine(line: string): void {
    const length = line.length;
    if (length === 0) {
      this.#dispatch();
      return;
    }
    const colon = line.indexOf(":");
    if (colon === 0) {
      const onComment = this.#handlers.onComment;
      if (onComment !== undefined) {
        onComment(line.charCodeAt(1) === SPACE ? line.slice(2) : line.slice(1));
      }
      return;
    }
    let field: string;
    let value: string;
    if (colon === -1) {
      field = line;
      value = "";
    } else {
      field = line.slice(0, colon);
      const start = line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
      value = line.slice(start);
    }
    switch (field) {
      case "data":
        if (this.#hasData) {
          this.#data = `${this.#data}\n${value}`;
          if (this.#data.length > this.#max) this.#tooBig(this.#data.length);
        } else {
          this.#data = value;
          this.#hasData = true;
        }
        return;
      case "event":
        this.#type = value;
        return;
      case "id":
        if (!value.includes("\0")) {
          this.#idBuffer = value;
          this.#id = value;
        }
        return;
      case "retry":
        if (value.length > 0 && isDigits(value))
          this.#handlers.onRetry?.(Number.parseInt(value, 10));
        return;
      default:
      // Unknown fields are ignored.
    }
  }

  #dispatch(): void {
    this.#lastEventId = this.#idBuffer;
    const id = this.#id;
    this.#id = undefined;
    if (!this.#hasData) {
      this.#type = "";
      return;
    }
    const event: SSEEvent = {
      event: this.#type === "" ? "message" : this.#type,
      data: this.#data,
      id,
      lastEventId: this.#lastEventId,
    };
    this.#data = "";
    this.#hasData = false;
    this.#type = "";
    this.#handlers.onEvent(event);
  }

  #tooBig(size: number): never {
    this.#line = "";
    this.#data = "";
    throw new RangeError(
      `event stream: a line or event passed maxEventSize (${this.#max} bytes; got at least ${size}). ` +
        "Raise maxEventSize if the upstream really sends events this large.",
    );
  }
}

/** True when every code unit of `text` is an ASCII digit. */
function isDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
