/**
 * Runs runtime-checks.ts in Deno or Bun: `BASE=<origin> deno run ... test/client/runtime-check.ts`.
 * Prints one JSON line: the results.
 *
 * @module
 */
import { runChecks } from "./runtime-checks.ts";

const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } })
  .process.env;
const results = await runChecks(String(env.BASE), String(env.RUN ?? "runtime"));
console.log(JSON.stringify(results));
