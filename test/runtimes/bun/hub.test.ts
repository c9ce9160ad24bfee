/**
 * The hub on Bun: `Bun.serve` with default settings in a Bun process running
 * ./hub-server.ts (which imports the project's src/ directly), checked over real HTTP.
 */
import { execFileSync } from "node:child_process";
import { describeHubRuntime } from "../../hub/runtime-suite.ts";
import { ROOT, type ServerProcess, startServer } from "../shared/spawn.ts";

const BUN = `${ROOT}node_modules/.bin/bun`;
const version = execFileSync(BUN, ["--version"], { encoding: "utf8" }).trim();

let server: ServerProcess | undefined;

describeHubRuntime(`Bun ${version}, Bun.serve`, {
  async start() {
    server = await startServer(BUN, ["run", "test/runtimes/bun/hub-server.ts"]);
    return `http://127.0.0.1:${server.port}`;
  },
  async stop() {
    await server?.stop();
  },
});
