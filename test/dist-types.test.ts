/**
 * The post-build step that makes dist/'s types resolve for every consumer
 * (scripts/dist-types.mjs), and what `npm run build` left in dist/.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { rewriteDeclaration as rewrite } from "../scripts/dist-types.mjs";

const dist = new URL("../dist/", import.meta.url);

describe("rewriteDeclaration", () => {
  test.each([
    ['export { a } from "./encode.ts";', 'export { a } from "./encode.js";'],
    ["export * from '../hub/ids.ts';", "export * from '../hub/ids.js';"],
    ['import type { B } from "./hub/backend.ts";', 'import type { B } from "./hub/backend.js";'],
    ['type C = import("./options.ts").C;', 'type C = import("./options.js").C;'],
    ['import "./side.ts";', 'import "./side.js";'],
    ['export { d } from "./d.mts";', 'export { d } from "./d.mjs";'],
  ])("rewrites a relative .ts specifier: %s", (input, output) => {
    expect(rewrite(input)).toBe(output);
  });

  test.each([
    ['import { sse } from "web-sse/hono";'],
    ['import type { Context } from "hono";'],
    ['export type { X } from "./x.d.ts";'],
    ['export { y } from "./y.js";'],
    [' * "Use ./encode.ts for the details" in a comment'],
  ])("leaves alone: %s", (input) => {
    expect(rewrite(input)).toBe(input);
  });
});

describe("dist/ after npm run build", () => {
  const files = existsSync(dist) ? readdirSync(dist, { recursive: true }).map(String) : [];

  test("every .d.ts imports its siblings with .js specifiers", () => {
    const declarations = files.filter((file) => file.endsWith(".d.ts"));
    expect(declarations, "dist/ has no .d.ts: run `npm run build`").not.toEqual([]);
    for (const file of declarations) {
      const text = readFileSync(new URL(file, dist), "utf8");
      expect(text, file).not.toMatch(/(from\s*|import\s*\(\s*)["']\.{1,2}\/[^"']*(?<!\.d)\.ts["']/);
    }
  });

  test("every .js with a .d.ts beside it names it for Deno on its first line", () => {
    const scripts = files.filter((file) => file.endsWith(".js"));
    expect(scripts).not.toEqual([]);
    for (const file of scripts) {
      const types = file.replace(/\.js$/, ".d.ts");
      if (!files.includes(types)) continue;
      const first = readFileSync(new URL(file, dist), "utf8").split("\n", 1)[0];
      expect(first, file).toBe(`// @ts-self-types="./${types.split("/").at(-1)}"`);
    }
  });

  test.each([
    ["options.d.ts", ["resolveOptions", "ResolvedOptions", "CLOCK"]],
    ["response.d.ts", ["answerWith"]],
    ["stream.d.ts", ["streamFrom"]],
    ["headers.d.ts", ["userHeaders", "mergeHeaders", "CONNECTION_HEADERS"]],
    ["source.d.ts", ["checkSource", "openSource", "closeUnopened", "Cursor"]],
    ["encoded.d.ts", ["trustedEvent"]],
  ])(
    "%s, where go-to-definition lands from the public API, declares no internals",
    (file, names) => {
      expect(files, "dist/ is empty: run `npm run build`").toContain(file);
      const text = readFileSync(new URL(file, dist), "utf8");
      for (const name of names) {
        expect(text, `${file}: ${name}`).not.toMatch(
          new RegExp(`\\b(?:function|const|interface|type|class) ${name}\\b`),
        );
      }
    },
  );
});
