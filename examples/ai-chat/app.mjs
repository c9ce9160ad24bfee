/**
 * An AI SDK chat served through web-sse/hub, as a Hono app: the answer's UI
 * message chunks are published to a hub topic, so the stream survives a
 * reload and any number of readers get the same chunks.
 *
 * - `POST /api/chat` (the AI SDK's DefaultChatTransport `sendMessages`) starts
 *   the model, publishes every `toUIMessageStream()` chunk, then `[DONE]`,
 *   then `hub.end()`s the topic; the POST itself answers with the topic from
 *   its first chunk (`start: "earliest"`).
 * - `GET /api/chat/:id/stream` (the transport's `reconnectToStream`) answers
 *   with the chat's running answer from its first chunk, or 204 when none is
 *   running (the AI SDK's "nothing to resume").
 *
 * @module
 */
import { convertToModelMessages, streamText, UI_MESSAGE_STREAM_HEADERS } from "ai";
import { Hono } from "hono";

/** Chats remembered for resuming; past this the oldest is forgotten (its resume gets 204). */
const MAX_CHATS = 1000;

/**
 * Builds the chat app.
 *
 * @param {{ hub: import("web-sse/hub").Hub, model: import("ai").LanguageModel, headers?: HeadersInit, log?: (message: string, error: unknown) => void }} options
 * `hub`: where answers are published; `model`: the language model;
 * `headers`: the stream's headers (default: the AI SDK's
 * UI_MESSAGE_STREAM_HEADERS, as given); `log`: where a failed answer is
 * reported (default console.error).
 * @returns {Hono}
 */
export function createChatApp(options) {
  const { hub, model } = options;
  const headers = options.headers ?? UI_MESSAGE_STREAM_HEADERS;
  const log = options.log ?? ((message, error) => console.error(message, error));
  /** Chat id -> its latest answer's topic and whether that answer is complete. */
  const chats = new Map();
  let answers = 0;
  const app = new Hono();

  /**
   * Publishes the answer's chunks, then [DONE], then ends the topic. Never throws.
   *
   * @param {{ topic: string, done: boolean }} answer
   * @param {import("ai").UIMessage[]} messages
   */
  async function run(answer, messages) {
    try {
      const result = streamText({ model, messages: await convertToModelMessages(messages) });
      for await (const chunk of result.toUIMessageStream()) {
        await hub.publish(answer.topic, { data: JSON.stringify(chunk) });
      }
      // The AI SDK's own stream ends with this line; its parser skips it.
      await hub.publish(answer.topic, { data: "[DONE]" });
    } catch (error) {
      log(`web-sse ai-chat: answer on ${answer.topic} failed`, error);
    } finally {
      answer.done = true;
      // Without end() the topic stays open and every reader waits forever.
      await hub.end(answer.topic).catch(() => {});
    }
  }

  app.post("/api/chat", async (c) => {
    /** @type {{ id?: unknown, messages?: unknown }} */
    const body = await c.req.json().catch(() => ({}));
    if (
      typeof body.id !== "string" ||
      body.id === "" ||
      body.id.length > 200 ||
      !Array.isArray(body.messages)
    ) {
      return c.text(
        'the body must be JSON with a chat "id" (1 to 200 characters) and "messages"\n',
        400,
      );
    }
    const answer = { topic: `chat:${body.id}:${++answers}`, done: false };
    chats.delete(body.id);
    chats.set(body.id, answer);
    for (const old of chats.keys()) {
      if (chats.size <= MAX_CHATS) break;
      chats.delete(old);
    }
    // start: "earliest": this reader (and any later one) gets the topic from its first chunk.
    const response = await hub.response(c.req.raw, answer.topic, { start: "earliest", headers });
    void run(answer, /** @type {import("ai").UIMessage[]} */ (body.messages));
    return response;
  });

  app.get("/api/chat/:id/stream", (c) => {
    const answer = chats.get(c.req.param("id"));
    if (answer === undefined || answer.done) return new Response(null, { status: 204 });
    return hub.response(c.req.raw, answer.topic, { start: "earliest", headers });
  });

  return app;
}
