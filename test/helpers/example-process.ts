/**
 * Starts an example's server script as a real Node process (PORT=0) and waits
 * for the URL it prints; every process started here is killed by its PID
 * after the tests (`killExamples`).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";

const started: ChildProcess[] = [];

/** A running example server. */
export interface ExampleProcess {
  child: ChildProcess;
  /** Base URL without a trailing slash. */
  url: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

/**
 * Runs `node <script>` with PORT=0 and resolves once a line matching `pattern`
 * (whose first group is the URL) appears; rejects after 10 s or if it exits.
 */
export function startExample(script: string, pattern: RegExp): Promise<ExampleProcess> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(child);
  let out = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 10 s; output: ${out}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const url = pattern.exec(out)?.[1];
      if (url === undefined || child.exitCode !== null) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      resolve({ child, url, output: () => out });
    };
    const onExit = (code: number | null): void => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}): ${out}`));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** Resolves with the exit code, or rejects when `child` still runs after `ms`. */
export function exited(child: ChildProcess, ms: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Kills (by PID, SIGKILL) every example process still running. */
export function killExamples(): void {
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  }
}
