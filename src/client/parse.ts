/**
 * The WHATWG "Interpreting an event stream" steps on text: lines in, events
 * out, with nothing kept but the unfinished line and the event being built.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import { integer } from "../check.ts";
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
const SPACE = 32;
const COLON = 58;
const D = 100;
const E = 101;
const I = 105;
const R = 114;

/** Where a value starts: after the colon, one space skipped. */
function valueStart(s: string, afterColon: number, end: number): number {
  return afterColon < end && s.charCodeAt(afterColon) === SPACE ? afterColon + 1 : afterColon;
}

/**
 * Checks a `maxEventSize` option: a safe integer >= 1.
 *
 * @param value - The option as given.
 * @param where - Names the caller in the error.
 * @returns The bound to use; 64 MiB when not given.
 * @throws TypeError when it is not a number; RangeError when it is not a
 * safe integer >= 1.
 */
export function checkMaxEventSize(value: unknown, where: string): number {
  return integer({ where, name: "maxEventSize" }, value, DEFAULT_MAX_EVENT_SIZE, 1, " bytes");
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
  // The handlers live in fields of their own: calling through the handlers
  // object made V8 deoptimize the scan loop ("wrong call target") when each
  // stream brought closures of its own.
  readonly #onEvent: (event: SSEEvent) => void;
  readonly #onRetry: ((ms: number) => void) | undefined;
  readonly #onComment: ((text: string) => void) | undefined;
  readonly #max: number;
  /** The unfinished line (text after the last line break). */
  #partial = "";
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
    this.#onEvent = handlers.onEvent;
    this.#onRetry = handlers.onRetry;
    this.#onComment = handlers.onComment;
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
    // Most streams use LF only: a chunk without CR takes the short loop.
    if (text.indexOf("\r", pos) === -1) this.#feedLF(text, pos);
    else this.#feedAny(text, pos);
  }

  /** The lines of `text` from `pos`, which holds no CR. */
  #feedLF(text: string, pos: number): void {
    let lf = text.indexOf("\n", pos);
    while (lf !== -1) {
      this.#line(text, pos, lf);
      pos = lf + 1;
      lf = text.indexOf("\n", pos);
    }
    this.#keep(text, pos);
  }

  /** The lines of `text` from `pos`, ended by CR, LF or CRLF. */
  #feedAny(text: string, pos: number): void {
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
      if (end === -1) break;
      const next = end === cr && text.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
      if (end === cr && end + 1 === length) this.#afterCR = true;
      this.#line(text, pos, end);
      pos = next;
    }
    this.#keep(text, pos);
  }

  /** The line text[start, end), after the unfinished line kept from earlier chunks. */
  #line(text: string, start: number, end: number): void {
    if (this.#partial.length === 0) {
      if (end - start > this.#max) this.#tooBig(end - start);
      this.#field(text, start, end);
      return;
    }
    const line = this.#partial + text.slice(start, end);
    this.#partial = "";
    if (line.length > this.#max) this.#tooBig(line.length);
    this.#field(line, 0, line.length);
  }

  /** Keeps text[pos...] as the unfinished line. */
  #keep(text: string, pos: number): void {
    if (pos >= text.length) return;
    this.#partial = this.#partial.length === 0 ? text.slice(pos) : this.#partial + text.slice(pos);
    if (this.#partial.length + this.#data.length > this.#max) {
      this.#tooBig(this.#partial.length + this.#data.length);
    }
  }

  /**
   * The stream ended: an unfinished line and event are dropped, as the spec
   * says ("If the file ends in the middle of an event ... not dispatched").
   */
  end(): void {
    this.#partial = "";
    this.#data = "";
    this.#hasData = false;
    this.#type = "";
    this.#id = undefined;
    this.#idBuffer = this.#lastEventId;
  }

  /**
   * One line, s[start, end), by the spec's steps: blank dispatches, a colon
   * first is a comment, else a field and its value. Works on the range, so the
   * common fields cost one slice (the value) and no line string.
   */
  #field(s: string, start: number, end: number): void {
    if (start === end) {
      this.#dispatch();
      return;
    }
    const first = s.charCodeAt(start);
    if (first === COLON) {
      const onComment = this.#onComment;
      if (onComment !== undefined) onComment(s.slice(valueStart(s, start + 1, end), end));
      return;
    }
    // The known fields by their names' letters (char codes: no string made for
    // the name); a name must end at the colon or the line's end.
    if (
      first === D &&
      s.charCodeAt(start + 1) === 97 &&
      s.charCodeAt(start + 2) === 116 &&
      s.charCodeAt(start + 3) === 97
    ) {
      const at = start + 4;
      if (at === end) {
        this.#addData("");
        return;
      }
      if (s.charCodeAt(at) === COLON) {
        this.#addData(s.slice(valueStart(s, at + 1, end), end));
        return;
      }
    } else if (first === I && s.charCodeAt(start + 1) === 100) {
      const at = start + 2;
      if (at === end) {
        this.#setId("");
        return;
      }
      if (s.charCodeAt(at) === COLON) {
        this.#setId(s.slice(valueStart(s, at + 1, end), end));
        return;
      }
    } else if (first === E && s.startsWith("event", start)) {
      const at = start + 5;
      if (at === end) {
        this.#type = "";
        return;
      }
      if (s.charCodeAt(at) === COLON) {
        this.#type = s.slice(valueStart(s, at + 1, end), end);
        return;
      }
    } else if (first === R && s.startsWith("retry", start)) {
      const at = start + 5;
      if (at === end) return;
      if (s.charCodeAt(at) === COLON) {
        const value = s.slice(valueStart(s, at + 1, end), end);
        if (value.length > 0 && isDigits(value)) this.#onRetry?.(Number.parseInt(value, 10));
        return;
      }
    }
    // Any other field is ignored (the spec: "Otherwise ... ignore the field").
  }

  #addData(value: string): void {
    if (this.#hasData) {
      this.#data = `${this.#data}\n${value}`;
      if (this.#data.length > this.#max) this.#tooBig(this.#data.length);
    } else {
      this.#data = value;
      this.#hasData = true;
    }
  }

  #setId(value: string): void {
    if (value.includes("\0")) return;
    this.#idBuffer = value;
    this.#id = value;
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
    this.#onEvent(event);
  }

  #tooBig(size: number): never {
    this.#partial = "";
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
