/**
 * The timer state of one stream: the few timestamps {@link decide} reads, and
 * the one lazily moved timer that asks it what to do.
 *
 * @module
 */
import { type Clock, decide, type PolicyAction, type PolicyConfig, rearmDelay } from "./policy.ts";

/** What the timers act on: the stream. */
export interface TimerHost {
  /** Whether something is still owed to the client (a queue it drained without asking does not count). */
  owed(): boolean;
  /** Carries out what the policy decided. */
  act(action: PolicyAction): void;
}

/**
 * One stream's timer state. Writes and asks are a field update each; the
 * timer is moved only when a deadline comes earlier than the armed one
 * ({@link rearmDelay}). The timestamps, the handle and the one bound callback
 * live in this one object (see `heap.ts`).
 */
export class StreamTimers {
  readonly #config: PolicyConfig;
  readonly #clock: Clock;
  readonly #host: TimerHost;
  #startedAt = 0;
  #lastWriteAt = 0;
  #owedSince: number | undefined;
  #ended = false;
  #stopped = false;
  #handle: unknown;
  /** When the armed timer fires; `Infinity`: none is armed. */
  #due = Number.POSITIVE_INFINITY;
  /** Bound once: arming the timer makes no closure. */
  readonly #fired = (): void => {
    this.#handle = undefined;
    this.#due = Number.POSITIVE_INFINITY;
    this.#fire();
  };

  constructor(config: PolicyConfig, clock: Clock, host: TimerHost) {
    this.#config = config;
    this.#clock = clock;
    this.#host = host;
  }

  /** The stream starts now: arms the first keepalive or max-duration check. */
  start(): void {
    this.#startedAt = this.#lastWriteAt = this.#clock.now();
    this.#schedule();
  }

  /** Bytes were handed to the body; `queued`: they wait for a client that has not asked. */
  wrote(queued: boolean): void {
    const now = this.#clock.now();
    this.#lastWriteAt = now;
    if (queued) this.owe(now);
  }

  /** Something is owed to a client that has not asked for it: the send timeout counts from now. */
  owe(now: number = this.#clock.now()): void {
    if (this.#owedSince !== undefined || this.#stopped) return;
    this.#owedSince = now;
    if (this.#config.sendTimeout > 0) this.#checkBy(now + this.#config.sendTimeout);
  }

  /** The client asked for more: it has taken everything it was owed. */
  asked(): void {
    this.#owedSince = undefined;
  }

  /**
   * The stream has ended with its body still open for a client that has not
   * come for the rest: only the send timeout is left, counting from when the
   * client last stopped taking bytes (or from now).
   */
  end(): void {
    if (this.#stopped) return;
    this.#ended = true;
    this.#clear();
    const owedSince = this.#owedSince;
    if (owedSince === undefined) this.owe();
    else if (this.#config.sendTimeout > 0) this.#checkBy(owedSince + this.#config.sendTimeout);
  }

  /** Clears the timer for good. */
  stop(): void {
    this.#stopped = true;
    this.#ended = true;
    this.#clear();
  }

  /** Makes sure the timer fires no later than `due`. */
  #checkBy(due: number): void {
    const delay = rearmDelay(due, this.#due, this.#clock.now());
    if (delay === undefined) return;
    this.#clear();
    this.#due = due;
    this.#handle = this.#clock.setTimeout(this.#fired, delay);
  }

  #clear(): void {
    if (this.#handle !== undefined) this.#clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#due = Number.POSITIVE_INFINITY;
  }

  #schedule(): void {
    this.#checkBy(decide(this.#config, this.#state(), this.#clock.now()).nextCheck);
  }

  #state() {
    return {
      startedAt: this.#startedAt,
      lastWriteAt: this.#lastWriteAt,
      owedSince: this.#owedSince,
      ended: this.#ended,
    };
  }

  #fire(): void {
    // The client may have drained the queue without asking for more yet.
    if (this.#owedSince !== undefined && !this.#host.owed()) this.#owedSince = undefined;
    const { action, nextCheck } = decide(this.#config, this.#state(), this.#clock.now());
    if (action !== undefined) this.#host.act(action);
    this.#checkBy(nextCheck);
  }
}
