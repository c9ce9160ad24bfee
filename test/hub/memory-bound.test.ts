/**
 * memoryBackend's documented bound, measured on the heap: 100 000 distinct
 * topics published once each, in a child `node --expose-gc` running the hub
 * bundled from src/ (so the figures are the hub's own, not vitest's).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hubBundle, ROOT } from "./hub-bundle.ts";

const bundlePath = hubBundle();

interface Figures {
  base: number;
  full: number;
  expired: number;
}

function measure(maxTopics: number | "default", ttl: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        "--expose-gc",
        join(ROOT, "test/hub/fixtures/memory-bound.mjs"),
        bundlePath(),
        String(maxTopics),
        String(ttl),
      ],
      { timeout: 120_000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Figures);
      },
    );
  });
}

const MiB = 1024 * 1024;

describe("memoryBackend memory bound", () => {
  it("after 100 000 distinct topics published once each, the heap holds about maxTopics (10 000) topics, not 100 000", async () => {
    const bounded = await measure("default", 0);
    const unbounded = await measure(100_000, 0);
    const kept = bounded.full - bounded.base;
    const all = unbounded.full - unbounded.base;
    // 10 000 topics with one ~120-byte event each: well under 1 KiB per topic.
    expect(kept).toBeLessThan(10_000 * 1024);
    // Ten times fewer topics kept: far less heap than keeping every topic.
    expect(kept).toBeLessThan(all * 0.3);
  }, 240_000);

  it("with historyTtl, the state of expired topics is dropped: the heap falls back near where it started", async () => {
    const figures = await measure("default", 1000);
    expect(figures.full - figures.base).toBeGreaterThan(MiB);
    expect(figures.expired - figures.base).toBeLessThan(MiB);
  }, 240_000);
});
