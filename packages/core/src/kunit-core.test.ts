// The kernel's own unit-test vectors (mm/damon/core-test.h; spec kernel-damon.md §3.1),
// run against both the wasm passes and the TS reference, with DAMON_MIN_REGION = 1.
import { CTX_SZ_LIMIT, CTX_MAX_NR_REGIONS } from "@damon-sim/wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { maxNrAccesses, movingSum, updateMonitoringResult, validateAttrs, DEFAULT_ATTRS } from "./attrs.js";
import type { DamonContext } from "./context.js";
import { damosFilterOut, newDamosFilter } from "./damos-filter.js";
import { DAMON_OPS_PADDR, DAMON_OPS_VADDR, NR_DAMON_OPS, OpsRegistry } from "./ops-registry.js";
import type { PassEngine } from "./passes.js";
import { newRegion, type Region } from "./region-table.js";
import { Simulation } from "./simulation.js";

let sim: Simulation;
beforeAll(async () => {
  sim = await Simulation.create({ seed: 42 });
});

type Spec = Array<[number, number, number?]>; // [start, end, nrAccesses]

/** A context whose targets are kernel threads (no memory needed) holding the given regions. */
function contextWith(engine: PassEngine, targets: Spec[], options: { maxNrRegions?: number } = {}): DamonContext {
  const ctx = sim.createContext({ engine, minRegionSize: 1, attrs: { maxNrRegions: options.maxNrRegions ?? 1000 } });
  ctx.setTargets(targets.map((_, i) => 2 + i)); // kthreadd and friends exist on a booted machine
  targets.forEach((spec, t) => {
    ctx.regions.replace(t, spec.map(([start, end, nr = 0]) => ({ ...newRegion(start, end), nrAccesses: nr })));
  });
  return ctx;
}

const ranges = (regions: Region[]) => regions.map((r) => [r.start, r.end]);

describe.each<PassEngine>(["wasm", "reference"])("damon kunit (%s passes)", (engine) => {
  it("damon_test_target: targets are added and removed", () => {
    const ctx = sim.createContext({ engine, minRegionSize: 1 });
    expect(ctx.targets).toHaveLength(0);
    ctx.setTargets([2]);
    expect(ctx.targets).toHaveLength(1);
    expect(ctx.targets[0].id).toBe(2);
    ctx.clearTargets();
    expect(ctx.targets).toHaveLength(0);
  });

  it("damon_test_regions: a new region is [1, 2) with no accesses; add and delete", () => {
    const ctx = contextWith(engine, [[]]);
    expect(ctx.regions.countOf(0)).toBe(0);
    ctx.regions.insert(0, 0, newRegion(1, 2));
    expect(ctx.regionsOf(0)).toEqual([newRegion(1, 2)]);
    ctx.regions.remove(0);
    expect(ctx.regions.countOf(0)).toBe(0);
  });

  it("damon_test_aggregate: reset zeroes every nr_accesses and keeps the regions", () => {
    const ctx = contextWith(engine, [
      [[10, 15, 42], [20, 27, 95], [30, 40, 84]],
      [[5, 31, 10], [42, 45, 20], [49, 55, 30]],
      [[13, 23, 0], [33, 44, 1], [55, 66, 2]],
    ]);
    sim.mem.u32[(ctx.ptr + CTX_MAX_NR_REGIONS) >>> 2] = 1; // above max/2: reset only, no split
    ctx.passes.resetAndSplit(ctx.ptr);
    expect(ctx.targets).toHaveLength(3);
    for (let t = 0; t < 3; t++) {
      const regions = ctx.regionsOf(t);
      expect(regions).toHaveLength(3);
      for (const r of regions) expect(r.nrAccesses).toBe(0);
    }
    expect(ctx.regionsOf(0).map((r) => r.lastNrAccesses)).toEqual([42, 95, 84]);
  });

  it("damon_test_split_at: [0, 100) at 25, the new region carrying the counters (6.7+)", () => {
    const ctx = contextWith(engine, [[[0, 100]]]);
    ctx.regions.set(0, 0, { ...newRegion(0, 100), nrAccessesBp: 420000, nrAccesses: 42, lastNrAccesses: 15, age: 10 });
    ctx.regions.splitAt(0, 25);
    const [left, right] = ctx.regionsOf(0);
    expect([left.start, left.end, right.start, right.end]).toEqual([0, 25, 25, 100]);
    expect([right.nrAccessesBp, right.nrAccesses, right.lastNrAccesses, right.age]).toEqual([420000, 42, 15, 10]);
  });

  it("damon_test_merge_two: [0,100):10 and [100,300):20 become [0,300):16, age 17, bp 160000", () => {
    const ctx = contextWith(engine, [[[0, 100, 10], [100, 300, 20]]]);
    const regions = ctx.regionsOf(0);
    // ages 9 and 21, and last_nr_accesses equal to nr so the age walk only increments: 8 -> 9, 20 -> 21
    ctx.regions.set(0, 0, { ...regions[0], age: 8, lastNrAccesses: 10 });
    ctx.regions.set(1, 0, { ...regions[1], age: 20, lastNrAccesses: 20 });
    sim.mem.setU64(ctx.ptr + CTX_SZ_LIMIT, 10000);
    ctx.passes.mergeRegions(ctx.ptr, 100);
    const [merged] = ctx.regionsOf(0);
    expect(ctx.regions.countOf(0)).toBe(1);
    expect([merged.start, merged.end, merged.nrAccesses, merged.age, merged.nrAccessesBp]).toEqual([0, 300, 16, 17, 160000]);
  });

  it("damon_test_merge_regions_of: threshold 9, size limit 9999", () => {
    const spec: Spec = [[0, 100, 0], [100, 112, 0], [114, 122, 10], [122, 130, 10], [130, 156, 20], [156, 170, 30], [170, 184, 1], [184, 230, 2]];
    const ctx = contextWith(engine, [spec]);
    sim.mem.setU64(ctx.ptr + CTX_SZ_LIMIT, 9999);
    ctx.passes.mergeRegions(ctx.ptr, 9);
    expect(ranges(ctx.regionsOf(0))).toEqual([[0, 112], [114, 130], [130, 156], [156, 170], [170, 230]]);

    // The newest kunit appends [230, 10170):5, left alone because 60 + 9940 > 9999.
    const ctx2 = contextWith(engine, [[...spec, [230, 10170, 5]]]);
    sim.mem.setU64(ctx2.ptr + CTX_SZ_LIMIT, 9999);
    ctx2.passes.mergeRegions(ctx2.ptr, 9);
    expect(ranges(ctx2.regionsOf(0))).toEqual([[0, 112], [114, 130], [130, 156], [156, 170], [170, 230], [230, 10170]]);
  });

  it("damon_test_split_regions_of: at most nr_subs pieces per region", () => {
    for (let round = 0; round < 50; round++) {
      const a = contextWith(engine, [[[0, 22]]]);
      a.passes.splitRegions(a.ptr, 2);
      expect(a.regions.countOf(0)).toBeLessThanOrEqual(2);
      const b = contextWith(engine, [[[0, 220]]]);
      b.passes.splitRegions(b.ptr, 4);
      expect(b.regions.countOf(0)).toBeLessThanOrEqual(4);
      // newest: three regions split into 4 -> at most 12 (the kernel uses a minimum of 5; ours must be a power of two)
      const c = sim.createContext({ engine, minRegionSize: 4 });
      c.setTargets([2]);
      c.regions.replace(0, [newRegion(0, 220), newRegion(300, 400), newRegion(500, 700)]);
      c.passes.splitRegions(c.ptr, 4);
      expect(c.regions.countOf(0)).toBeLessThanOrEqual(12);
      for (const r of c.regionsOf(0)) expect(r.end - r.start).toBeGreaterThan(0);
    }
  });
});

describe("damon kunit, JS-side functions", () => {
  it("damon_test_set_attrs: min 1, max below min and aggr below sample are EINVAL", () => {
    const valid = { ...DEFAULT_ATTRS, minNrRegions: 10, maxNrRegions: 1000, sampleUs: 5000, aggrUs: 100000 };
    expect(() => validateAttrs(valid)).not.toThrow();
    expect(() => validateAttrs({ ...valid, minNrRegions: 1 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => validateAttrs({ ...valid, maxNrRegions: 9 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => validateAttrs({ ...valid, aggrUs: 4999 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("damon_test_moving_sum", () => {
    const inputs = [10000, 0, 10000, 0, 0, 0, 10000, 0, 0, 0];
    const expected = [55000, 50000, 55000, 50000, 45000, 40000, 45000, 40000, 35000, 30000];
    let mvsum = 50000;
    inputs.forEach((input, i) => {
      mvsum = movingSum(mvsum, 50000, 10, input);
      expect(mvsum).toBe(expected[i]);
    });
  });

  it("damon_test_update_monitoring_result", () => {
    const old = { ...DEFAULT_ATTRS, sampleUs: 10, aggrUs: 1000 };
    const r = { nrAccesses: 15, nrAccessesBp: 150000, age: 20 };
    updateMonitoringResult(r, old, { ...old, sampleUs: 100, aggrUs: 10000 });
    expect([r.nrAccesses, r.age]).toEqual([15, 2]);
    updateMonitoringResult(r, old, { ...old, sampleUs: 1, aggrUs: 1000 });
    expect([r.nrAccesses, r.age]).toEqual([150, 2]);
    updateMonitoringResult(r, old, { ...old, sampleUs: 1, aggrUs: 100 });
    expect([r.nrAccesses, r.age]).toEqual([150, 20]);
  });

  it("damon_max_nr_accesses treats a zero sample interval as one", () => {
    expect(maxNrAccesses({ ...DEFAULT_ATTRS })).toBe(20);
    expect(maxNrAccesses({ ...DEFAULT_ATTRS, sampleUs: 0, aggrUs: 7 })).toBe(7);
  });
});

describe("damon kunit, operations and DAMOS filters", () => {
  it("damon_test_ops_registration", () => {
    const registry = new OpsRegistry();
    expect(registry.select(DAMON_OPS_VADDR)).toBe("vaddr");
    expect(registry.select(DAMON_OPS_PADDR)).toBe("paddr");
    expect(() => registry.register(DAMON_OPS_VADDR, "again")).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => registry.select(NR_DAMON_OPS)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    registry.unregister(DAMON_OPS_VADDR);
    expect(() => registry.register(DAMON_OPS_VADDR, "vaddr")).not.toThrow();
    expect(() => registry.register(DAMON_OPS_VADDR, "vaddr")).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("damos_test_new_filter", () => {
    expect(newDamosFilter("anon", true)).toEqual({ type: "anon", matching: true });
  });

  it("damos_test_filter_out: address filter [2P, 6P)", () => {
    const P = 4096;
    const filter = { ...newDamosFilter("addr", true), addrRange: { start: 2 * P, end: 6 * P } };
    const check = (start: number, end: number) => {
      const ctx = sim.createContext({ minRegionSize: P });
      ctx.setTargets([2]);
      ctx.regions.replace(0, [newRegion(start * P, end * P)]);
      return { out: damosFilterOut(ctx, 0, 0, filter), regions: ranges(ctx.regionsOf(0)).map(([s, e]) => [s / P, e / P]) };
    };
    expect(check(3, 5)).toEqual({ out: true, regions: [[3, 5]] });
    expect(check(1, 2)).toEqual({ out: false, regions: [[1, 2]] });
    expect(check(6, 8)).toEqual({ out: false, regions: [[6, 8]] });
    expect(check(1, 4)).toEqual({ out: false, regions: [[1, 2], [2, 4]] });
    expect(check(2, 8)).toEqual({ out: true, regions: [[2, 6], [6, 8]] });
  });
});
