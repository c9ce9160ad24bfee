/**
 * The types users rely on: the `fetch` option takes any function from a
 * Request to a Promise of a Response (the global fetch itself, and wrappers),
 * and events are assignable to SSEMessage (the proxy recipe). Checked by tsc
 * with Node's types (tsconfig.test.json); test/client/fetch-types-deno.ts is
 * the same check under Deno's own types (runtimes.test.ts runs `deno check`).
 */
import { expect, expectTypeOf, test } from "vitest";
import { type FetchEventsOptions, fetchEvents, type SSEEvent } from "../../src/client.ts";
import type { SSEMessage } from "../../src/index.ts";

test("the fetch option accepts the global fetch and a token-refreshing wrapper", () => {
  let token = 0;
  const wrapper = async (request: Request): Promise<Response> => {
    request.headers.set("authorization", `Bearer ${++token}`);
    return fetch(request);
  };
  const options: FetchEventsOptions[] = [{ fetch }, { fetch: wrapper }, { fetch: (r) => fetch(r) }];
  expect(options).toHaveLength(3);
  expectTypeOf(fetch).toExtend<NonNullable<FetchEventsOptions["fetch"]>>();
  // @ts-expect-error: a function that returns something other than a Promise of a Response
  const bad: FetchEventsOptions = { fetch: (_request: Request) => "no" };
  void bad;
});

test("events are assignable to SSEMessage, so a decoded stream can be served as is", () => {
  expectTypeOf<SSEEvent>().toExtend<SSEMessage>();
  const stream = fetchEvents("http://127.0.0.1:1/", { signal: AbortSignal.abort() });
  expectTypeOf(stream).toExtend<AsyncIterable<SSEMessage>>();
  stream.close();
});
