/**
 * Smoke test: runs examples/workers on workerd through miniflare with the
 * settings of wrangler.jsonc (see ./start.ts) and reads events from its clock
 * routes. The chat room has its own smoke test (./chat.test.ts).
 */
import { describeExample } from "../../test/runtimes/shared/example-smoke.ts";
import { startExample } from "./start.ts";

describeExample(
  "examples/workers on workerd",
  startExample,
  // workerd notices a client that left at the stream's next write: the 5 s keepalive here.
  5000 + 2000,
);
