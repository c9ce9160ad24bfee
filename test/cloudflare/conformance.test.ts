/**
 * The hub backend conformance suite (test/hub/conformance.ts) on sqliteBackend:
 * the hub runs in Node, and every backend call runs the real backend in a
 * SQLite-backed Durable Object on workerd (miniflare 4, `cf: false`, storage
 * persisted in a temporary directory) over RPC, through ./remote-backend.ts.
 *
 * - restart: workerd is stopped and started again on the same storage, and a
 *   new backend opens on the object's SQLite (same epoch, same sequence).
 * - wipe: the object's `ctx.storage.deleteAll()`, then a new backend on it.
 * - share is not run: a Durable Object is one hub's store by design (one
 *   object per room); hubs in several objects share nothing.
 */
import { backendConformance } from "../hub/conformance.ts";
import { workerdVersion } from "../runtimes/workerd/miniflare.ts";
import { backendWorker } from "./miniflare.ts";
import { backendStub, remoteBackend } from "./remote-backend.ts";

const { running, restart } = backendWorker("conformance");
let objects = 0;

backendConformance(
  `sqliteBackend() in a Durable Object on ${workerdVersion()}`,
  async () => {
    // A fresh object per test: an empty store.
    const name = `conformance-${++objects}`;
    return {
      backend: remoteBackend(await backendStub(running().mf, name)),
      async restart() {
        await restart();
        return remoteBackend(await backendStub(running().mf, name));
      },
      async bounded(maxBytes) {
        return remoteBackend(await backendStub(running().mf, `${name}-bounded`), { maxBytes });
      },
      async wipe() {
        await (await backendStub(running().mf, name)).wipe();
        return remoteBackend(await backendStub(running().mf, name));
      },
    };
  },
  // Every call is a round trip to workerd (a write waits for its commit): a TTL
  // of 200 ms could expire the fresh events before the test reads them, and the
  // storm is smaller to finish in seconds.
  { restart: true, wipe: true, bounded: true, ttlMs: 3000, stormEvents: 100 },
);
