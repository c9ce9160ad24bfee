/**
 * Child processes for the benchmarks that hold many connections: a Node child
 * started with a raised open-file limit and an IPC channel, and the two ways
 * of talking to it (wait for a message, ask and wait for the answer), every
 * wait bounded.
 *
 * @module
 */
import { execFileSync, spawn } from "node:child_process";

/** The soft and hard open-file limits of a shell started from here. */
export function fileLimits() {
  const read = (flag) => {
    const text = execFileSync("sh", ["-c", `ulimit ${flag}`], { encoding: "utf8" }).trim();
    return text === "unlimited" ? Number.POSITIVE_INFINITY : Number(text);
  };
  return { soft: read("-Sn"), hard: read("-Hn") };
}

/** Starts a Node child with an IPC channel and `ulimit -n files` (exec keeps the PID). */
export function startNode(script, args, { nodeFlags = [], files }) {
  const command = [process.execPath, ...nodeFlags, script, ...args].map((a) => `'${a}'`).join(" ");
  return spawn("sh", ["-c", `ulimit -n ${files} && exec ${command}`], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** Resolves with the child's next message of `type`; rejects if it exits first or after `ms`. */
export function next(child, type, ms) {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
    };
    const onMessage = (message) => {
      if (message?.type !== type) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(
        new Error(`child ${child.pid} exited (${signal ?? code}) while waiting for "${type}"`),
      );
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no "${type}" from child ${child.pid} within ${ms} ms`));
    }, ms);
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

/** Sends `message` and resolves with the child's next message of type `reply` (see {@link next}). */
export function ask(child, message, reply, ms) {
  const answer = next(child, reply, ms);
  child.send(message);
  return answer;
}
