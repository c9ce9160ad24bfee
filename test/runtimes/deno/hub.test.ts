/**
 * The hub on Deno: `Deno.serve` in a Deno process running ./hub-server.ts
 * (which imports the project's src/ directly), checked over real HTTP.
 */
import { execFileSync } from "node:child_process";
import { describeHubRuntime } from "../../hub/runtime-suite.ts";
import { ROOT, type ServerProcess, startServer } from "../shared/spawn.ts";

const DENO = `${ROOT}node_modules/.bin/deno`;
const version = execFileSync(DENO, ["--version"], { encoding: "utf8" }).split(" ")[1];

let server: ServerProcess | undefined;

describeHubRuntime(`Deno ${version}, Deno.serve`, {
  async start() {
    server = await startServer(DENO, [
      "run",
      "--allow-net=127.0.0.1",
      "--no-prompt",
      "test/runtimes/deno/hub-server.ts",
    ]);
    return `http://127.0.0.1:${server.port}`;
  },
  async stop() {
    await server?.stop();
  },
});
