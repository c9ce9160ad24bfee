/**
 * Hub ids: what parses as a position and what takes the gap path.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newEpoch } from "../../src/check.ts";
import { formatId, parseId } from "../../src/hub/ids.ts";

describe("hub ids", () => {
  it("parseId gives back the seq formatId put in, for this epoch and up to the head", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (seq) => {
        const epoch = "abc123xyz0";
        expect(parseId(formatId(epoch, seq), epoch, Number.MAX_SAFE_INTEGER)).toBe(seq);
        expect(parseId(formatId(epoch, seq), epoch, seq - 1)).toBeUndefined();
      }),
    );
  });

  it("anything else is no position: another epoch, garbage, leading zeros, signs, unsafe integers", () => {
    const epoch = "e1";
    for (const id of [
      "",
      "e1",
      "e1-",
      "e2-5",
      "xe1-5",
      "e1-05",
      "e1-+5",
      "e1--5",
      "e1-5.0",
      "e1-5e1",
      "e1- 5",
      "e1-9007199254740992",
      "e1-99999999999999999999",
      "5",
      "e1-5-",
    ]) {
      expect(parseId(id, epoch, Number.MAX_SAFE_INTEGER), JSON.stringify(id)).toBeUndefined();
    }
  });

  it("any string never throws and parses only when it is the exact formatted id", () => {
    fc.assert(
      fc.property(fc.string(), (id) => {
        const seq = parseId(id, "ep", Number.MAX_SAFE_INTEGER);
        if (seq !== undefined) expect(formatId("ep", seq)).toBe(id);
      }),
    );
  });

  it("epochs are 10 characters of [a-z0-9] and differ between calls", () => {
    const epochs = new Set(Array.from({ length: 200 }, () => newEpoch()));
    expect(epochs.size).toBe(200);
    for (const epoch of epochs) expect(epoch).toMatch(/^[a-z0-9]{10}$/);
  });
});
