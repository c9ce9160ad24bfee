/**
 * Checks a contender's output before it is timed: the body is parsed with
 * eventsource-parser (the encoding oracle) and every event must match what
 * was sent (count, data, event name, id).
 *
 * @module
 */
import { createParser } from "eventsource-parser";
import { dataText } from "./workloads.mjs";

function show(value) {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 70 ? `${text.slice(0, 67)}...` : text;
}

/**
 * Reads `response.body` to the end and compares the events a client would see
 * with `events`.
 *
 * @returns `undefined` when everything matches, else a one-line reason.
 */
export async function verify(response, events) {
  if (!response.body) return "no body";
  let index = 0;
  let problem;
  const parser = createParser({
    onEvent(got) {
      if (problem !== undefined) return;
      const want = events[index];
      if (want === undefined) {
        problem = `more events than the ${events.length} sent`;
        return;
      }
      const wantData = dataText(want.data);
      if (got.data !== wantData) {
        problem = `event #${index + 1}: data ${show(got.data)}, expected ${show(wantData)}`;
      } else if (got.event !== want.event) {
        problem = `event #${index + 1}: event ${show(got.event)}, expected ${show(want.event)}`;
      } else if (got.id !== String(want.id)) {
        problem = `event #${index + 1}: id ${show(got.id)}, expected ${show(String(want.id))}`;
      }
      index++;
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(decoder.decode(value, { stream: true }));
  }
  parser.feed(decoder.decode());
  if (problem !== undefined) return problem;
  if (index !== events.length) return `${index} events parsed, ${events.length} sent`;
  return undefined;
}

/** The cheap reader every timed body goes through: read chunks, count bytes. */
export async function drain(response) {
  const reader = response.body.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}
