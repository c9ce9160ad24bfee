/**
 * Runs a Worker with SQLite-backed Durable Objects on workerd through
 * miniflare 4 (`cf: false`), bundled with esbuild from the project's source,
 * its object storage persisted in a directory so a test can stop workerd and
 * start it again on the same storage (the object's restart).
 *
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll } from "vitest";
import { ROOT } from "../runtimes/shared/spawn.ts";
import { COMPATIBILITY_DATE } from "../runtimes/workerd/miniflare.ts";

/**
 * Bundles `entry` (relative to the repository root) into one ES module for
 * workerd, leaving `cloudflare:*` imports to workerd (as wrangler does).
 */
export async function bundleObjectWorker(entry: string): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*"],
    write: false,
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error(`esbuild wrote nothing for ${entry}`);
  return file.text;
}

/** How to start one Worker with its Durable Object classes. */
export interface ObjectWorkerOptions {
  readonly script: string;
  /** Binding name to the exported class name, each a SQLite-backed class. */
  readonly objects: Readonly<Record<string, string>>;
  /** Declare the classes SQLite-backed (`new_sqlite_classes`); default true. */
  readonly sqlite?: boolean | undefined;
  /** Where object storage lives; the same directory across starts keeps it. */
  readonly persist: string;
  /** Plain text bindings (vars and secrets), as `env` has them. */
  readonly bindings?: Readonly<Record<string, string>> | undefined;
  readonly compatibilityDate?: string | undefined;
  readonly compatibilityFlags?: readonly string[] | undefined;
  /** The port to listen on; default a free one. */
  readonly port?: number | undefined;
  /** Gets the Worker's and objects' console lines. */
  readonly onLog?: ((message: string) => void) | undefined;
}

/** A started Worker. */
export interface ObjectWorker {
  readonly mf: Miniflare;
  /** Where miniflare's HTTP server listens (127.0.0.1, a free port). */
  readonly origin: string;
  dispose(): Promise<void>;
}

/** Starts the Worker on workerd and waits until it listens. */
export async function startObjectWorker(options: ObjectWorkerOptions): Promise<ObjectWorker> {
  const durableObjects: Record<string, { className: string; useSQLite: boolean }> = {};
  for (const [binding, className] of Object.entries(options.objects)) {
    durableObjects[binding] = { className, useSQLite: options.sqlite ?? true };
  }
  const onLog = options.onLog;
  const mf = new Miniflare({
    ...(onLog === undefined
      ? {}
      : { handleStructuredLogs: ({ message }: { message: string }) => onLog(message) }),
    modules: true,
    script: options.script,
    compatibilityDate: options.compatibilityDate ?? COMPATIBILITY_DATE,
    compatibilityFlags: [...(options.compatibilityFlags ?? [])],
    durableObjects,
    durableObjectsPersist: options.persist,
    bindings: { ...options.bindings },
    cf: false,
    host: "127.0.0.1",
    port: options.port ?? 0,
  });
  try {
    const url = await mf.ready;
    return { mf, origin: url.origin, dispose: () => mf.dispose() };
  } catch (error) {
    await mf.dispose();
    throw error;
  }
}

/** The backend test Worker, run for a whole test file: see {@link backendWorker}. */
export interface BackendWorker {
  /** The running workerd; throws if it is stopped. */
  running(): ObjectWorker;
  /** Stops workerd and starts it again on the same storage (an object restart). */
  restart(): Promise<ObjectWorker>;
}

/**
 * Runs ./backend-worker.ts (sqliteBackend in a Durable Object, driven over RPC)
 * for the test file that calls it: bundled and started before its tests, on
 * storage persisted in a temporary directory, stopped and removed after them.
 *
 * @param name - Names the temporary storage directory.
 */
export function backendWorker(name: string): BackendWorker {
  const persist = mkdtempSync(join(tmpdir(), `web-sse-${name}-`));
  let script = "";
  let worker: ObjectWorker | undefined;
  const start = async (): Promise<ObjectWorker> => {
    worker = await startObjectWorker({ script, objects: { BACKEND: "BackendObject" }, persist });
    return worker;
  };
  const running = (): ObjectWorker => {
    if (worker === undefined) throw new Error("workerd is not running");
    return worker;
  };
  beforeAll(async () => {
    script = await bundleObjectWorker("test/cloudflare/backend-worker.ts");
    await start();
  });
  afterAll(async () => {
    await worker?.dispose();
    rmSync(persist, { recursive: true, force: true });
  });
  return {
    running,
    async restart() {
      await running().dispose();
      return start();
    },
  };
}
