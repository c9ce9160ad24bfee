/**
 * The matrix app on `Bun.serve` with default settings (its 10 s idle timeout
 * included). Prints `port <n>` once listening.
 *
 * @module
 */
import { handle } from "../shared/app.ts";

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handle });
console.log(`port ${server.port}`);
