/**
 * Property test: on random valid event streams, cut into random chunks at
 * random byte offsets, SSEDecoderStream reports what eventsource-parser (the
 * oracle) reports: the same events, types, data, ids, retries and comments.
 */
import { test } from "vitest";
import { checkDecoderProperty } from "./property.ts";

test("SSEDecoderStream decodes random streams in random chunks as eventsource-parser does", async () => {
  await checkDecoderProperty(400);
});
