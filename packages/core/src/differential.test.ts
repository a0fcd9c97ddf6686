// The wasm passes against the TS reference: the same seed must give the same bytes.
import { describe, expect, it } from "vitest";
import { scenario } from "./test-support.js";

describe("wasm passes = TS reference", () => {
  it("10,000 aggregations of random access patterns give identical region tables", async () => {
    const wasm = await scenario("wasm", 7, 10_000);
    const reference = await scenario("reference", 7, 10_000);
    expect(wasm.hashes.length).toBeGreaterThanOrEqual(9_999);
    const firstDifference = wasm.hashes.findIndex((h, i) => h !== reference.hashes[i]);
    expect(firstDifference).toBe(-1);
    expect(reference.hashes).toHaveLength(wasm.hashes.length);
    // The run must actually have exercised merging and splitting.
    expect(new Set(wasm.hashes).size).toBeGreaterThan(1000);
  }, 120_000);

  it("sample counts, u32 wrap and the single-region paths agree on odd attributes", async () => {
    for (const attrs of [
      { sampleUs: 1000, aggrUs: 1000, maxNrRegions: 10, minNrRegions: 3 },
      { sampleUs: 1000, aggrUs: 50_000, maxNrRegions: 2000, minNrRegions: 100 },
    ]) {
      const wasm = await scenario("wasm", 11, 300, attrs);
      const reference = await scenario("reference", 11, 300, attrs);
      expect(wasm.hashes).toEqual(reference.hashes);
    }
  }, 60_000);
});
