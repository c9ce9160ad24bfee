/**
 * The handler every Node server under test mounts (node:http, node:http2,
 * Express, Fastify, Koa), and what it records, so one suite can check each.
 *
 * @module
 */

import { createHub, type Hub } from "../../src/hub.ts";
import type { SSECloseReason } from "../../src/index.ts";
import { sleep } from "../../src/index.ts";
import {
  type NodeRequest,
  type NodeResponse,
  type NodeSSEOptions,
  sendHub,
  sendSSE,
} from "../../src/node.ts";

/** What the server saw, for the test to check. */
export interface AppState {
  hub: Hub;
  closes: SSECloseReason[];
  finallies: number;
  /** What sendSSE/sendHub's promise did: "resolved" or the rejection's message. */
  settled: string[];
  lastEventIds: (string | undefined)[];
}

export function appState(): AppState {
  return { hub: createHub(), closes: [], finallies: 0, settled: [], lastEventIds: [] };
}

/** Three events at once, then one every 20 ms until the client leaves. */
export function ticks(state: AppState) {
  return async function* ({
    signal,
    lastEventId,
  }: {
    signal: AbortSignal;
    lastEventId: string | undefined;
  }) {
    state.lastEventIds.push(lastEventId);
    try {
      let n = 0;
      yield { id: ++n, event: "tick", data: { n } };
      yield { id: ++n, event: "tick", data: { n } };
      yield { id: ++n, event: "tick", data: "line 1\nline 2" };
      while (!signal.aborted) {
        await sleep(20, signal);
        yield { id: ++n, event: "tick", data: { n } };
      }
    } finally {
      state.finallies++;
    }
  };
}

/**
 * Routes: `/stream` (ticks), `/hub` (the room topic), `/done` (two events,
 * then the end). `extra` options go to every call (a framework's headers).
 */
export function handler(state: AppState, extra: NodeSSEOptions = {}) {
  const onClose = (reason: SSECloseReason): void => {
    state.closes.push(reason);
  };
  return (req: NodeRequest, res: NodeResponse): Promise<void> => {
    const url = (req as { url?: string }).url ?? "/";
    const path = url.split("?")[0];
    const options: NodeSSEOptions = { ...extra, onClose };
    let done: Promise<void>;
    if (path === "/hub") {
      done = sendHub(req, res, state.hub, "room", { ...options, keepAlive: 1000 });
    } else if (path === "/done") {
      done = sendSSE(req, res, ["one", { event: "two", data: { n: 2 } }], options);
    } else {
      done = sendSSE(req, res, ticks(state), { ...options, retry: 1500 });
    }
    return done.then(
      () => {
        state.settled.push("resolved");
      },
      (error: Error) => {
        state.settled.push(error.message);
        throw error;
      },
    );
  };
}
