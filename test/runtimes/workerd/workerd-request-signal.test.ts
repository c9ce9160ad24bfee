/**
 * The runtime matrix on workerd (miniflare 4, `cf: false`) for a Worker with a
 * recent `compatibility_date` and the `enable_request_signal` flag: a client
 * that leaves aborts request.signal, but only when the stream next writes (an
 * event, or the keepalive at the latest).
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

describeMatrix(
  `${workerdVersion()}, compatibility_date ${COMPATIBILITY_DATE}, enable_request_signal`,
  {
    leave: { kind: "next-write" },
    async start() {
      worker = await startWorker(await bundleWorker("test/runtimes/workerd/worker.ts"), {
        flags: ["enable_request_signal"],
      });
      return http1(worker.origin);
    },
    async stop() {
      await worker?.dispose();
    },
  },
);
