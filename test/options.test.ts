import { describe, expect, test } from "vitest";
import { resolveOptions, shareOptions } from "../src/options.ts";

describe("shareOptions: equal options are one object for every stream", () => {
  const onClose = (): void => {};

  test("options resolved from equal settings and the same callbacks are the same object", () => {
    const first = shareOptions(resolveOptions({ onClose, keepAlive: 1000 }));
    const second = shareOptions(resolveOptions({ onClose, keepAlive: 1000 }));
    expect(second).toBe(first);
    expect(second).toMatchObject({ keepAlive: 1000, sendTimeout: 30_000, onClose });
  });

  test("a different setting or callback gets its own object, with its own values", () => {
    const base = shareOptions(resolveOptions({ onClose }));
    const other = shareOptions(resolveOptions({ onClose, sendTimeout: 10 }));
    expect(other).not.toBe(base);
    expect(other.sendTimeout).toBe(10);
    const otherClose = (): void => {};
    const third = shareOptions(resolveOptions({ onClose: otherClose, sendTimeout: 10 }));
    expect(third).not.toBe(other);
    expect(third.onClose).toBe(otherClose);
  });

  test("options with a signal or a request belong to their stream and are never shared", () => {
    const signal = new AbortController().signal;
    const a = resolveOptions({ onClose, signal });
    const b = resolveOptions({ onClose, signal });
    expect(shareOptions(a)).toBe(a);
    expect(shareOptions(b)).toBe(b);
    const request = new Request("http://localhost/");
    const c = resolveOptions({ onClose, request });
    const d = resolveOptions({ onClose, request });
    expect(shareOptions(c)).toBe(c);
    expect(shareOptions(d)).toBe(d);
  });
});
