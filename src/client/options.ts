/**
 * The options of `fetchEvents`: their type, and the check that splits them
 * into the reconnection policy and the RequestInit sent with every attempt.
 *
 * @module
 */
import { callback, integer, type Named, show, signal } from "../check.ts";
import { checkMaxEventSize } from "./parse.ts";

/** Options of {@link fetchEvents}: a RequestInit plus the reconnection policy. */
export interface FetchEventsOptions extends Omit<RequestInit, "signal"> {
  /** Aborting it ends the iteration (no error) and the open request. */
  signal?: AbortSignal | undefined;
  /** Sent as Last-Event-ID on the first request. */
  lastEventId?: string | undefined;
  /**
   * Delay (ms) before reconnecting, until the server sets one with `retry:`.
   *
   * @defaultValue 3000
   */
  retry?: number | undefined;
  /**
   * Cap (ms) for the delay, which doubles (with jitter) on consecutive attempts
   * that deliver no event.
   *
   * @defaultValue 30000
   */
  maxRetry?: number | undefined;
  /**
   * false: one request, no reconnect.
   *
   * @defaultValue true
   */
  reconnect?: boolean | undefined;
  /**
   * No bytes at all (not even a keepalive comment) for this long (ms): the
   * connection counts as lost and is reopened. false: never.
   *
   * @defaultValue 45000
   */
  stallTimeout?: number | false | undefined;
  /**
   * Called with one fresh `Request` per attempt (set a refreshed token on its
   * headers here).
   *
   * @defaultValue the global fetch
   */
  fetch?: ((request: Request) => Promise<Response>) | undefined;
  /** Called when a response is accepted as an event stream. */
  onOpen?: ((response: Response) => void) | undefined;
  /**
   * Called before each reconnect: the attempt number (1 for the first
   * reconnect, counting every reconnect of this stream), the delay chosen, and
   * the status or error that caused it.
   */
  onReconnect?:
    | ((info: {
        attempt: number;
        delay: number;
        status?: number | undefined;
        error?: unknown;
      }) => void)
    | undefined;
  /**
   * A line or event larger than this (bytes) ends the stream with a
   * RangeError: an upstream that never sends a newline cannot exhaust memory.
   *
   * @defaultValue 64 MiB
   */
  maxEventSize?: number | undefined;
}

/** fetchEvents' own option names: everything else is the RequestInit. */
const OWN_OPTIONS = [
  "signal",
  "lastEventId",
  "retry",
  "maxRetry",
  "reconnect",
  "stallTimeout",
  "fetch",
  "onOpen",
  "onReconnect",
  "maxEventSize",
] as const;

/** The checked call of `fetchEvents`: its input, RequestInit and policy, defaults filled in. */
export interface Settings {
  /** The URL or Request, as given. */
  readonly input: string | URL | Request;
  /** The options without fetchEvents' own: sent with every attempt. */
  readonly init: RequestInit;
  /** Delay (ms) before a reconnect until the server sends `retry:`. */
  readonly retry: number;
  /** Cap (ms) for the doubling of the delay. */
  readonly maxRetry: number;
  /** false: one request, no reconnect. */
  readonly reconnect: boolean;
  /** Ms without bytes before the connection counts as lost; false: never. */
  readonly stallTimeout: number | false;
  /** Makes each attempt's request. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** Told of each accepted response. */
  readonly onOpen: ((response: Response) => void) | undefined;
  /** Told before each reconnect. */
  readonly onReconnect: FetchEventsOptions["onReconnect"];
  /** Bound (bytes) for one line or event. */
  readonly maxEventSize: number;
}

function at(name: string): Named {
  return { where: "fetchEvents", name };
}

/**
 * Checks the call's arguments and splits the options into policy and
 * RequestInit. Every mistake is thrown here, at the call, not on the first
 * `next()`.
 *
 * @param input - What the caller passed as the URL or Request.
 * @param options - What the caller passed as the options.
 * @returns The settings, defaults filled in.
 * @throws TypeError for a value of the wrong type (and for a ReadableStream
 * body while `reconnect` is on); RangeError for a number out of range.
 *
 * @example Defaults filled in
 * ```ts ignore
 * const settings = settingsOf("https://example.com/events", { method: "POST" });
 * settings.retry; // 3000
 * settings.init; // { method: "POST" }
 * ```
 */
export function settingsOf(input: unknown, options: FetchEventsOptions): Settings {
  if (typeof input !== "string" && !(input instanceof URL) && !(input instanceof Request)) {
    throw new TypeError(
      `fetchEvents: the input must be a string, URL or Request (got ${show(input)})`,
    );
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`fetchEvents: options must be an object (got ${show(options)})`);
  }
  const init: Record<string, unknown> = { ...options };
  for (const name of OWN_OPTIONS) delete init[name];
  const reconnect = options.reconnect ?? true;
  if (typeof reconnect !== "boolean") {
    throw new TypeError(`fetchEvents: "reconnect" must be a boolean (got ${show(reconnect)})`);
  }
  if (reconnect && options.body instanceof ReadableStream) {
    throw new TypeError(
      "fetchEvents: a ReadableStream body cannot be sent twice, so it cannot be re-sent on a reconnect; " +
        "pass the body as a string, Blob, FormData, URLSearchParams or ArrayBuffer, or set reconnect: false",
    );
  }
  // Not the kit's duration(): here 0 is no "off" but a mistake (a stall check
  // that fires at once), so only false turns it off.
  const stallTimeout =
    options.stallTimeout === false
      ? false
      : integer(at("stallTimeout"), options.stallTimeout, 45_000, 1, " in milliseconds, or false");
  signal(at("signal"), options.signal);
  const fetcher = callback(at("fetch"), options.fetch);
  return {
    input,
    init: init as RequestInit,
    retry: integer(at("retry"), options.retry, 3000, 0, " in milliseconds"),
    maxRetry: integer(at("maxRetry"), options.maxRetry, 30_000, 0, " in milliseconds"),
    reconnect,
    stallTimeout,
    // Looked up per call, not at import: a page or test may replace fetch later.
    fetch: fetcher ?? ((request) => fetch(request)),
    onOpen: callback(at("onOpen"), options.onOpen),
    onReconnect: callback(at("onReconnect"), options.onReconnect),
    maxEventSize: checkMaxEventSize(options.maxEventSize, "fetchEvents"),
  };
}

/**
 * Checks the `lastEventId` option: it goes into a header, so it cannot hold
 * CR, LF or NUL (nor could a server have sent it as an id).
 *
 * @param value - The option as given.
 * @returns The id; "" when not given.
 * @throws TypeError when it is not a string, or holds CR, LF or NUL.
 *
 * @example An absent id is empty
 * ```ts ignore
 * checkLastEventId(undefined); // ""
 * checkLastEventId("42"); // "42"
 * ```
 */
export function checkLastEventId(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value !== "string" || /[\r\n\0]/.test(value)) {
    throw new TypeError(
      `fetchEvents: "lastEventId" must be a string without CR, LF or NUL (got ${show(value)})`,
    );
  }
  return value;
}
