/**
 * web-sse/client on Deno, Bun and workerd: each runs runtime-checks.ts (the
 * conformance cases at every split point, the property test against
 * eventsource-parser, and fetchEvents against a real Node server), and on
 * workerd a Worker consumes another stream with fetchEvents and passes it on.
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fetchEvents, type SSEEvent } from "../../src/client.ts";
import { type SSECloseReason, sleep, sseResponse } from "../../src/index.ts";
import { type RunningServer, startServer, until, within } from "../clients/node-server.ts";
import { ROOT } from "../runtimes/shared/spawn.ts";
import {
  bundleWorker,
  type RunningWorker,
  startWorker,
  workerdVersion,
} from "../runtimes/workerd/miniflare.ts";
import type { RawServer } from "./http.ts";
import type { CheckResult } from "./runtime-checks.ts";
import { checksServer } from "./runtime-server.ts";

let server: RawServer;
beforeAll(async () => {
  server = await checksServer();
});
afterAll(async () => {
  await server?.close();
});

/** Runs a script to its end (killed by its PID after `ms`) and returns its stdout. */
function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  ms: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => {
      out += t;
    });
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      err += t;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} exited with ${code ?? signal}\n${out}\n${err}`));
    });
  });
}

function expectAllPassed(results: CheckResult[]): void {
  const failed = results.filter((r) => !r.ok);
  expect(failed, failed.map((r) => `${r.name}: ${r.error}`).join("\n")).toEqual([]);
  expect(results.map((r) => r.name)).toContain("conformance cases at every split point");
  expect(results.length).toBeGreaterThanOrEqual(8);
}

const BIN = `${ROOT}node_modules/.bin`;

test("Deno runs the client checks", async () => {
  const out = await run(
    `${BIN}/deno`,
    [
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      "--allow-env",
      "--no-prompt",
      "test/client/runtime-check.ts",
    ],
    { BASE: server.url, RUN: "deno" },
    90_000,
  );
  expectAllPassed(JSON.parse(out.trim().split("\n").at(-1) ?? "[]"));
});

test("the fetch option and SSEEvent type-check under Deno's own fetch types", async () => {
  await run(`${BIN}/deno`, ["check", "--quiet", "test/client/fetch-types-deno.ts"], {}, 90_000);
});

test("Bun runs the client checks", async () => {
  const out = await run(
    `${BIN}/bun`,
    ["test/client/runtime-check.ts"],
    { BASE: server.url, RUN: "bun" },
    90_000,
  );
  expectAllPassed(JSON.parse(out.trim().split("\n").at(-1) ?? "[]"));
});

describe(`workerd: ${workerdVersion()}`, () => {
  let worker: RunningWorker | undefined;
  beforeAll(async () => {
    worker = await startWorker(await bundleWorker("test/client/worker.ts"), {
      flags: ["enable_request_signal"],
    });
  });
  afterAll(async () => {
    await worker?.dispose();
  });

  test("a Worker runs the client checks", async () => {
    const response = await fetch(
      `${worker?.origin}/checks?base=${encodeURIComponent(server.url)}`,
      {
        signal: AbortSignal.timeout(90_000),
      },
    );
    expectAllPassed((await response.json()) as CheckResult[]);
  });

  test("a Worker consumes another stream with fetchEvents and passes it on with the Last-Event-ID", async () => {
    const lastIds: (string | undefined)[] = [];
    const closes: SSECloseReason[] = [];
    const upstream: RunningServer = await startServer((request) =>
      sseResponse(
        async function* ({ signal, lastEventId }) {
          lastIds.push(lastEventId);
          for (let n = Number.parseInt(lastEventId ?? "0", 10) + 1; !signal.aborted; n++) {
            yield { event: "tick", id: `${n}`, data: `tick ${n}` };
            await sleep(100, signal);
          }
        },
        { request, onClose: (reason) => closes.push(reason) },
      ),
    );
    try {
      const stream = fetchEvents(
        `${worker?.origin}/proxy?upstream=${encodeURIComponent(`${upstream.url}/`)}`,
        {
          lastEventId: "41",
          reconnect: false,
        },
      );
      const events: SSEEvent[] = [];
      await within(
        (async () => {
          for await (const event of stream) {
            events.push(event);
            if (events.length === 3) break;
          }
        })(),
        15_000,
        "3 events through the Worker",
      );
      expect(lastIds).toEqual(["41"]);
      expect(events.map((e) => [e.event, e.id, e.data])).toEqual([
        ["tick", "42", "tick 42"],
        ["tick", "43", "tick 43"],
        ["tick", "44", "tick 44"],
      ]);
      // With enable_request_signal the Worker notices at its next write; the upstream then closes.
      await until(
        () => closes.length === 1,
        15_000,
        "the upstream stream to close after the client left",
      );
    } finally {
      await upstream.close();
    }
  });
});
