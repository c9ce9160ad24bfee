/**
 * The timer state of one stream: the few timestamps {@link decide} reads, and
 * its one deadline in the clock's shared queue ({@link Deadlines}), moved
 * lazily.
 *
 * @module
 */
import { type Deadlines, deadlinesOf, type Timed } from "./deadlines.ts";
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
 * deadline is moved only when one comes earlier than the queued one
 * ({@link rearmDelay}). The timestamps and the place in the queue live in
 * this one object, with no timer or callback of its own (see `heap.ts`);
 * times are on the queue's scale.
 */
export class StreamTimers implements Timed {
  readonly #config: PolicyConfig;
  readonly #queue: Deadlines;
  readonly #host: TimerHost;
  #startedAt = 0;
  #lastWriteAt = 0;
  #owedSince: number | undefined;
  /** `running`, then `ended` (only the drop of a client that does not come is left), then `stopped` (nothing is). */
  #phase: "running" | "ended" | "stopped" = "running";
  /** Its place in the clock's queue (kept by the queue); -1: no deadline. */
  slot = -1;

  /**
   * @param config - The timer settings; 0 turns a timer off.
   * @param clock - Where time comes from; its queue holds the deadline.
   * @param host - The stream the timers act on.
   */
  constructor(config: PolicyConfig, clock: Clock, host: TimerHost) {
    this.#config = config;
    this.#queue = deadlinesOf(clock);
    this.#host = host;
  }

  /** The stream starts now: arms the first keepalive or max-duration check. */
  start(): void {
    const now = this.#queue.now();
    this.#startedAt = this.#lastWriteAt = now;
    this.checkBy(decide(this.#config, this.state(), now).nextCheck);
  }

  /** Bytes were handed to the body; `queued`: they wait for a client that has not asked. */
  wrote(queued: boolean): void {
    const now = this.#queue.now();
    this.#lastWriteAt = now;
    if (queued) this.owe(now);
  }

  /** Something is owed to a client that has not asked for it: the send timeout counts from now. */
  owe(now: number = this.#queue.now()): void {
    if (this.#owedSince !== undefined || this.#phase === "stopped") return;
    this.#owedSince = now;
    if (this.#config.sendTimeout > 0) this.checkBy(now + this.#config.sendTimeout);
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
    if (this.#phase === "stopped") return;
    this.#phase = "ended";
    this.#queue.delete(this);
    const owedSince = this.#owedSince;
    if (owedSince === undefined) this.owe();
    else if (this.#config.sendTimeout > 0) this.checkBy(owedSince + this.#config.sendTimeout);
  }

  /** Takes the deadline out of the queue for good. */
  stop(): void {
    this.#phase = "stopped";
    this.#queue.delete(this);
  }

  /** The deadline has come (called by the queue). */
  fire(): void {
    if (this.#phase === "stopped") return;
    // The client may have drained the queue without asking for more yet.
    if (this.#owedSince !== undefined && !this.#host.owed()) this.#owedSince = undefined;
    const { action, nextCheck } = decide(this.#config, this.state(), this.#queue.now());
    if (action !== undefined) this.#host.act(action);
    this.checkBy(nextCheck);
  }

  /** Makes sure the deadline is no later than `due`. */
  private checkBy(due: number): void {
    const queue = this.#queue;
    if (this.#phase === "stopped" || rearmDelay(due, queue.dueOf(this), queue.now()) === undefined)
      return;
    queue.set(this, due);
  }

  private state() {
    return {
      startedAt: this.#startedAt,
      lastWriteAt: this.#lastWriteAt,
      owedSince: this.#owedSince,
      ended: this.#phase !== "running",
    };
  }
}
