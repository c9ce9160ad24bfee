/**
 * Topic names: any non-empty string of at most 256 UTF-16 units.
 *
 * @module
 */
import { show } from "../check.ts";

/** The longest topic name, in UTF-16 code units. */
export const MAX_TOPIC_LENGTH = 256;

/**
 * Checks one topic name.
 *
 * @param topic - What was passed.
 * @param where - The call, for the message (e.g. "hub.publish").
 * @throws TypeError naming the rule and showing the value.
 */
export function checkTopic(topic: unknown, where: string): asserts topic is string {
  if (typeof topic !== "string" || topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
    throw new TypeError(
      `${where}: a topic must be a non-empty string of at most ${MAX_TOPIC_LENGTH} UTF-16 units (got ${show(topic)}${typeof topic === "string" ? `, length ${topic.length}` : ""})`,
    );
  }
}

/**
 * Checks a topic or a list of them and returns the distinct topics, in order.
 *
 * @param topics - What was passed.
 * @param where - The call, for the message.
 * @param what - What the caller calls the topics, for the message: the
 * `topics` argument, or `HubObject.fetch`'s `topic` query parameter.
 * @returns The distinct topics.
 * @throws TypeError for an empty list or any invalid name.
 */
export function checkTopics(topics: unknown, where: string, what = '"topics"'): string[] {
  if (typeof topics === "string") {
    checkTopic(topics, where);
    return [topics];
  }
  if (!Array.isArray(topics)) {
    throw new TypeError(
      `${where}: ${what} must be a topic name or an array of them (got ${show(topics)})`,
    );
  }
  if (topics.length === 0) throw new TypeError(`${where}: ${what} must name at least one topic`);
  const seen = new Set<string>();
  for (const topic of topics) {
    checkTopic(topic, where);
    seen.add(topic);
  }
  return [...seen];
}
