/**
 * The README's quick start and Hono snippets, taken from the README as they
 * are and run: each counts on from a numeric Last-Event-ID, and starts over
 * (rather than failing to encode an id) when the client sends anything else.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { readEvents } from "../clients/read-events.ts";
import { markdownSnippets, ROOT } from "./snippets.ts";

const readme = markdownSnippets("README.md", readFileSync(join(ROOT, "README.md"), "utf8"));

/** Writes the README block that contains `marker` to a temporary module (imports mapped to src/) and imports it. */
async function load(marker: string): Promise<unknown> {
  const snippet = readme.find((block) => block.code.includes(marker));
  if (snippet === undefined) throw new Error(`README.md has no ts block containing ${marker}`);
  const code = snippet.code.replace(
    /from "web-sse(\/[\w-]+)?"/g,
    (_all, sub: string | undefined) =>
      `from ${JSON.stringify(join(ROOT, "src", `${sub?.slice(1) ?? "index"}.ts`))}`,
  );
  const dir = mkdtempSync(join(tmpdir(), "web-sse-readme-"));
  try {
    const file = join(dir, "snippet.ts");
    writeFileSync(file, code);
    return (await import(/* @vite-ignore */ file)).default;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The id of the first tick the handler sends for a request with these headers. */
async function firstTickId(
  fetch: (request: Request) => Response | Promise<Response>,
  path: string,
  lastEventId?: string,
): Promise<string | undefined> {
  const headers = new Headers();
  if (lastEventId !== undefined) headers.set("last-event-id", lastEventId);
  const response = await fetch(new Request(`http://localhost${path}`, { headers }));
  const read = await readEvents(response, (r) => r.events.length >= 1);
  return read.events[0]?.id;
}

describe("README snippets run as pasted", () => {
  test("the quick start counts on from a numeric Last-Event-ID and starts over from anything else", async () => {
    const handler = (await load("export default {\n  fetch(request: Request) {")) as {
      fetch: (request: Request) => Response;
    };
    const fetch = (request: Request): Response => handler.fetch(request);
    expect(await firstTickId(fetch, "/")).toBe("1");
    expect(await firstTickId(fetch, "/", "41")).toBe("42");
    for (const bad of ["abc", "Infinity", "1e400", "1.5", "9007199254740993"]) {
      expect(await firstTickId(fetch, "/", bad), bad).toBe("1");
    }
  });

  test("the Hono snippet counts on from Last-Event-ID or ?from=, and starts over from anything else", async () => {
    const app = (await load('app.get("/ticks", sse(')) as {
      fetch: (request: Request) => Response | Promise<Response>;
    };
    const fetch = (request: Request) => app.fetch(request);
    expect(await firstTickId(fetch, "/ticks")).toBe("1");
    expect(await firstTickId(fetch, "/ticks?from=7")).toBe("8");
    expect(await firstTickId(fetch, "/ticks?from=7", "41")).toBe("42");
    expect(await firstTickId(fetch, "/ticks", "abc")).toBe("1");
    expect(await firstTickId(fetch, "/ticks?from=x")).toBe("1");
  });
});
