/**
 * A made-up language model for the example (no network, no API key): the AI
 * SDK's own MockLanguageModelV4 streaming a canned answer word by word. A
 * real app passes a provider's model instead, e.g. `openai("gpt-5")`.
 *
 * @module
 */
import { simulateReadableStream } from "ai";
import { MockLanguageModelV4 } from "ai/test";

const ANSWER =
  "Each chunk of this answer is published once to a web-sse hub topic with an id. " +
  "The POST that asked for it streams that topic from its first chunk, so a reload " +
  "or a second tab resumes from the hub, and once the answer is done the resume " +
  "endpoint answers 204.";

/**
 * A model that streams `text` (default: a canned answer) one word every `delayMs`.
 *
 * @param {{ text?: string, delayMs?: number }} [options]
 * @returns {MockLanguageModelV4}
 */
export function cannedModel(options = {}) {
  const words = (options.text ?? ANSWER).match(/\s*\S+/g) ?? [];
  return new MockLanguageModelV4({
    doStream: async () => ({
      stream: simulateReadableStream({
        chunkDelayInMs: options.delayMs ?? 40,
        chunks: /** @type {import("@ai-sdk/provider").LanguageModelV4StreamPart[]} */ ([
          { type: "stream-start", warnings: [] },
          { type: "text-start", id: "text-1" },
          ...words.map((delta) => ({ type: "text-delta", id: "text-1", delta })),
          { type: "text-end", id: "text-1" },
          {
            type: "finish",
            finishReason: { unified: "stop", raw: undefined },
            usage: {
              inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
              outputTokens: { total: words.length, text: words.length, reasoning: 0 },
            },
          },
        ]),
      }),
    }),
  });
}
