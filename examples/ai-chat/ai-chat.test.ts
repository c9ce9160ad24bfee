/**
 * The AI SDK chat example over real HTTP, driven by the AI SDK's own client
 * side (DefaultChatTransport's sendMessages and reconnectToStream) with its
 * mock model: the answer streams through the hub, a reload mid-answer resumes
 * it whole, and a resume after the end gets 204.
 */
import {
  DefaultChatTransport,
  UI_MESSAGE_STREAM_HEADERS,
  type UIMessage,
  type UIMessageChunk,
} from "ai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { fetchEvents } from "../../src/client.ts";
import { createHub } from "../../src/hub.ts";
import { type RunningServer, startServer, until, within } from "../../test/clients/node-server.ts";
import { createChatApp } from "./app.mjs";
import { cannedModel } from "./model.mjs";

const TEXT = "one two three four five six seven eight nine ten eleven twelve";

const question = (text: string): UIMessage[] => [
  { id: "u1", role: "user", parts: [{ type: "text", text }] },
];

/** Reads a chunk stream to its end (bounded), or until `stopAfter` chunks, then cancels it. */
async function read(
  stream: ReadableStream<UIMessageChunk>,
  stopAfter = Number.POSITIVE_INFINITY,
): Promise<UIMessageChunk[]> {
  const chunks: UIMessageChunk[] = [];
  const reader = stream.getReader();
  await within(
    (async () => {
      while (chunks.length < stopAfter) {
        const { done, value } = await reader.read();
        if (done) return;
        chunks.push(value);
      }
      await reader.cancel();
    })(),
    15_000,
    "the answer's chunks",
  );
  return chunks;
}

const textOf = (chunks: UIMessageChunk[]): string =>
  chunks.map((c) => (c.type === "text-delta" ? c.delta : "")).join("");

describe("examples/ai-chat: an AI SDK chat through web-sse/hub", () => {
  let server: RunningServer;
  let app: ReturnType<typeof createChatApp>;
  const hub = createHub();
  const failures: unknown[] = [];

  beforeAll(async () => {
    app = createChatApp({
      hub,
      model: cannedModel({ text: TEXT, delayMs: 60 }),
      log: (_message, error) => {
        failures.push(error);
      },
    });
    server = await startServer(app.fetch);
  });
  afterAll(async () => {
    await hub.close();
    await server?.close();
    expect(failures).toEqual([]);
  });

  const transport = (): DefaultChatTransport<UIMessage> =>
    new DefaultChatTransport({ api: `${server.url}/api/chat` });

  test("sendMessages streams the whole answer, [DONE] and the topic's end close it, and a resume after the end gets 204", async () => {
    const stream = await transport().sendMessages({
      chatId: "whole",
      messages: question("count"),
      trigger: "submit-message",
      messageId: undefined,
      abortSignal: undefined,
    });
    const chunks = await read(stream);
    expect(chunks[0]?.type).toBe("start");
    expect(chunks.at(-1)?.type).toBe("finish");
    expect(textOf(chunks)).toBe(TEXT);
    // 204: reconnectToStream's "nothing to resume".
    expect(await transport().reconnectToStream({ chatId: "whole" })).toBeNull();
  });

  test("the AI SDK's header set passes as given: its Connection header is dropped, the rest sent", async () => {
    expect(UI_MESSAGE_STREAM_HEADERS).toHaveProperty("connection", "keep-alive");
    // In process (no HTTP/1.1 server adding its own Connection header).
    const response = await app.request("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "in-process", messages: question("hi") }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("connection")).toBeNull();
    expect(response.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    await response.body?.cancel();
  });

  test("the POST answers with the AI SDK's headers, an id on every event, and [DONE] last", async () => {
    const response = await fetch(`${server.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "headers", messages: question("hi") }),
    });
    expect(response.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const body = await response.text();
    const blocks = body.split("\n\n").filter((b) => b.includes("data:"));
    expect(blocks.every((b) => /^id: /m.test(b))).toBe(true);
    expect(blocks.at(-1)).toMatch(/^data: \[DONE\]$/m);
  });

  test("a reload mid-answer resumes with reconnectToStream: the whole answer, once, then the end", async () => {
    const abort = new AbortController();
    const first = await transport().sendMessages({
      chatId: "reload",
      messages: question("count"),
      trigger: "submit-message",
      messageId: undefined,
      abortSignal: abort.signal,
    });
    const before = await read(first, 5);
    abort.abort(); // the page goes away mid-answer
    expect(textOf(before).length).toBeLessThan(TEXT.length);
    const resumed = await transport().reconnectToStream({ chatId: "reload" });
    if (resumed === null) throw new Error("the answer should still be running");
    const chunks = await read(resumed);
    expect(chunks[0]?.type).toBe("start");
    expect(chunks.filter((c) => c.type === "start")).toHaveLength(1);
    expect(chunks.at(-1)?.type).toBe("finish");
    expect(textOf(chunks)).toBe(TEXT);
    await until(
      async () => (await transport().reconnectToStream({ chatId: "reload" })) === null,
      5000,
      "204 after the end",
    );
  });

  test("fetchEvents follows a running answer from the resume endpoint to its [DONE], then gets 204", async () => {
    const started = await fetch(`${server.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "follow", messages: question("hi") }),
    });
    await started.body?.cancel();
    const data: string[] = [];
    for await (const event of fetchEvents(`${server.url}/api/chat/follow/stream`, { retry: 50 })) {
      data.push(event.data);
    }
    // The stream closes after [DONE]; the reconnect gets 204 and the iteration ends.
    expect(data.at(-1)).toBe("[DONE]");
    expect(textOf(data.slice(0, -1).map((d) => JSON.parse(d) as UIMessageChunk))).toBe(TEXT);
  });

  test("a chat that never started resumes with 204, and a bad body is a 400", async () => {
    expect(await transport().reconnectToStream({ chatId: "never" })).toBeNull();
    const bad = await fetch(`${server.url}/api/chat`, { method: "POST", body: "{}" });
    expect(bad.status).toBe(400);
  });
});
