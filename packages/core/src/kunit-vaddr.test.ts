// mm/damon/vaddr-test.h and core-test.h's damon_test_set_regions (spec §3.1, §3.2), DAMON_MIN_REGION = 1.
import { describe, expect, it } from "vitest";
import { DamonError } from "./errors.js";
import { evenlySplit, setRegions, threeRegions } from "./ops.js";
import { newRegion } from "./region-table.js";

const range = ([start, end]: number[]) => ({ start, end });
const spans = (regions: Array<{ start: number; end: number }>) => regions.map((r) => [r.start, r.end]);

describe("damon-operations kunit (vaddr)", () => {
  it("damon_test_three_regions_in_vmas", () => {
    const vmas = [[10, 20], [20, 25], [200, 210], [210, 220], [300, 305], [307, 330]].map(range);
    expect(spans(threeRegions(vmas, 1)!)).toEqual([[10, 25], [200, 220], [300, 330]]);
  });

  it("three regions need two real gaps", () => {
    expect(threeRegions([[10, 20], [20, 30], [30, 40]].map(range), 1)).toBeNull();
    expect(threeRegions([[10, 20], [25, 30]].map(range), 1)).toBeNull();
    expect(threeRegions([], 1)).toBeNull();
  });

  const start = [[10, 20], [20, 30], [50, 55], [55, 57], [57, 59], [70, 80], [80, 90], [90, 100]];
  const cases: Array<[string, number[][], number[][]]> = [
    ["1", [[5, 27], [45, 55], [73, 104]], [[5, 20], [20, 27], [45, 55], [73, 80], [80, 90], [90, 104]]],
    ["2", [[5, 27], [56, 57], [65, 104]], [[5, 20], [20, 27], [56, 57], [65, 80], [80, 90], [90, 104]]],
    ["3", [[5, 27], [61, 63], [65, 104]], [[5, 20], [20, 27], [61, 63], [65, 80], [80, 90], [90, 104]]],
    ["4", [[5, 7], [30, 32], [65, 68]], [[5, 7], [30, 32], [65, 68]]],
  ];
  for (const fillHoles of [false, true]) {
    it.each(cases)(`damon_test_apply_three_regions%s (fill holes: ${fillHoles})`, (_, three, expected) => {
      const regions = start.map(([s, e]) => newRegion(s, e));
      expect(spans(setRegions(regions, three.map(range), 1, fillHoles))).toEqual(expected);
    });
  }

  it("damon_test_set_regions (6.1+): holes inside a range are filled", () => {
    const regions = [newRegion(4, 16), newRegion(24, 32)];
    expect(spans(setRegions(regions, [range([8, 28])], 1, true))).toEqual([[8, 16], [16, 24], [24, 28]]);
    expect(spans(setRegions(regions, [range([8, 28])], 1, false))).toEqual([[8, 16], [24, 28]]);
  });

  it("set_regions aligns new and stretched bounds to the minimum region size", () => {
    expect(spans(setRegions([], [range([4097, 8191])], 4096))).toEqual([[4096, 8192]]);
    expect(spans(setRegions([newRegion(8192, 12288)], [range([5000, 13000])], 4096))).toEqual([[4096, 16384]]);
  });

  it("damon_test_split_evenly", () => {
    const einval = expect.objectContaining({ code: "EINVAL" });
    expect(() => evenlySplit(undefined, 5, 1)).toThrow(einval);
    const whole = newRegion(0, 100);
    expect(() => evenlySplit(whole, 0, 1)).toThrow(DamonError);
    expect(whole).toEqual(newRegion(0, 100));
    expect(spans(evenlySplit(newRegion(0, 100), 10, 1))).toEqual(
      Array.from({ length: 10 }, (_, i) => [i * 10, i * 10 + 10]),
    );
    expect(spans(evenlySplit(newRegion(5, 59), 5, 1))).toEqual([[5, 15], [15, 25], [25, 35], [35, 45], [45, 59]]);
    expect(() => evenlySplit(newRegion(5, 6), 2, 1)).toThrow(einval);
  });
});
