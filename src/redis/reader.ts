/**
 * The live feed: one blocking XREAD loop on a connection of its own, always
 * re-reading from the last id it saw (never `$`), so a reconnect loses nothing
 * Redis kept.
 *
 * @module
 */
import type { Conn } from "./client.ts";
import { bounded, TimeoutError } from "./errors.ts";
import { type StreamEntry, streamEntry, xreadEntries } from "./reply.ts";

/** How the reader waits and what it tells its owner. */
export interface ReaderOptions {
  /** XREAD BLOCK, in ms. */
  readonly block: number;
  /** Extra time past `block` before a silent connection counts as hung (ioredis may never answer after a restart). */
  readonly watchdog: number;
  /** Bound on connecting the reader's connection, in ms. */
  readonly timeout: number;
  /** Entries as read, in id order. */
  readonly onEntries: (entries: readonly StreamEntry[]) => void;
  /**
   * Called after a BLOCK that returned nothing and after every failed read:
   * the owner checks the epoch (a flushed Redis never writes to the old live
   * stream again, so silence is when to look).
   */
  readonly onQuiet: () => Promise<void>;
}

/** Backoff after a failed read: 50 ms doubling up to 2 s. */
const FIRST_BACKOFF = 50;
const MAX_BACKOFF = 2000;
/** Entries per XREAD: a reader that fell behind catches up in large steps. */
const COUNT = "1000";

/** Reads one stream from a position, forever, until closed. */
export class LiveReader {
  readonly #main: Conn;
  readonly #options: ReaderOptions;
  #conn: Conn | undefined;
  #key = "";
  #id = "0-0";
  /** Bumped by moveTo and close: a reply to an older read is dropped. */
  #generation = 0;
  #closed = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(main: Conn, options: ReaderOptions) {
    this.#main = main;
    this.#options = options;
  }

  /** Starts reading `key` after `id`. */
  async start(key: string, id: string): Promise<void> {
    this.#key = key;
    this.#id = id;
    this.#conn = await this.#main.duplicate(this.#options.timeout);
    this.#loop = this.#run();
  }

  /** Reads `key` after `id` from now on; a read in flight is abandoned. */
  moveTo(key: string, id: string): void {
    this.#key = key;
    this.#id = id;
    this.#generation++;
    // The blocked XREAD on the old key would only time out: drop its connection.
    this.#reconnect();
  }

  /** Stops the loop and closes the reader's connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#generation++;
    this.#conn?.destroy();
    this.#conn = undefined;
    this.#wake?.();
    await this.#loop;
  }

  #reconnect(): void {
    this.#conn?.destroy();
    this.#conn = undefined;
  }

  async #run(): Promise<void> {
    let backoff = 0;
    while (!this.#closed) {
      const generation = this.#generation;
      try {
        let conn = this.#conn;
        if (conn === undefined) {
          conn = await this.#main.duplicate(this.#options.timeout);
          if (this.#closed) {
            conn.destroy();
            break;
          }
          this.#conn = conn;
        }
        const { block, watchdog } = this.#options;
        const reply = await bounded(
          conn.send([
            "XREAD",
            "COUNT",
            COUNT,
            "BLOCK",
            String(block),
            "STREAMS",
            this.#key,
            this.#id,
          ]),
          block + watchdog,
          "live XREAD",
        );
        if (this.#closed) break;
        if (generation !== this.#generation) continue;
        const entries = xreadEntries(reply).map(streamEntry);
        const last = entries[entries.length - 1];
        if (last === undefined) {
          await this.#options.onQuiet();
        } else {
          this.#id = last.id;
          this.#options.onEntries(entries);
        }
        backoff = 0;
      } catch (error) {
        if (this.#closed) break;
        // A hung connection (ioredis after a restart) is replaced; a rejected
        // read (node-redis, Bun) reconnects by itself and is simply retried.
        if (error instanceof TimeoutError) this.#reconnect();
        backoff = Math.min(backoff === 0 ? FIRST_BACKOFF : backoff * 2, MAX_BACKOFF);
        await this.#sleep(backoff);
        try {
          if (!this.#closed) await this.#options.onQuiet();
        } catch {
          // Redis still away: the next read retries.
        }
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
