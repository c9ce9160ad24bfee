import { describe, expect, test } from "vitest";
import { READY_HOPS, Watchdog } from "../src/watchdog.ts";

/** Resolves after `n` microtasks. */
async function hops(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await undefined;
}

describe("Watchdog", () => {
  test("calls quiet() once when the source has been quiet for READY_HOPS microtasks, not before", async () => {
    let quiet = 0;
    const watchdog = new Watchdog({ quiet: () => quiet++ });
    watchdog.sourceBusy();
    watchdog.watch();
    // Give or take the microtask this test's own awaits interleave with.
    await hops(READY_HOPS - 2);
    expect(quiet).toBe(0);
    await hops(4);
    expect(quiet).toBe(1);
    await hops(READY_HOPS * 2);
    expect(quiet).toBe(1);
  });

  test("a source that keeps answering within a few microtasks never looks quiet", async () => {
    let quiet = 0;
    const watchdog = new Watchdog({ quiet: () => quiet++ });
    watchdog.sourceBusy();
    watchdog.watch();
    for (let i = 0; i < 10; i++) {
      await hops(READY_HOPS - 3);
      watchdog.sourceAnswered();
      watchdog.sourceBusy();
    }
    expect(quiet).toBe(0);
    await hops(READY_HOPS + 2);
    expect(quiet).toBe(1);
  });

  test("stops without calling quiet() when the pull loop no longer waits on the source", async () => {
    let quiet = 0;
    const watchdog = new Watchdog({ quiet: () => quiet++ });
    watchdog.sourceBusy();
    watchdog.watch();
    await hops(2);
    watchdog.sourceAnswered();
    await hops(READY_HOPS * 2);
    expect(quiet).toBe(0);
  });

  test("watch() while a chain runs does not start a second one (one quiet(), not two)", async () => {
    let quiet = 0;
    const watchdog = new Watchdog({ quiet: () => quiet++ });
    watchdog.sourceBusy();
    watchdog.watch();
    await hops(3);
    watchdog.watch();
    await hops(READY_HOPS * 3);
    expect(quiet).toBe(1);
  });
});
