/**
 * The matrix app on `Deno.serve` with default settings. Prints `port <n>` once listening.
 *
 * @module
 */
import { handle } from "../shared/app.ts";

Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(`port ${port}`) },
  handle,
);
