/**
 * The runtime matrix on Node over HTTP/2: `@hono/node-server`'s serve() with
 * `createServer` from node:http2 (cleartext h2c, prior knowledge), default
 * settings otherwise, in this very process; the client is node:http2.
 */
import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { handle } from "../shared/app.ts";
import { http2c } from "../shared/client.ts";
import { describeMatrix } from "../shared/suite.ts";

let server: Http2Server | undefined;

describeMatrix(`Node ${process.version}, @hono/node-server, HTTP/2 (h2c)`, {
  http2: true,
  async start() {
    const port = await new Promise<number>((resolve) => {
      server = serve(
        { fetch: handle, hostname: "127.0.0.1", port: 0, createServer },
        (info: AddressInfo) => resolve(info.port),
      ) as Http2Server;
    });
    return http2c(`http://127.0.0.1:${port}`);
  },
  async stop() {
    server?.close();
  },
});
