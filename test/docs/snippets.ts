/**
 * Finds the TypeScript snippets a user might paste: ```ts blocks in the
 * Markdown docs and in TSDoc comments under src/, and type-checks each as a
 * module of its own (what `deno test --doc` does for Deno).
 *
 * A block whose info string says `ignore` (```ts ignore) is a fragment on
 * purpose and is skipped. A TSDoc block without imports gets the imports its
 * names need from the package's entry points (as Deno does for doc tests); a
 * Markdown block gets nothing: it must carry its own imports.
 *
 * Blocks are checked with Node's types and the DOM's, except Workers blocks
 * (they import `cloudflare:workers` or `web-sse/cloudflare`, or say
 * ```ts workers): those are checked with the Workers types a Worker project
 * has, from `@cloudflare/workers-types` (or the folder WEB_SSE_WORKERS_TYPES
 * names). Without them installed, Workers blocks get a syntax-only check (the
 * test title says so) rather than errors about types nobody declared.
 *
 * @module
 */
import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** One code block, where it was found, and what to check. */
export interface Snippet {
  /** Repository-relative path of the file it is in. */
  readonly file: string;
  /** 1-based line of the block's first code line in that file. */
  readonly line: number;
  /** The words after ```ts, e.g. ["ignore"]. */
  readonly flags: readonly string[];
  /** "markdown" blocks must be complete; "tsdoc" blocks may rely on the entry points. */
  readonly kind: "markdown" | "tsdoc";
  readonly code: string;
}

const LANGS = new Set(["ts", "typescript"]);

/** Splits a fence's info string: ```ts ignore -> lang "ts", flags ["ignore"]. */
function info(text: string): { lang: string; flags: string[] } {
  const [lang = "", ...flags] = text.trim().split(/\s+/);
  return { lang: lang.toLowerCase(), flags };
}

/** Fenced ```ts blocks of a Markdown text (fences may be indented, as in lists). */
export function markdownSnippets(file: string, text: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i] ?? "");
    if (open === null) continue;
    const [, indent = "", fence = "", rest = ""] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? "";
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, "") === "") break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
    }
    const { lang, flags } = info(rest);
    if (LANGS.has(lang))
      out.push({ file, line: i + 2, flags, kind: "markdown", code: body.join("\n") });
    i = j;
  }
  return out;
}

/** Fenced ```ts blocks inside the /** comments of a TypeScript source. */
export function tsdocSnippets(file: string, text: string): Snippet[] {
  const out: Snippet[] = [];
  const comment = /\/\*\*[\s\S]*?\*\//g;
  for (let match = comment.exec(text); match !== null; match = comment.exec(text)) {
    const firstLine = text.slice(0, match.index).split("\n").length;
    // Strip the comment's frame: "/**", "*/" and each line's leading " * ".
    const lines = match[0]
      .replace(/^\/\*\*/, "")
      .replace(/\*\/$/, "")
      .split("\n")
      .map((line) => line.replace(/^\s*\* ?/, ""));
    for (const snippet of markdownSnippets(file, lines.join("\n"))) {
      out.push({ ...snippet, kind: "tsdoc", line: firstLine + snippet.line - 1 });
    }
  }
  return out;
}

/** Repository-relative paths of the files whose snippets are checked. */
export function snippetFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string, keep: (name: string) => boolean): void => {
    if (!existsSync(join(ROOT, dir))) return;
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !entry.name.startsWith(".")) walk(path, keep);
      } else if (keep(entry.name)) files.push(path);
    }
  };
  files.push("README.md");
  walk("docs", (name) => name.endsWith(".md"));
  walk("examples", (name) => name.endsWith(".md"));
  walk("src", (name) => name.endsWith(".ts") && !name.endsWith(".d.ts"));
  return files.filter((file) => existsSync(join(ROOT, file))).sort();
}

/** Every snippet of every checked file. */
export function allSnippets(): Snippet[] {
  return snippetFiles().flatMap((file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    return file.endsWith(".md") ? markdownSnippets(file, text) : tsdocSnippets(file, text);
  });
}

/** A name an entry point exports, and whether it is a type only. */
interface Exported {
  readonly name: string;
  readonly type: boolean;
}

/** The names a module exports (re-exports followed), read from its source. */
export function exportsOf(file: string, seen = new Set<string>()): Exported[] {
  if (seen.has(file) || !existsSync(file)) return [];
  seen.add(file);
  const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
  const out: Exported[] = [];
  const lists = /export\s+(type\s+)?\{([^}]*)\}/g;
  for (let m = lists.exec(text); m !== null; m = lists.exec(text)) {
    for (const part of (m[2] ?? "").split(",")) {
      const item = /^\s*(type\s+)?([\w$]+)(?:\s+as\s+([\w$]+))?\s*$/.exec(part);
      if (item === null) continue;
      out.push({
        name: item[3] ?? item[2] ?? "",
        type: m[1] !== undefined || item[1] !== undefined,
      });
    }
  }
  const declarations =
    /export\s+(?:declare\s+)?(?:abstract\s+)?(async\s+function\*?|function\*?|class|const|let|interface|type|enum)\s+([\w$]+)/g;
  for (let m = declarations.exec(text); m !== null; m = declarations.exec(text)) {
    out.push({ name: m[2] ?? "", type: m[1] === "interface" || m[1] === "type" });
  }
  const stars = /export\s+\*\s+from\s+["'](\.[^"']+)["']/g;
  for (let m = stars.exec(text); m !== null; m = stars.exec(text)) {
    out.push(...exportsOf(join(file, "..", m[1] ?? ""), seen));
  }
  return out;
}

/** The package's entry points: specifier -> source file, from package.json "exports". */
export function entryPoints(): Map<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    exports: Record<string, unknown>;
  };
  const entries = new Map<string, string>();
  for (const subpath of Object.keys(pkg.exports)) {
    if (subpath === "./package.json") continue;
    const name = subpath === "." ? "index" : subpath.slice(2);
    const source = join(ROOT, "src", `${name}.ts`);
    if (existsSync(source)) entries.set(subpath === "." ? "web-sse" : `web-sse/${name}`, source);
  }
  return entries;
}

const hasImport = (code: string): boolean => /^\s*import[\s{*"']/m.test(code);

/**
 * The import lines a TSDoc block without imports needs: each entry point's
 * exports that the block names and does not declare itself.
 */
export function prelude(code: string, entries: Map<string, string>): string {
  if (hasImport(code)) return "";
  const taken = new Set<string>();
  const lines: string[] = [];
  for (const [specifier, source] of entries) {
    const names: string[] = [];
    for (const { name, type } of exportsOf(source)) {
      if (taken.has(name) || !new RegExp(`(?<![\\w$.])${name}(?![\\w$])`).test(code)) continue;
      const declared = new RegExp(
        `\\b(?:function\\*?|class|const|let|var|interface|type|enum)\\s+${name}(?![\\w$])`,
      );
      if (declared.test(code)) continue;
      taken.add(name);
      names.push(type ? `type ${name}` : name);
    }
    if (names.length > 0) lines.push(`import { ${names.join(", ")} } from "${specifier}";`);
  }
  return lines.length > 0 ? `${lines.join(" ")}\n` : "";
}

/** A type error in a snippet, located in the file the snippet came from. */
export interface SnippetError {
  readonly snippet: Snippet;
  /** "README.md:12:5" */
  readonly at: string;
  /** The tsc message, continuation lines included. */
  message: string;
}

/** Does this block need the Workers types instead of Node's and the DOM's? */
export function isWorkers(code: string, flags: readonly string[]): boolean {
  return flags.includes("workers") || /["'](cloudflare:workers|web-sse\/cloudflare)["']/.test(code);
}

/** Where the Workers types are, if installed. */
export function workersTypes(): string | undefined {
  const dir =
    process.env.WEB_SSE_WORKERS_TYPES ?? join(ROOT, "node_modules/@cloudflare/workers-types");
  return existsSync(join(dir, "index.d.ts")) ? dir : undefined;
}

/** Runs tsc on a project folder and returns its diagnostics as text. */
function tsc(dir: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, "node_modules/.bin/tsc"),
      ["-p", join(dir, "tsconfig.json"), "--pretty", "false"],
      { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
      (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
    );
  });
}

/**
 * Type-checks `snippets` (one tsc run for the Node/DOM ones, one for the
 * Workers ones; the project's strict options; "web-sse" and its subpaths mapped
 * to src/) and returns the errors of each, by its index in `snippets`.
 */
export async function checkSnippets(snippets: readonly Snippet[]): Promise<SnippetError[][]> {
  // Inside node_modules so "hono" and @types/node resolve as they do for a user.
  const cache = join(ROOT, "node_modules/.cache");
  mkdirSync(cache, { recursive: true });
  const entries = entryPoints();
  const paths: Record<string, string[]> = {};
  for (const [specifier, source] of entries) paths[specifier] = [source];
  const errors: SnippetError[][] = snippets.map(() => []);
  const workers = workersTypes();

  const groups: { name: string; types: string[]; lib: string[]; syntaxOnly?: true }[] = [
    { name: "node", types: ["node"], lib: ["ES2022", "DOM", "DOM.Iterable"] },
    // Workers types declare Request, Response and the rest themselves: no DOM lib.
    workers === undefined
      ? { name: "workers", types: [], lib: ["ES2022", "DOM"], syntaxOnly: true }
      : { name: "workers", types: [workers], lib: ["ES2022"] },
  ];
  await Promise.all(
    groups.map(async (group) => {
      const dir = mkdtempSync(join(cache, `web-sse-snippets-${group.name}-`));
      const files = new Map<string, { index: number; offset: number }>();
      snippets.forEach((snippet, index) => {
        const head = snippet.kind === "tsdoc" ? prelude(snippet.code, entries) : "";
        if (isWorkers(head + snippet.code, snippet.flags) !== (group.name === "workers")) return;
        const name = `snippet-${index}.ts`;
        writeFileSync(join(dir, name), `${head}${snippet.code}\n`);
        files.set(name, { index, offset: head === "" ? 0 : 1 });
      });
      if (files.size === 0) return;
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          extends: join(ROOT, "tsconfig.json"),
          compilerOptions: {
            types: group.types,
            lib: group.lib,
            isolatedDeclarations: false,
            declaration: false,
            noEmit: true,
            allowImportingTsExtensions: true,
            moduleDetection: "force",
            paths,
          },
          files: [...files.keys()],
          include: [],
        }),
      );
      const output = await tsc(dir);
      rmSync(dir, { recursive: true, force: true });
      let current: SnippetError | undefined;
      for (const line of output.split("\n")) {
        const m = /^(.*?)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line);
        if (m === null) {
          // A continuation line of the previous error's message.
          if (current !== undefined && line.trim() !== "") current.message += `\n  ${line.trim()}`;
          continue;
        }
        current = undefined;
        const found = files.get(relative(dir, join(dir, m[1] ?? "")));
        const snippet = found === undefined ? undefined : snippets[found.index];
        // An error outside the snippets (in src/, checked elsewhere) is not theirs.
        if (found === undefined || snippet === undefined) continue;
        // Without the Workers types only syntax errors (TS1xxx) say something true.
        if ("syntaxOnly" in group && !/^TS1\d{3}:/.test(m[4] ?? "")) continue;
        const lineInBlock = Number(m[2]) - found.offset;
        const at =
          lineInBlock >= 1
            ? `${snippet.file}:${snippet.line + lineInBlock - 1}:${m[3]}`
            : `${snippet.file}:${snippet.line} (in the added imports)`;
        current = { snippet, at, message: m[4] ?? "" };
        errors[found.index]?.push(current);
      }
      if (!/error TS/.test(output) && output.trim() !== "") {
        throw new Error(`tsc failed without type errors in ${dir}:\n${output}`);
      }
    }),
  );
  return errors;
}
