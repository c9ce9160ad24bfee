/**
 * A hub test client over Web APIs only (Request, Response, ReadableStream and
 * eventsource-parser), so the conformance suite runs wherever a backend does.
 *
 * @module
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { Hub, SubscribeOptions } from "../../src/hub.ts";
import type { SSEOptions } from "../../src/index.ts";

/** An event as the client saw it. */
export interface Seen {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** Reads one SSE body with eventsource-parser, keeping every event and the client's last event id. */
export class Client {
  readonly events: Seen[] = [];
  /** What EventSource would send as Last-Event-ID on reconnect ("" = none). */
  lastEventId = "";
  /** Resolves when the body has ended (or was cancelled). */
  readonly ended: Promise<void>;
  isEnded = false;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #wake: (() => void) | undefined;

  constructor(readonly response: Response) {
    if (response.body === null) throw new Error(`no body (status ${response.status})`);
    const reader = response.body.getReader();
    this.#reader = reader;
    const parser = createParser({
      onEvent: (event: EventSourceMessage) => {
        this.events.push({ id: event.id, event: event.event, data: event.data });
      },
    });
    const decoder = new TextDecoder();
    this.ended = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const text = decoder.decode(value, { stream: true });
          // The client's last event id, as the WHATWG parser keeps it (an id-only event sets it too).
          for (const match of text.matchAll(/^id(?:: ?(.*))?$/gm))
            this.lastEventId = match[1] ?? "";
          parser.feed(text);
          this.#wake?.();
        }
      } catch {
        // Cancelled or errored: ended all the same.
      } finally {
        this.isEnded = true;
        this.#wake?.();
      }
    })();
  }

  /** The data of every event, in order. */
  get data(): string[] {
    return this.events.map((event) => event.data);
  }

  /** Waits until `condition` holds; fails after `ms` with what was seen. */
  async until(
    condition: (client: Client) => boolean,
    ms = 5000,
    what = "condition",
  ): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition(this)) {
      const left = deadline - Date.now();
      if (left <= 0 || (this.isEnded && !condition(this))) {
        throw new Error(
          `${what}: ${this.isEnded ? "stream ended" : `not within ${ms} ms`}; saw ${JSON.stringify(this.data.slice(-20))} (${this.events.length} events)`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** Waits for `count` events. */
  count(count: number, ms = 5000): Promise<void> {
    return this.until((client) => client.events.length >= count, ms, `${count} events`);
  }

  /** Waits for the server to end the stream. */
  async end(ms = 5000): Promise<void> {
    await this.until((client) => client.isEnded, ms, "the end of the stream");
  }

  /** Leaves, as a browser tab that closes. */
  async close(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    await this.ended;
  }
}

/** A GET for `hub.response`, with a Last-Event-ID when given. */
export function request(lastEventId?: string, init: RequestInit = {}): Request {
  const headers = new Headers(init.headers);
  headers.set("accept", "text/event-stream");
  if (lastEventId !== undefined) headers.set("last-event-id", lastEventId);
  return new Request("http://hub.test/events", { ...init, headers });
}

/** Connects a client to `hub` the way an EventSource would. */
export async function connect(
  hub: Hub,
  topics: string | readonly string[],
  options: SSEOptions & SubscribeOptions & { lastEventId?: string | undefined } = {},
): Promise<Client> {
  const { lastEventId, ...rest } = options;
  const response = await hub.response(request(lastEventId), topics, rest);
  if (response.status !== 200) throw new Error(`expected a stream, got status ${response.status}`);
  return new Client(response);
}

/**
 * A client that reconnects as an EventSource does, with the id of the last
 * event it got as Last-Event-ID, until stopped: what a live subscriber sees
 * across a fault that ends its stream.
 */
export class Follower {
  readonly connections: Client[] = [];
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(
    readonly hub: Hub,
    readonly topics: string | readonly string[],
  ) {
    this.#done = this.#run();
  }

  /** Every event of every connection, in order. */
  get events(): Seen[] {
    return this.connections.flatMap((client) => client.events);
  }

  get data(): string[] {
    return this.events.map((event) => event.data);
  }

  async #run(): Promise<void> {
    let lastEventId: string | undefined;
    while (!this.#stopped) {
      try {
        const client = await connect(this.hub, this.topics, { keepAlive: 200, lastEventId });
        this.connections.push(client);
        await client.ended;
        if (client.lastEventId !== "") lastEventId = client.lastEventId;
      } catch {
        // Refused while the store is away: try again, as EventSource does.
      }
      if (!this.#stopped) await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Waits until `condition` holds; fails after `ms` with what was seen. */
  async until(condition: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) {
        throw new Error(`${what}: not within ${ms} ms; saw ${JSON.stringify(this.data)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Stops reconnecting and leaves. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const client of this.connections) await client.close();
    await this.#done;
  }
}
