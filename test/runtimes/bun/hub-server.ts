/**
 * The hub app (test/hub/fixtures/hub-app.ts) on `Bun.serve`. Prints `port <n>` once listening.
 *
 * @module
 */
import { handleHub } from "../../hub/fixtures/hub-app.ts";

// Typed here, so the Node type-check (no Bun types) accepts it.
const { Bun } = globalThis as unknown as {
  Bun: {
    serve(options: {
      hostname: string;
      port: number;
      fetch: (request: Request) => Promise<Response>;
    }): { port: number };
  };
};

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handleHub });
console.log(`port ${server.port}`);
