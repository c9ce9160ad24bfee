// Post-build step for dist/ (run by `npm run build`): makes the published types
// resolve for every consumer.
//
// 1. Relative ".ts" specifiers in .d.ts files become ".js". The sources import
//    "./encode.ts" and tsc's rewriteRelativeImportExtensions rewrites that in the
//    JavaScript it emits but (TypeScript 7.0) not in declaration files, so a
//    consumer that resolves them literally (Deno loading dist/ as plain files, as
//    from a CDN URL) finds no "./encode.ts" and reports TS2307 for each.
// 2. Each .js file with a .d.ts beside it starts with Deno's
//    `// @ts-self-types="./x.d.ts"` directive: Deno does not look for a sibling
//    .d.ts of a plain .js file by itself. The source map gets an empty first
//    line so its mappings stay on their lines.
//
// Usage: node scripts/dist-types.mjs [dir]   (default: dist/)
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

// `from "./x.ts"`, `import("./x.ts")` and `import "./x.ts"`: relative specifiers
// only (a bare "web-sse" in a TSDoc example is left alone), never a ".d.ts" one.
const SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"'\n]*?)(?<!\.d)\.(m?)ts\2/g;

/**
 * Rewrites one declaration file's relative `.ts`/`.mts` specifiers to `.js`/`.mjs`.
 *
 * @param {string} text
 * @returns {string}
 */
export function rewriteDeclaration(text) {
  return text.replace(
    SPECIFIER,
    (_all, lead, quote, path, m) => `${lead}${quote}${path}.${m}js${quote}`,
  );
}

const SELF_TYPES = /^\/\/ @ts-self-types=/;

/**
 * Applies both steps to every file under `dir`.
 *
 * @param {string} dir
 * @returns {{ declarations: number, scripts: number }} how many files changed
 */
export function fixDistTypes(dir) {
  const changed = { declarations: 0, scripts: 0 };
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    // parentPath: Node >= 20.12; path before it.
    const file = join(entry.parentPath ?? entry.path, entry.name);
    if (/\.d\.m?ts$/.test(entry.name)) {
      const text = readFileSync(file, "utf8");
      const rewritten = rewriteDeclaration(text);
      if (rewritten === text) continue;
      writeFileSync(file, rewritten);
      changed.declarations++;
    } else if (/\.m?js$/.test(entry.name)) {
      const types = file.replace(/\.(m?)js$/, ".d.$1ts");
      const text = readFileSync(file, "utf8");
      if (!existsSync(types) || SELF_TYPES.test(text)) continue;
      writeFileSync(file, `// @ts-self-types="./${basename(types)}"\n${text}`);
      const map = `${file}.map`;
      if (existsSync(map)) {
        const json = JSON.parse(readFileSync(map, "utf8"));
        json.mappings = `;${json.mappings}`;
        writeFileSync(map, JSON.stringify(json));
      }
      changed.scripts++;
    }
  }
  return changed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fixDistTypes(process.argv[2] ?? fileURLToPath(new URL("../dist", import.meta.url)));
}
