/**
 * The runtime matrix on Node: `@hono/node-server`'s serve() over HTTP/1.1 with
 * default settings, in this very process.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { handle } from "../shared/app.ts";
import { http1 } from "../shared/client.ts";
import { describeMatrix } from "../shared/suite.ts";

let server: ReturnType<typeof serve> | undefined;

describeMatrix(`Node ${process.version}, @hono/node-server, HTTP/1.1`, {
  async start() {
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: handle, hostname: "127.0.0.1", port: 0 }, (info: AddressInfo) =>
        resolve(info.port),
      );
    });
    return http1(`http://127.0.0.1:${port}`);
  },
  async stop() {
    const s = server;
    if (s === undefined) return;
    s.close();
    // Open event streams would keep close() waiting: end their connections too.
    if ("closeAllConnections" in s) s.closeAllConnections();
  },
});
