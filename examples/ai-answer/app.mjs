/**
 * A resumable "AI answer" on web-sse/hub, as a Hono app: the page POSTs its
 * question with web-sse/client's `fetchEvents` to `/answers/:id/events`
 * (an id it made, so a re-sent POST never starts a second job), which starts
 * the job and streams the answer; `POST /answers` (a plain form) starts a job that publishes the answer's tokens to a topic of its own (about
 * 20 a second) and then ends the topic; `GET /answers/:id/events` streams that
 * topic from its first token (`start: "earliest"`) with `hub.response()`. A
 * reload mid-answer shows the whole answer so far and goes on; once the answer
 * is complete the stream closes, and the browser's reconnect gets 204, which
 * stops EventSource for good.
 *
 * A real app would call a model here; the job below makes up an answer so the
 * example runs without one.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { Hono } from "hono";
import { sleep } from "web-sse";

const page = readFileSync(new URL("./index.html", import.meta.url), "utf8");

/**
 * The built package's folder (dist/), whose ES modules the page imports
 * (`/web-sse/client.js`). A real app lets its bundler include web-sse/client.
 */
const dist = new URL(".", import.meta.resolve("web-sse/client"));

/** An answer id the page made: a UUID (lower-case hex). */
const ANSWER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Answers remembered for late joiners; past this the oldest is forgotten (its id then gets 404). */
const MAX_ANSWERS = 1000;

/** The longest question accepted, in UTF-16 units. */
export const MAX_QUESTION = 500;

const CANNED =
  "Server-Sent Events keep one HTTP response open and write events to it as they happen. " +
  "Each event can carry an id; when the connection drops, the browser reconnects on its own " +
  "and sends the last id it saw as Last-Event-ID, so the server can send exactly what was missed. " +
  "Here every token of this answer was published once to a hub topic of its own: any number of " +
  "tabs can follow it, a reload starts from the first token and catches up, and when the answer " +
  "is complete the topic ends, so the browser gets a 204 and stops reconnecting.";

/**
 * The tokens of the made-up answer to `question`, in order: words with the
 * space before them, as a model streams them.
 *
 * @param {string} question
 * @returns {string[]}
 */
export function answerTokens(question) {
  const text = `You asked: "${question}". ${CANNED}`;
  return text.match(/\s*\S+/g) ?? [];
}

/**
 * The hub topic of answer `id`.
 *
 * @param {string} id
 * @returns {string}
 */
const topicOf = (id) => `answer:${id}`;

/**
 * Builds the example app.
 *
 * @param {{ hub: import("web-sse/hub").Hub, tokenMs?: number, retry?: number, maxRunning?: number, signal?: AbortSignal, log?: (message: string, error: unknown) => void }} options
 * `hub`: where answers are published; `tokenMs`: ms between tokens (default
 * 50, about 20 a second); `retry`: the reconnection delay sent to clients
 * (default 1000 ms); `maxRunning`: answers generated at once, past which a
 * new question gets 429 (default 100); `signal`: aborting it stops every running job (on
 * shutdown); `log`: where a job's failure goes (default console.error).
 * @returns {Hono}
 */
export function createAnswerApp(options) {
  const { hub } = options;
  const tokenMs = options.tokenMs ?? 50;
  const retry = options.retry ?? 1000;
  const maxRunning = options.maxRunning ?? 100;
  let running = 0;
  const stopJobs = options.signal ?? new AbortController().signal;
  const log = options.log ?? ((message, error) => console.error(message, error));
  /** Answer ids this app started, oldest first (a Set keeps insertion order). */
  const answers = new Set();
  const app = new Hono();

  /**
   * Publishes the answer token by token, then ends its topic. Never throws.
   *
   * @param {string} id
   * @param {string} question
   * @returns {Promise<void>}
   */
  async function job(id, question) {
    const topic = topicOf(id);
    running++;
    try {
      for (const token of answerTokens(question)) {
        if (stopJobs.aborted) return;
        await hub.publish(topic, { event: "token", data: token });
        await sleep(tokenMs, stopJobs);
      }
      if (!stopJobs.aborted) await hub.end(topic);
    } catch (error) {
      // A hub closed under a running job (shutdown) lands here too.
      if (!stopJobs.aborted) log(`web-sse ai-answer: job ${id} failed`, error);
    } finally {
      running--;
    }
  }

  app.get("/", (c) => c.html(page));

  // The page's ES modules: web-sse/client and what it imports, from dist/.
  app.get("/web-sse/*", (c) => {
    const path = c.req.path.slice("/web-sse/".length);
    if (!/^[\w-]+(\/[\w-]+)*\.js$/.test(path)) return c.text("not found\n", 404);
    try {
      const code = readFileSync(new URL(path, dist), "utf8");
      return c.body(code, 200, { "content-type": "text/javascript; charset=utf-8" });
    } catch {
      return c.text("not found\n", 404);
    }
  });

  /**
   * Checks a question; the refusal to send when it is not 1 to MAX_QUESTION characters.
   *
   * @param {import("hono").Context} c
   * @param {string} question
   * @returns {Response | undefined}
   */
  function refuseQuestion(c, question) {
    if (question !== "" && question.length <= MAX_QUESTION) return undefined;
    const got = question.length > 40 ? `${question.slice(0, 37)}...` : question;
    return c.text(
      `"question" must be 1 to ${MAX_QUESTION} characters (got ${question.length}: "${got}")\n`,
      400,
    );
  }

  /**
   * The 429 for a question past `maxRunning`, or undefined when there is room.
   *
   * @param {import("hono").Context} c
   * @returns {Response | undefined}
   */
  function refuseBusy(c) {
    if (running < maxRunning) return undefined;
    c.header("retry-after", "5");
    return c.text(
      `busy: ${maxRunning} of ${maxRunning} answers being written; ask again shortly\n`,
      429,
    );
  }

  /**
   * Remembers answer `id` (forgetting the oldest past MAX_ANSWERS) and starts its job.
   *
   * @param {string} id
   * @param {string} question
   */
  function start(id, question) {
    answers.add(id);
    for (const old of answers) {
      if (answers.size <= MAX_ANSWERS) break;
      answers.delete(old);
    }
    job(id, question);
  }

  app.post("/answers", async (c) => {
    /** @type {Record<string, unknown>} */
    const form = await c.req.parseBody().catch(() => ({}));
    const question = typeof form.question === "string" ? form.question.trim() : "";
    const refused = refuseQuestion(c, question) ?? refuseBusy(c);
    if (refused !== undefined) return refused;
    const id = crypto.randomUUID();
    start(id, question);
    const events = `/answers/${id}/events`;
    if (c.req.header("accept")?.includes("application/json")) return c.json({ id, events }, 201);
    return c.redirect(`/?answer=${id}`, 303);
  });

  // The page's ask: fetchEvents POSTs the question here with an id of its own
  // and reads the answer from the same response. A reconnect re-sends the same
  // POST (with Last-Event-ID): the id is known by then, so it only resumes.
  app.post("/answers/:id/events", async (c) => {
    const id = c.req.param("id");
    if (!ANSWER_ID.test(id)) return c.text("the answer id must be a lower-case UUID\n", 400);
    if (!answers.has(id)) {
      /** @type {Record<string, unknown>} */
      const form = await c.req.parseBody().catch(() => ({}));
      const question = typeof form.question === "string" ? form.question.trim() : "";
      const refused = refuseQuestion(c, question) ?? refuseBusy(c);
      if (refused !== undefined) return refused;
      start(id, question);
    }
    return hub.response(c.req.raw, topicOf(id), { start: "earliest", retry });
  });

  // The whole answer from its first token for every client, then live;
  // 204 once it ended and the client saw all of it.
  app.get("/answers/:id/events", async (c) => {
    const id = c.req.param("id");
    if (!answers.has(id)) return c.text("no such answer\n", 404);
    return hub.response(c.req.raw, topicOf(id), { start: "earliest", retry });
  });

  return app;
}
