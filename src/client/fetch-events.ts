/**
 * `fetchEvents`: an event stream over fetch (any method, headers and body)
 * that reconnects with Last-Event-ID like EventSource, with a chosen policy.
 *
 * @module
 */
import { sleep } from "../sleep.ts";
import { SSEResponseError } from "./errors.ts";
import type { SSEEvent } from "./event.ts";
import { checkLastEventId, type FetchEventsOptions, type Settings, settingsOf } from "./options.ts";
import { EventStreamParser } from "./parse.ts";
import { attemptRequest, isEventStream } from "./request.ts";
import { RETRIED_STATUSES, reconnectDelay, retryAfter } from "./retry.ts";

/** The iteration {@link fetchEvents} returns. */
export interface EventStream extends AsyncIterableIterator<SSEEvent> {
  /** The last event id seen so far; sent on the next reconnect. */
  readonly lastEventId: string;
  /** Ends the iteration and aborts the open request. */
  close(): void;
}

const noop = (): void => {};

/** Thrown inside an attempt when no bytes came for stallTimeout ms. */
class StallError extends Error {
  constructor(ms: number) {
    super(`fetchEvents: no bytes for ${ms} ms (stallTimeout); the connection counts as lost`);
    this.name = "StallError";
  }
}

class FetchEventStream implements EventStream {
  readonly #settings: Settings;
  /** Aborted by close(), the caller's signal or return(): ends everything. */
  readonly #closed = new AbortController();
  readonly #generator: AsyncGenerator<SSEEvent, undefined, undefined>;
  readonly #unlink: () => void;
  #lastEventId: string;

  constructor(settings: Settings, lastEventId: string, signal: AbortSignal | undefined) {
    this.#settings = settings;
    this.#lastEventId = lastEventId;
    this.#generator = this.#run();
    if (signal === undefined) {
      this.#unlink = noop;
    } else if (signal.aborted) {
      this.#unlink = noop;
      this.close();
    } else {
      const onAbort = (): void => this.close();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#unlink = () => signal.removeEventListener("abort", onAbort);
    }
  }

  get lastEventId(): string {
    return this.#lastEventId;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<SSEEvent, undefined>> {
    return this.#generator.next();
  }

  return(): Promise<IteratorResult<SSEEvent, undefined>> {
    this.close();
    return this.#generator.return(undefined);
  }

  close(): void {
    if (this.#closed.signal.aborted) return;
    this.#unlink();
    this.#closed.abort();
    // Runs the generator's finally now if it is parked at a yield (or was never
    // started); queued behind a pending next() otherwise, which the abort ends.
    this.#generator.return(undefined).catch(noop);
  }

  async *#run(): AsyncGenerator<SSEEvent, undefined, undefined> {
    const settings = this.#settings;
    const closed = this.#closed.signal;
    let empty = 0;
    let reconnects = 0;
    let serverRetry: number | undefined;
    try {
      for (;;) {
        if (closed.aborted) return undefined;
        const attempt = new AbortController();
        const abortAttempt = (): void => attempt.abort();
        closed.addEventListener("abort", abortAttempt, { once: true });
        let delivered = false;
        let status: number | undefined;
        let error: unknown;
        let wait: number | undefined;
        let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
        /** Set when the response goes to the caller on an SSEResponseError: its body stays open. */
        let handedOver = false;
        try {
          const request = attemptRequest(
            settings.input,
            settings.init,
            this.#lastEventId,
            attempt.signal,
          );
          let response: Response | undefined;
          try {
            response = await settings.fetch(request);
          } catch (cause) {
            if (closed.aborted) return undefined;
            if (!settings.reconnect) throw cause;
            error = cause;
          }
          if (closed.aborted) {
            response?.body?.cancel().catch(noop);
            return undefined;
          }
          if (response !== undefined) {
            status = response.status;
            const contentType = response.headers.get("content-type");
            if (status === 204) {
              response.body?.cancel().catch(noop);
              return undefined;
            }
            if (RETRIED_STATUSES.has(status)) {
              if (!settings.reconnect) {
                handedOver = true;
                throw new SSEResponseError(
                  response,
                  `fetchEvents: ${request.method} ${request.url} answered ${statusLine(response)} and reconnect is false, so it is not retried`,
                );
              }
              response.body?.cancel().catch(noop);
              wait = retryAfter(response.headers.get("retry-after"), Date.now());
            } else if (status !== 200 || !isEventStream(contentType)) {
              handedOver = true;
              throw new SSEResponseError(
                response,
                `fetchEvents: ${request.method} ${request.url} answered ${statusLine(response)} with Content-Type ${
                  contentType === null ? "(none)" : JSON.stringify(contentType)
                }; an event stream needs 200 and text/event-stream. Not retried; the response is on error.response`,
              );
            } else {
              status = undefined;
              settings.onOpen?.(response);
              if (closed.aborted) {
                response.body?.cancel().catch(noop);
                return undefined;
              }
              const queue: SSEEvent[] = [];
              const parser = new EventStreamParser(
                {
                  onEvent: (event) => queue.push(event),
                  onRetry: (ms) => {
                    serverRetry = ms;
                  },
                },
                settings.maxEventSize,
                this.#lastEventId,
              );
              const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
              reader = response.body?.getReader();
              while (reader !== undefined) {
                let result: ReadableStreamReadResult<Uint8Array>;
                try {
                  result = await read(reader, settings.stallTimeout, attempt);
                } catch (cause) {
                  if (closed.aborted) return undefined;
                  if (!settings.reconnect) throw cause;
                  error = cause;
                  break;
                }
                // The events before an oversized one go out before its RangeError.
                let tooBig: unknown;
                try {
                  parser.feed(
                    result.done ? decoder.decode() : decoder.decode(result.value, { stream: true }),
                  );
                } catch (cause) {
                  tooBig = cause;
                }
                for (let event = queue.shift(); event !== undefined; event = queue.shift()) {
                  delivered = true;
                  this.#lastEventId = event.lastEventId;
                  yield event;
                  if (closed.aborted) return undefined;
                }
                if (tooBig !== undefined) throw tooBig;
                // An id-only block moves the last event id too.
                this.#lastEventId = parser.lastEventId;
                if (result.done) break;
              }
              this.#lastEventId = parser.lastEventId;
            }
          }
        } finally {
          closed.removeEventListener("abort", abortAttempt);
          // Whatever else ended the attempt, its request goes: the server sees the client leave.
          if (!handedOver) attempt.abort();
          reader?.cancel().catch(noop);
        }
        if (!settings.reconnect) return undefined;
        reconnects++;
        empty = delivered ? 0 : empty + 1;
        const base = serverRetry ?? settings.retry;
        const delay = wait ?? reconnectDelay(base, settings.maxRetry, empty, Math.random());
        settings.onReconnect?.({
          attempt: reconnects,
          delay,
          ...(status === undefined ? {} : { status }),
          ...(error === undefined ? {} : { error }),
        });
        await sleep(delay, closed);
      }
    } finally {
      this.#unlink();
    }
  }
}

/** "503 Service Unavailable", or just "503". */
function statusLine(response: Response): string {
  return response.statusText === ""
    ? String(response.status)
    : `${response.status} ${response.statusText}`;
}

/**
 * One read of the body, given up after `stallTimeout` ms without bytes: the
 * attempt is then aborted and the read rejects with a {@link StallError}.
 */
async function read(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  stallTimeout: number | false,
  attempt: AbortController,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  if (stallTimeout === false) return reader.read();
  let stalled = false;
  const timer = setTimeout(() => {
    stalled = true;
    attempt.abort();
    // Some bodies do not error on their request's abort: cancelling ends the pending read.
    reader.cancel().catch(noop);
  }, stallTimeout);
  try {
    const result = await reader.read();
    if (stalled) throw new StallError(stallTimeout);
    return result;
  } catch (error) {
    if (stalled) throw new StallError(stallTimeout);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens an event stream with fetch (any method, headers and body) and yields
 * its events, reconnecting with Last-Event-ID like EventSource.
 *
 * The first request is made on the first `next()`. Every attempt sends the
 * caller's method, headers and body, `Accept: text/event-stream` unless an
 * Accept was set, and `Last-Event-ID` (UTF-8) once an id was seen. 204 ends
 * the iteration; 429, 502, 503 and 504 are retried (after `Retry-After` when
 * given); any other status, or a 200 that is not `text/event-stream`, rejects
 * with {@link SSEResponseError}. A network error, a stall or the end of the
 * body reconnects after the server's `retry:` (or `options.retry`), doubled
 * with jitter up to `maxRetry` while attempts deliver no event. `close()`, the
 * signal, or leaving a `for await` loop aborts the open request at once.
 *
 * @param input - The URL, or a `Request` (cloned for each attempt).
 * @param options - A RequestInit (method, headers, body...) plus the reconnection policy.
 * @returns The events, as an async iterator with `lastEventId` and `close()`.
 * @throws TypeError or RangeError at the call for invalid options, or a
 * ReadableStream body while `reconnect` is on.
 *
 * @example POST a prompt and stream the answer
 * ```ts
 * import { fetchEvents } from "web-sse/client";
 *
 * const output = document.querySelector("#answer") as HTMLElement;
 * const events = fetchEvents("/chat", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ prompt: "Hello" }),
 * });
 * for await (const { event, data } of events) {
 *   if (event === "token") console.log(data);
 * }
 * ```
 *
 * @example Pass an upstream stream on from a server
 * ```ts
 * import { sseResponse } from "web-sse";
 * import { fetchEvents } from "web-sse/client";
 *
 * export default {
 *   fetch: (request: Request) =>
 *     sseResponse(
 *       (ctx) =>
 *         fetchEvents("https://upstream.example/events", {
 *           reconnect: false,
 *           signal: ctx.signal,
 *           lastEventId: ctx.lastEventId,
 *         }),
 *       { request },
 *     ),
 * };
 * ```
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
export function fetchEvents(
  input: string | URL | Request,
  options: FetchEventsOptions = {},
): EventStream {
  const settings = settingsOf(input, options);
  return new FetchEventStream(settings, checkLastEventId(options.lastEventId), options.signal);
}
