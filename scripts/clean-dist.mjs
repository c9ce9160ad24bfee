// Removes dist/ before a build so no stale module outlives its source file.
import { rmSync } from "node:fs";

rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
