/**
 * The hub app (test/hub/fixtures/hub-app.ts) on `Deno.serve`. Prints `port <n>` once listening.
 *
 * @module
 */
import { handleHub } from "../../hub/fixtures/hub-app.ts";

// Typed here, so both the Node type-check (no Deno types) and `deno check` accept it.
const { Deno } = globalThis as unknown as {
  Deno: {
    serve(
      options: { hostname: string; port: number; onListen(address: { port: number }): void },
      handler: (request: Request) => Promise<Response>,
    ): unknown;
  };
};

Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`port ${port}`) },
  handleHub,
);
