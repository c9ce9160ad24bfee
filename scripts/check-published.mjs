// Type-checks the package as it is published: builds it (same config and
// post-build step as `npm run build`) into a temporary node_modules/web-sse,
// then checks, with `deno check` and with tsc (skipLibCheck off, so the .d.ts
// files themselves are checked):
// - scripts/published/app.ts, which imports "web-sse" and "web-sse/hono" by name;
// - every published entry by name (entries.ts);
// - with Deno, every entry's dist/*.js imported by path from a plain copy of the
//   package (files.ts), as from a CDN URL: there Deno resolves a .d.ts file's
//   imports literally (by name it probes), so a "./encode.ts" left in a .d.ts
//   fails, and a .js file's types come only from its @ts-self-types line.
// Leaves dist/ alone, so it is safe to run while tests read dist/.
import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixDistTypes } from "./dist-types.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(root, "node_modules/.bin", name);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

// Subpaths whose types need a runtime's own declarations are checked where that
// runtime's types are: web-sse/cloudflare imports "cloudflare:workers", so it is
// checked by tsc with the Workers types when @cloudflare/workers-types is
// installed (or WEB_SSE_WORKERS_TYPES names its folder), and not otherwise.
const SKIP = new Set(["./package.json", "./cloudflare"]);
const workersTypes =
  process.env.WEB_SSE_WORKERS_TYPES ?? join(root, "node_modules/@cloudflare/workers-types");

const dir = mkdtempSync(join(tmpdir(), "web-sse-published-"));
/** Runs a command in the temporary folder; on failure throws with its output. */
const run = (command, args) => {
  try {
    execFileSync(command, args, { cwd: dir, stdio: "pipe", encoding: "utf8" });
  } catch (error) {
    const output = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim();
    throw new Error(`${[command, ...args].join(" ")} failed:\n${output}`);
  }
};

try {
  const home = join(dir, "node_modules/web-sse");
  mkdirSync(home, { recursive: true });
  run(bin("tsc"), ["-p", join(root, "tsconfig.build.json"), "--outDir", join(home, "dist")]);
  fixDistTypes(join(home, "dist"));
  cpSync(join(root, "package.json"), join(home, "package.json"));
  // A copy outside node_modules: Deno loads it as plain files, not as an npm package.
  cpSync(home, join(dir, "cdn"), { recursive: true });
  symlinkSync(join(root, "node_modules/hono"), join(dir, "node_modules/hono"), "dir");

  // Every published entry whose source exists is imported, so a new subpath is
  // checked as soon as it is added to "exports" and src/.
  const entries = [];
  const files = [];
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (SKIP.has(subpath) || typeof target !== "object") continue;
    const name = subpath === "." ? "index" : subpath.slice(2);
    if (!existsSync(join(root, "src", `${name}.ts`))) continue;
    if (!existsSync(join(home, target.types))) {
      throw new Error(`${subpath} has no ${target.types} after the build`);
    }
    const specifier = subpath === "." ? "web-sse" : `web-sse/${name}`;
    const id = name.replace(/\W/g, "_");
    entries.push(`export * as ${id} from "${specifier}";`);
    files.push(`export * as ${id} from "./cdn/${target.default.replace(/^\.\//, "")}";`);
  }
  writeFileSync(join(dir, "entries.ts"), `${entries.join("\n")}\n`);
  // Without the .d.ts (a .js without @ts-self-types is typed as loose JavaScript,
  // its parameters `any`) these calls would pass and the directives be unused.
  files.push(
    'import { sleep } from "./cdn/dist/index.js";',
    'import { sse } from "./cdn/dist/hono.js";',
    "// @ts-expect-error: ms is a number",
    'sleep("1000", undefined);',
    "// @ts-expect-error: the source is a function",
    "sse(42, undefined);",
  );
  writeFileSync(join(dir, "files.ts"), `${files.join("\n")}\n`);
  cpSync(join(root, "scripts/published/app.ts"), join(dir, "app.ts"));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ type: "module", dependencies: { "web-sse": "*", hono: "*" } }),
  );
  writeFileSync(join(dir, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        types: [],
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: ["app.ts", "entries.ts"],
    }),
  );

  run(bin("deno"), ["check", "--quiet", "app.ts", "entries.ts", "files.ts"]);
  run(bin("tsc"), ["-p", "tsconfig.json"]);
  let workers = "web-sse/cloudflare not checked: @cloudflare/workers-types is not installed";
  if (existsSync(join(root, "src/cloudflare.ts")) && existsSync(join(workersTypes, "index.d.ts"))) {
    // web-sse/client runs in Workers too: its types must hold under the Workers types, no DOM lib.
    writeFileSync(
      join(dir, "worker.ts"),
      'export * as cloudflare from "web-sse/cloudflare";\nexport * as client from "web-sse/client";\n',
    );
    writeFileSync(
      join(dir, "tsconfig.workers.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          // The Workers types declare Request, Response and the rest: no DOM lib.
          lib: ["ES2022"],
          types: [workersTypes],
          strict: true,
          exactOptionalPropertyTypes: true,
          skipLibCheck: false,
          noEmit: true,
        },
        files: ["worker.ts"],
      }),
    );
    run(bin("tsc"), ["-p", "tsconfig.workers.json"]);
    workers = "web-sse/cloudflare and web-sse/client pass tsc with the Workers types";
  }
  console.log(
    `check-published: deno check and tsc pass on the built package (${entries.length} entries); ${workers}`,
  );
} catch (error) {
  console.error(`check-published: ${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
