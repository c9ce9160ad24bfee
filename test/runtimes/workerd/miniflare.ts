/**
 * Runs ./worker.ts on workerd through miniflare 4: bundled from the project's
 * source with esbuild, served on 127.0.0.1 on a free port.
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { ROOT } from "../shared/spawn.ts";

/** A recent date that the installed workerd supports (it supports up to its own release date). */
export const COMPATIBILITY_DATE = "2026-04-01";

/** Bundles `entry` (relative to the repository root) into one ES module for workerd. */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    write: false,
    logLevel: "silent",
  });
  const [file] = result.outputFiles;
  if (file === undefined) throw new Error(`esbuild wrote nothing for ${entry}`);
  return file.text;
}

/** A Worker running on workerd. */
export interface RunningWorker {
  readonly origin: string;
  dispose(): Promise<void>;
}

/** Starts `script` on workerd with the given compatibility settings; `onLog` gets its console lines. */
export async function startWorker(
  script: string,
  compatibility: { date?: string | undefined; flags?: string[] | undefined } = {},
  onLog?: (message: string) => void,
): Promise<RunningWorker> {
  const mf = new Miniflare({
    ...(onLog === undefined
      ? {}
      : { handleStructuredLogs: ({ message }: { message: string }) => onLog(message) }),
    modules: true,
    script,
    compatibilityDate: compatibility.date ?? COMPATIBILITY_DATE,
    compatibilityFlags: compatibility.flags ?? [],
    cf: false,
    host: "127.0.0.1",
    port: 0,
  });
  try {
    const url = await mf.ready;
    return { origin: url.origin, dispose: () => mf.dispose() };
  } catch (error) {
    await mf.dispose();
    throw error;
  }
}

/** "miniflare 4.x (workerd YYYY-MM-DD)", for test titles. */
export function workerdVersion(): string {
  const miniflare = JSON.parse(
    readFileSync(`${ROOT}node_modules/miniflare/package.json`, "utf8"),
  ) as { version: string };
  const workerd = execFileSync(`${ROOT}node_modules/.bin/workerd`, ["--version"], {
    encoding: "utf8",
  }).trim();
  return `${workerd} (miniflare ${miniflare.version})`;
}
