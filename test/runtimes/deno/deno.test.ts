/**
 * The runtime matrix on Deno: `Deno.serve` with default settings, in a Deno
 * process running ./server.ts (which imports the project's src/ directly).
 */
import { execFileSync } from "node:child_process";
import { http1 } from "../shared/client.ts";
import { ROOT, type ServerProcess, startServer } from "../shared/spawn.ts";
import { describeMatrix } from "../shared/suite.ts";

const DENO = `${ROOT}node_modules/.bin/deno`;
// "deno 2.9.6 (stable, release, ...)" -> "2.9.6"
const version = execFileSync(DENO, ["--version"], { encoding: "utf8" }).split(" ")[1];

let server: ServerProcess | undefined;

describeMatrix(`Deno ${version}, Deno.serve`, {
  async start() {
    server = await startServer(DENO, [
      "run",
      "--allow-net=127.0.0.1",
      "--no-prompt",
      "test/runtimes/deno/server.ts",
    ]);
    return http1(`http://127.0.0.1:${server.port}`);
  },
  async stop() {
    await server?.stop();
  },
});
