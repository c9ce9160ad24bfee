/**
 * Real HTTP clients for the runtime matrix, on Node's own `node:http` (HTTP/1.1)
 * and `node:http2` (cleartext h2c): they see when the head arrives, read the
 * body as it streams, and can leave mid-stream like a closed browser tab.
 *
 * @module
 */
import http from "node:http";
import http2 from "node:http2";
import { createParser, type EventSourceMessage } from "eventsource-parser";

/** One open event stream, as the client sees it. */
export interface StreamClient {
  readonly status: number;
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Milliseconds from sending the request to receiving the head. */
  readonly headMs: number;
  /** The next event, in order; rejects if none comes within `timeoutMs` or the body ends first. */
  next(timeoutMs: number): Promise<EventSourceMessage>;
  /** Resolves when the body ends (however it ends); rejects after `timeoutMs`. */
  ended(timeoutMs: number): Promise<void>;
  /** Comment lines (keepalives) received so far. */
  readonly comments: number;
  /** Leaves mid-stream: HTTP/1.1 closes the socket, HTTP/2 resets the stream. */
  close(): void;
}

/** How tests reach a server: open an event stream, or read JSON. */
export interface Transport {
  readonly label: string;
  /** The server's origin, for clients that take a URL (HTTP/1.1 transports only). */
  readonly origin?: string | undefined;
  open(path: string, headers?: Record<string, string>): Promise<StreamClient>;
  json(path: string): Promise<unknown>;
  /** Closes what the transport holds open (an HTTP/2 session). */
  dispose(): void;
}

/**
 * A header value that puts the UTF-8 bytes of `text` on the wire: Node's
 * clients write header strings as Latin-1, one byte per code unit.
 */
export function utf8HeaderValue(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

/** Turns a body's bytes into parsed events that tests wait for one by one. */
class EventQueue {
  readonly #events: EventSourceMessage[] = [];
  #waiters: (() => void)[] = [];
  #ended = false;
  #endReason = "the body ended";
  comments = 0;
  readonly #decoder = new TextDecoder();
  readonly #parser = createParser({
    onEvent: (event) => {
      this.#events.push(event);
      this.#wake();
    },
    onComment: () => {
      this.comments++;
    },
  });

  feed(bytes: Uint8Array): void {
    this.#parser.feed(this.#decoder.decode(bytes, { stream: true }));
  }

  end(reason?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    if (reason !== undefined) this.#endReason = reason;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves on the next change (an event or the end), or after `ms`. */
  #changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async next(timeoutMs: number): Promise<EventSourceMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.#events.shift();
      if (event !== undefined) return event;
      if (this.#ended) throw new Error(`no more events: ${this.#endReason}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      await this.#changed(left);
    }
  }

  async ended(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the body did not end within ${timeoutMs} ms`);
      await this.#changed(left);
    }
  }
}

function streamClient(
  status: number,
  headers: StreamClient["headers"],
  headMs: number,
  queue: EventQueue,
  close: () => void,
): StreamClient {
  return {
    status,
    headers,
    headMs,
    next: (ms) => queue.next(ms),
    ended: (ms) => queue.ended(ms),
    get comments() {
      return queue.comments;
    },
    close,
  };
}

const HEAD_TIMEOUT = 15_000;

/** HTTP/1.1 over `node:http`, one fresh connection per request (no agent pooling). */
export function http1(origin: string): Transport {
  const base = new URL(origin);
  const get = (
    path: string,
    headers: Record<string, string>,
  ): Promise<{ res: http.IncomingMessage; req: http.ClientRequest; headMs: number }> =>
    new Promise((resolve, reject) => {
      const sentAt = performance.now();
      const req = http.request(
        { host: base.hostname, port: base.port, path, headers, agent: false },
        (res) => resolve({ res, req, headMs: performance.now() - sentAt }),
      );
      req.setTimeout(HEAD_TIMEOUT, () => req.destroy(new Error(`no response head for ${path}`)));
      req.on("error", reject);
      req.end();
    });
  return {
    label: "HTTP/1.1",
    origin: base.origin,
    async open(path, headers = {}) {
      const { res, req, headMs } = await get(path, { accept: "text/event-stream", ...headers });
      req.setTimeout(0);
      const queue = new EventQueue();
      res.on("data", (chunk: Buffer) => queue.feed(chunk));
      res.on("end", () => queue.end());
      res.on("close", () => queue.end("the connection closed"));
      res.on("error", () => queue.end("the response errored"));
      return streamClient(res.statusCode ?? 0, res.headers, headMs, queue, () => req.destroy());
    },
    async json(path) {
      const { res } = await get(path, { accept: "application/json" });
      let text = "";
      res.setEncoding("utf8");
      for await (const chunk of res) text += chunk;
      return JSON.parse(text);
    },
    dispose() {},
  };
}

/**
 * HTTP/2 with prior knowledge (h2c) over `node:http2`, or over TLS for an
 * `https:` origin (`connect` carries the `ca`): one session, a stream per request.
 */
export function http2c(origin: string, connect: http2.SecureClientSessionOptions = {}): Transport {
  const session = http2.connect(origin, connect);
  session.on("error", () => {});
  const get = (
    path: string,
    headers: Record<string, string>,
  ): Promise<{
    stream: http2.ClientHttp2Stream;
    head: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader;
    headMs: number;
  }> =>
    new Promise((resolve, reject) => {
      const sentAt = performance.now();
      const stream = session.request({ ":path": path, ...headers });
      stream.setTimeout(HEAD_TIMEOUT, () => stream.close(http2.constants.NGHTTP2_CANCEL));
      stream.on("response", (head) =>
        resolve({ stream, head, headMs: performance.now() - sentAt }),
      );
      stream.on("error", reject);
      stream.on("close", () => reject(new Error(`stream for ${path} closed before a head`)));
    });
  return {
    label: "HTTP/2",
    async open(path, headers = {}) {
      const { stream, head, headMs } = await get(path, {
        accept: "text/event-stream",
        ...headers,
      });
      stream.setTimeout(0);
      const queue = new EventQueue();
      stream.on("data", (chunk: Buffer) => queue.feed(chunk));
      stream.on("end", () => queue.end());
      stream.on("close", () => queue.end("the stream closed"));
      const { ":status": status, ...rest } = head;
      return streamClient(status ?? 0, rest, headMs, queue, () =>
        stream.close(http2.constants.NGHTTP2_CANCEL),
      );
    },
    async json(path) {
      const { stream } = await get(path, { accept: "application/json" });
      let text = "";
      stream.setEncoding("utf8");
      for await (const chunk of stream) text += chunk;
      return JSON.parse(text);
    },
    dispose() {
      session.close();
    },
  };
}
