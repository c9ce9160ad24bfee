/**
 * Every ```ts block in the README, the docs, the examples' READMEs and the
 * TSDoc of src/ compiles when pasted alone (see ./snippets.ts for the rules).
 * New snippets are picked up as they are added; mark a fragment kept on
 * purpose with ```ts ignore.
 */
import { beforeAll, describe, expect, test } from "vitest";
import {
  allSnippets,
  checkSnippets,
  entryPoints,
  isWorkers,
  markdownSnippets,
  prelude,
  type SnippetError,
  tsdocSnippets,
  workersTypes,
} from "./snippets.ts";

const snippets = allSnippets();
const entries = entryPoints();
const checked = snippets.filter((snippet) => !snippet.flags.includes("ignore"));

describe("snippet extraction", () => {
  test("finds ```ts blocks in Markdown with their first code line, flags, and indented fences", () => {
    const text = [
      "# Title",
      "",
      "```ts",
      "const a = 1;",
      "```",
      "",
      "  ```ts ignore",
      "  b();",
      "  ```",
      "```sh",
      "ls",
      "```",
    ].join("\n");
    expect(markdownSnippets("X.md", text)).toEqual([
      { file: "X.md", line: 4, flags: [], kind: "markdown", code: "const a = 1;" },
      { file: "X.md", line: 8, flags: ["ignore"], kind: "markdown", code: "b();" },
    ]);
  });

  test("finds ```ts blocks in TSDoc comments at their line in the source", () => {
    const text = [
      "/**",
      " * Summary.",
      " *",
      " * @example Title",
      " * ```ts",
      " * f(1);",
      " *   g();",
      " * ```",
      " */",
      "export function f(n: number) {}",
    ].join("\n");
    expect(tsdocSnippets("src/f.ts", text)).toEqual([
      { file: "src/f.ts", line: 6, flags: [], kind: "tsdoc", code: "f(1);\n  g();" },
    ]);
  });

  test("a TSDoc block without imports gets the entry points' names it uses, types as type imports", () => {
    const head = prelude("const s: SSEChunk = 'x'; encodeEvent(s); sse;", entryPoints());
    expect(head).toContain('import { encodeEvent, type SSEChunk } from "web-sse";');
    expect(head).toContain('import { sse } from "web-sse/hono";');
    expect(prelude('import { sleep } from "web-sse";\nsleep(1);', entryPoints())).toBe("");
    expect(prelude("function sleep() {}\nsleep();", entryPoints())).toBe("");
  });

  test("finds the README's quick start and the TSDoc examples of the core", () => {
    expect(checked.some((s) => s.file === "README.md")).toBe(true);
    for (const file of ["src/index.ts", "src/sleep.ts", "src/hono.ts", "src/stream.ts"]) {
      expect(
        checked.some((s) => s.file === file),
        file,
      ).toBe(true);
    }
  });
});

describe("every snippet compiles when pasted alone", () => {
  let errors: SnippetError[][] = [];
  beforeAll(async () => {
    errors = await checkSnippets(checked);
  }, 120_000);

  const syntaxOnly = workersTypes() === undefined;
  const title = (index: number): string => {
    const snippet = checked[index];
    if (snippet === undefined) return "";
    const where = `${snippet.file}:${snippet.line}`;
    // The prelude may add a web-sse/cloudflare import: classify with it.
    const code =
      snippet.kind === "tsdoc" ? prelude(snippet.code, entries) + snippet.code : snippet.code;
    return syntaxOnly && isWorkers(code, snippet.flags)
      ? `${where} (syntax only: install @cloudflare/workers-types for the full check)`
      : where;
  };
  test.each(checked.map((_snippet, index) => [title(index), index] as const))(
    "%s",
    (_at, index) => {
      const found = errors[index] ?? [];
      const report = found.map((error) => `${error.at} ${error.message}`).join("\n");
      const snippet = checked[index];
      const hint =
        snippet?.kind === "markdown"
          ? "a Markdown snippet must carry its own imports; mark a fragment kept on purpose ```ts ignore"
          : "a TSDoc example gets the entry points' imports when it has none; mark a fragment ```ts ignore";
      expect(report, `${report}\n(${hint})`).toBe("");
    },
  );
});
