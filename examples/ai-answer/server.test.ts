/**
 * examples/ai-answer/server.mjs as a real process: it serves the page and an
 * answer, and on SIGTERM stops the running job, closes the hub and the server,
 * and exits 0 within 1 s (past 1 s it exits 1 by itself) with a stream open.
 */
import { fileURLToPath } from "node:url";
import { EventSource } from "eventsource";
import { afterAll, describe, expect, test } from "vitest";
import { until } from "../../test/clients/node-server.ts";
import { exited, killExamples, startExample } from "../../test/helpers/example-process.ts";
import { answerTokens } from "./app.mjs";

const SERVER = fileURLToPath(new URL("./server.mjs", import.meta.url));
const sources: EventSource[] = [];

afterAll(() => {
  for (const source of sources) source.close();
  killExamples();
});

describe("examples/ai-answer server.mjs", () => {
  test("serves the page and an answer, and exits 0 within 1 s of SIGTERM while the answer streams", async () => {
    const { child, url, output } = await startExample(
      SERVER,
      /web-sse ai-answer on (http:\/\/localhost:\d+)/,
    );
    const page = await fetch(`${url}/`);
    expect(await page.text()).toContain("<title>web-sse resumable answer</title>");

    const asked = await fetch(`${url}/answers`, {
      method: "POST",
      headers: { accept: "application/json" },
      body: new URLSearchParams({ question: "will it stop?" }),
    });
    expect(asked.status).toBe(201);
    const { events } = (await asked.json()) as { events: string };
    const source = new EventSource(`${url}${events}`);
    sources.push(source);
    const tokens: string[] = [];
    source.addEventListener("token", (event) => tokens.push(event.data));
    await until(() => tokens.length >= 3, 5000, "three tokens");

    child.kill("SIGTERM");
    expect(await exited(child, 5000)).toBe(0);
    expect(output()).not.toMatch(/still running|failed/);
    // It stopped mid-answer: the job did not run to its end first.
    const whole = answerTokens("will it stop?");
    expect(tokens).toEqual(whole.slice(0, tokens.length));
    expect(tokens.length).toBeLessThan(whole.length);
  });
});
