/**
 * Headless Chromium for the browser tests, and the rule for skipping them:
 * without /usr/bin/chromium they skip with a warning, except under CI=true,
 * where they run (and fail if Chromium is missing).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** True when the browser tests should not run here. */
export const skipBrowserTests: boolean = !existsSync(CHROMIUM_PATH) && process.env.CI !== "true";

if (skipBrowserTests) {
  console.warn(
    `Skipping the browser tests: ${CHROMIUM_PATH} not found. Install it with ` +
      "`sudo apt-get install -y --no-install-recommends chromium` (Debian/Ubuntu). " +
      "With CI=true they run and fail without it.",
  );
}

/** Launches headless Chromium with nothing in the background that could open connections of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    timeout: 30_000,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A blank same-origin page to run EventSource code in. */
export const BLANK_PAGE = '<!doctype html><meta charset="utf-8"><title>web-sse test page</title>';
