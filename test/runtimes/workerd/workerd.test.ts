/**
 * The runtime matrix on workerd (miniflare 4, `cf: false`) for a Worker with a
 * recent `compatibility_date` and no flags: it streams, but nothing tells the
 * stream that a client left (see the "never" leave detection).
 */
import { http1 } from "../shared/client.ts";
import { describeMatrix } from "../shared/suite.ts";
import {
  bundleWorker,
  COMPATIBILITY_DATE,
  type RunningWorker,
  startWorker,
  workerdVersion,
} from "./miniflare.ts";

let worker: RunningWorker | undefined;

describeMatrix(`${workerdVersion()}, compatibility_date ${COMPATIBILITY_DATE}, no flags`, {
  // Observed: without enable_request_signal a client that leaves neither
  // cancels the body nor aborts request.signal, even while the stream writes;
  // the source stays suspended and its finally never runs.
  leave: { kind: "never" },
  async start() {
    worker = await startWorker(await bundleWorker("test/runtimes/workerd/worker.ts"));
    return http1(worker.origin);
  },
  async stop() {
    await worker?.dispose();
  },
});
