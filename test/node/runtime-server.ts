/**
 * The app of `app.ts` on `node:http`, for Bun's and Deno's `node:http`:
 * `/state` reports what the server saw, `/publish?data=` publishes to the
 * hub's room, `/reset` clears the record. Prints `port <n>` once listening.
 *
 * @module
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { appState, handler } from "./app.ts";

const state = appState();
const handle = handler(state);

function json(res: http.ServerResponse, value: unknown): void {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(value));
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/state") {
    return json(res, {
      closes: state.closes,
      finallies: state.finallies,
      settled: state.settled,
      lastEventIds: state.lastEventIds,
      subscribers: state.hub.subscribers("room"),
    });
  }
  if (url.pathname === "/publish") {
    state.hub.publish("room", { event: "chat", data: url.searchParams.get("data") ?? "" }).then(
      (id) => json(res, id),
      (error: Error) => json(res, error.message),
    );
    return;
  }
  if (url.pathname === "/reset") {
    state.closes.length = 0;
    state.finallies = 0;
    state.settled.length = 0;
    state.lastEventIds.length = 0;
    return json(res, true);
  }
  res.setHeader("x-middleware", "kept");
  res.setHeader("content-length", "12");
  handle(req, res).catch(() => {});
});
server.listen(0, "127.0.0.1", () => {
  console.log(`port ${(server.address() as AddressInfo).port}`);
});
