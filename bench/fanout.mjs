/**
 * The fan-out measurement shared by bench:broadcast and bench:connections: a
 * server child (--expose-gc, broadcast-server.mjs) and a client child
 * (broadcast-client.mjs) holding idle connections; at each size the server is
 * measured, then broadcasts; after every client left, what is left over.
 * Every process started here is killed by its PID at the end, also on error.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { ask, fileLimits, next, startNode } from "./children.mjs";

export { fileLimits };

const WARM_UP = 200;
const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the server's live subscribers until `done(live)` or `ms` pass. */
async function waitForLive(server, done, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { live } = await ask(server, { type: "live" }, "live", 30_000);
    if (done(live)) return { live, reached: true };
    if (Date.now() > deadline) return { live, reached: false };
    await sleep(100);
  }
}

async function openUpTo(client, server, total) {
  const opened = await ask(client, { type: "open", total }, "opened", 120_000);
  if (opened.errors > 0) throw new Error(`${opened.errors} connections failed to open`);
  const { reached, live } = await waitForLive(server, (n) => n === total, 60_000);
  if (!reached) throw new Error(`server holds ${live} subscribers, expected ${total}`);
}

async function closeAll(client, server) {
  await ask(client, { type: "close" }, "closed", 30_000);
  return waitForLive(server, (n) => n === 0, 60_000);
}

/** One round: `count` broadcasts; resolves with the client's figures and the server's CPU. */
async function round(server, client, size, count, gap) {
  await ask(client, { type: "expect", count }, "expecting", 30_000);
  // Generous bounds: on a loaded 2-core machine one fan-out to 5 000 clients
  // can take a second of its own on top of the gap.
  const received = next(client, "round", 120_000 + count * gap);
  const broadcasted = next(server, "broadcasted", 60_000 + count * gap);
  // Whichever fails first is reported; the other must not become an unhandled rejection.
  received.catch(() => {});
  broadcasted.catch(() => {});
  server.send({ type: "run", count, gap });
  const { firstCall } = await broadcasted;
  let figures;
  try {
    figures = await received;
  } catch (error) {
    const { received: got } = await ask(client, { type: "progress" }, "progress", 30_000);
    throw new Error(`${error.message}; got ${got} of ${count * size} events`);
  }
  const { micros } = await ask(server, { type: "cpu-stop" }, "cpu", 30_000);
  return { ...figures, cpuPerEvent: micros / (count * size), firstCall };
}

/**
 * Measures one server variant at each size in turn.
 *
 * @param variant - `{ key }`: a variant of broadcast-server.mjs.
 * @param sizes - Idle connections to hold, ascending.
 * @param files - The open-files limit of both children.
 * @param count - Broadcasts per size.
 * @param gap - ms between broadcasts.
 * @param clientArgs - Extra arguments for the client (e.g. source addresses).
 */
export async function measureVariant(variant, sizes, files, count, gap, clientArgs = []) {
  const children = [];
  try {
    const server = startNode(here("./broadcast-server.mjs"), [variant.key], {
      nodeFlags: ["--expose-gc"],
      files,
    });
    children.push(server);
    const { port } = await next(server, "listening", 10_000);
    const client = startNode(here("./broadcast-client.mjs"), [String(port), ...clientArgs], {
      files,
    });
    children.push(client);
    await next(client, "ready", 10_000);

    // Warm-up: compile the paths once (open, broadcast, leave) before anything counts.
    await openUpTo(client, server, WARM_UP);
    await round(server, client, WARM_UP, 5, 20);
    await closeAll(client, server);
    const measure = () => ask(server, { type: "measure" }, "measure", 30_000);
    const base = await measure();
    const bySize = [];
    for (const size of sizes) {
      await openUpTo(client, server, size);
      const memory = await measure();
      const figures = await round(server, client, size, count, gap);
      bySize.push({ size, memory, ...figures });
    }
    const closing = await closeAll(client, server);
    const after = await measure();
    const [low, high] = [bySize[0], bySize[bySize.length - 1]];
    const extra = high.size - low.size;
    return {
      variant,
      bySize,
      heapPerConn: extra > 0 ? (high.memory.heapUsed - low.memory.heapUsed) / extra : Number.NaN,
      rssPerConn: extra > 0 ? (high.memory.rss - low.memory.rss) / extra : Number.NaN,
      base,
      peak: high.memory,
      after,
      closedInTime: closing.reached,
    };
  } catch (error) {
    return { variant, error: error instanceof Error ? error.message : String(error) };
  } finally {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(child.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
  }
}
