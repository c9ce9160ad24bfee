/**
 * Starts a server program on another runtime, waits (bounded) for the
 * `port <n>` line it prints, and stops it by its PID.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

/** A running server process. */
export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  /** Everything the process wrote so far, for failure messages. */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL after 3 s) and waits for it to exit. */
  stop(): Promise<void>;
}

/** The repository root, for commands and working directories. */
export const ROOT: string = new URL("../../../", import.meta.url).pathname;

/** Resolves when `child` has exited; bounded by SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Spawns `command args` in the repository root and waits for a `port <n>` line
 * on stdout (or whatever `portPattern` matches, its first group being the port).
 *
 * @throws if the process exits or prints no port within `timeoutMs` (it is stopped first).
 */
export async function startServer(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv; portPattern?: RegExp } = {},
): Promise<ServerProcess> {
  const {
    timeoutMs = 30_000,
    cwd = ROOT,
    env = process.env,
    portPattern = /^port (\d+)$/m,
  } = options;
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.setEncoding("utf8");
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    output += text;
  });
  const stop = (): Promise<void> => stopChild(child, 3000);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${command} printed no port within ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.on("error", reject);
      child.on("exit", (code, signal) =>
        reject(new Error(`${command} exited (${code ?? signal}) before printing a port`)),
      );
      child.stdout?.on("data", (text: string) => {
        output += text;
        const match = portPattern.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
    });
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${command} has no PID`);
    return { port, pid, output: () => output, stop };
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- output ---\n${output}`);
  }
}
