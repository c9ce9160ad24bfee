/**
 * `deno check`ed by runtimes.test.ts: under Deno's own fetch and Request
 * types, the global fetch and a wrapper fit the `fetch` option, and events fit
 * SSEMessage.
 *
 * @module
 */
import { type FetchEventsOptions, fetchEvents, type SSEEvent } from "../../src/client.ts";
import type { SSEMessage } from "../../src/index.ts";

const wrapper = async (request: Request): Promise<Response> => {
  request.headers.set("authorization", "Bearer token");
  return await fetch(request);
};
const options: FetchEventsOptions[] = [{ fetch }, { fetch: wrapper }];
const message = (event: SSEEvent): SSEMessage => event;

export { fetchEvents, message, options };
