/**
 * The matrix app as a Cloudflare Worker (module syntax), bundled with esbuild
 * by ./miniflare.ts.
 *
 * @module
 */
import { handle } from "../shared/app.ts";

export default { fetch: handle };
