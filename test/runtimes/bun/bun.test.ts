/**
 * The runtime matrix on Bun: `Bun.serve` with default settings (its 10 s idle
 * timeout included), in a Bun process running ./server.ts (which imports the
 * project's src/ directly).
 */
import { execFileSync } from "node:child_process";
import { http1 } from "../shared/client.ts";
import { ROOT, type ServerProcess, startServer } from "../shared/spawn.ts";
import { describeMatrix } from "../shared/suite.ts";

const BUN = `${ROOT}node_modules/.bin/bun`;
const version = execFileSync(BUN, ["--version"], { encoding: "utf8" }).trim();

let server: ServerProcess | undefined;

describeMatrix(`Bun ${version}, Bun.serve`, {
  async start() {
    server = await startServer(BUN, ["run", "test/runtimes/bun/server.ts"]);
    return http1(`http://127.0.0.1:${server.port}`);
  },
  async stop() {
    await server?.stop();
  },
});
