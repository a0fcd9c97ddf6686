import { PAGE_SIZE, Simulation } from "@damon-sim/core";
import { describe, expect, it } from "vitest";
import { compareAggregation, summarize, trackAccuracy, type AggregationAccuracy, type DamonRegions } from "./accuracy.js";
import { builtinWorkload } from "./builtins.js";
import { FrequencyMap } from "./truth/frequency-map.js";
import { ModelWorkload } from "./workload.js";

const P = PAGE_SIZE;
const MiB = 2 ** 20;

function regions(list: Array<[number, number, number]>): DamonRegions {
  return { count: list.length, start: (i) => list[i][0] * P, end: (i) => list[i][1] * P, nrAccesses: (i) => list[i][2] };
}

function truth(list: Array<[number, number, number]>): FrequencyMap {
  return new FrequencyMap(
    Float64Array.from(list, (r) => r[0] * P),
    Float64Array.from(list, (r) => r[1] * P),
    Float64Array.from(list, (r) => r[2]),
  );
}

describe("accuracy metrics, by hand", () => {
  // Pages 0-12 monitored by DAMON (max nr_accesses 20); the truth covers pages 0-16.
  const damon = regions([
    [0, 4, 20],
    [4, 8, 10],
    [8, 12, 0],
  ]);
  const map = truth([
    [0, 2, 1],
    [2, 6, 0.5],
    [6, 10, 0],
    [10, 16, 0.25],
  ]);

  it("one aggregation, piece by piece", () => {
    // [0,2) 1 vs 1 · [2,4) 1 vs .5 · [4,6) .5 vs .5 · [6,8) .5 vs 0 · [8,10) 0 vs 0 · [10,12) 0 vs .25 · [12,16) none vs .25
    expect(compareAggregation(damon, 20, map)).toEqual({
      bytes: 16 * P,
      absError: (2 * 0.5 + 2 * 0.5 + 2 * 0.25 + 4 * 0.25) * P,
      wssDamon: 8 * P, // nr_accesses >= 1: pages 0-8
      wssTrue: 12 * P, // accessed in >= 1 of 20 windows: pages 0-6 and 10-16
      hotDamon: 8 * P, // >= half: pages 0-8
      hotTrue: 6 * P, // pages 0-6
      hotBoth: 6 * P,
    });
  });

  it("thresholds are options", () => {
    const strict = compareAggregation(damon, 20, map, { hotThreshold: 0.75, wssMinNrAccesses: 10 });
    expect([strict.hotDamon, strict.hotTrue, strict.hotBoth, strict.wssDamon, strict.wssTrue]).toEqual([4 * P, 2 * P, 2 * P, 8 * P, 6 * P]);
  });

  it("a run: WSS error, hot-set precision and recall, byte-weighted MAE", () => {
    const one = { startUs: 0, endUs: 1, ...compareAggregation(damon, 20, map) };
    const perfect: AggregationAccuracy = { startUs: 1, endUs: 2, ...compareAggregation(regions([[0, 4, 20]]), 20, truth([[0, 4, 1]])) };
    const report = summarize([one, perfect]);
    expect(report.aggregations).toBe(2);
    expect(report.wss).toEqual({
      meanTrueBytes: ((12 + 4) * P) / 2,
      meanDamonBytes: ((8 + 4) * P) / 2,
      meanAbsErrorBytes: (4 * P) / 2,
      relativeError: 4 / 16,
    });
    expect(report.hotSet).toEqual({ threshold: 0.5, precision: (6 + 4) / (8 + 4), recall: 1 });
    expect(report.frequencyMae).toBeCloseTo(3.5 / 20, 12);
    expect(summarize([])).toMatchObject({ aggregations: 0, hotSet: { precision: 1, recall: 1 }, frequencyMae: 0 });
  });
});

describe("accuracy of DAMON over a workload with a known hot set", () => {
  it("a 16 MiB area written sequentially, 112 MiB never touched", async () => {
    const sim = await Simulation.create({ seed: 9 });
    const w = ModelWorkload.spawn(sim, {
      regions: [
        { name: "cold", size: "112 MiB" },
        { name: "hot", size: "16 MiB" },
      ],
      phases: [{ durationMs: 20_000, patterns: [{ region: "hot", access: "sequential" }] }],
    });
    const ctx = sim.createContext();
    ctx.setTargets([w.task.pid]);
    const tracker = trackAccuracy(w, ctx, { skipUs: 2_000_000 });
    const trueHot: number[] = [];
    tracker.truth.onInterval((t) => trueHot.push(t.map.bytesAtLeast(0.5)));
    sim.start();
    sim.runUntil(20_000_000);
    // Truth by hand: 1e8 accesses/s sweep the area's 4097 pages (16 MiB from 16 bytes into a
    // page) every 42 µs, so each is touched in every 5 ms window; nothing else ever is.
    expect(new Set(trueHot)).toEqual(new Set([4097 * P]));
    const r = tracker.report();
    expect(r.aggregations).toBe(180);
    expect(r.wss.meanTrueBytes).toBe(4097 * P);
    // DAMON's regions are page-aligned and split at random: the hot area's edges may sit
    // inside a region for a few aggregations. Allow 10 % of the hot area misplaced: WSS and
    // the hot set within 10 %, and MAE ≤ 10 % · 16 MiB / the 128 MiB compared.
    expect(r.wss.relativeError).toBeLessThan(0.1);
    expect(r.hotSet.precision).toBeGreaterThan(0.9);
    expect(r.hotSet.recall).toBeGreaterThan(0.9);
    expect(r.frequencyMae).toBeLessThan((0.1 * 16) / 128);
  });

  it("hotcold at 1/4 size: 8 MiB hot, 56 MiB cold but touched, with the exact engine's truth", async () => {
    const sim = await Simulation.create({ seed: 4 });
    const w = ModelWorkload.spawn(sim, builtinWorkload("hotcold", { scale: 0.25, accessRate: 1e7 }), { engine: "exact" });
    const ctx = sim.createContext();
    ctx.setTargets([w.task.pid]);
    const tracker = trackAccuracy(w, ctx, { skipUs: 2_000_000 });
    const truthHot: number[] = [];
    tracker.truth.onInterval((t) => truthHot.push(t.map.bytesAtLeast(0.5)));
    sim.start();
    sim.runUntil(6_000_000);
    // By hand: patterns are chosen per burst of 131072 accesses (13 ms at 1e7/s). 99 in 100
    // bursts hit the 8 MiB hot range, 24 accesses per page per 5 ms window: each hot page is
    // touched in every window but the ~3 a cold burst takes (9 accesses per cold page: every
    // one touched). So hot pages reach >= 14 of 20 windows, cold ones <= 6. The hot range
    // starts 16 bytes into a page, so its 2049th page holds 16 hot bytes: 0.09 accesses per
    // window, never hot. Exactly 2048 pages are hot in every interval.
    for (const bytes of truthHot.slice(1)) expect(bytes).toBe(2048 * P);
    const r = tracker.report();
    expect(r.hotSet.recall).toBeGreaterThan(0.9);
    expect(r.hotSet.precision).toBeGreaterThan(0.9);
    // Errors come from the intervals with a cold burst: ~8 % of them, over 7/8 of the bytes.
    expect(r.frequencyMae).toBeLessThan(0.05);
    expect(r.wss.relativeError).toBeLessThan(0.1);
  }, 60_000);
});

describe("ground truth", () => {
  it("exact (shadow page table) and fast (from the model) agree on a sequential walk", async () => {
    const model = {
      accessRate: 4000, // 20 accesses per 5 ms window over 65 positions
      regions: [{ name: "r", size: 64 * P, alloc: "mmap" }],
      phases: [{ durationMs: 5000, patterns: [{ region: "r", access: "sequential" }] }],
    };
    const maps = await Promise.all(
      (["exact", "fast"] as const).map(async (engine) => {
        const sim = await Simulation.create({ seed: 1 });
        const w = ModelWorkload.spawn(sim, model, { engine });
        const ctx = sim.createContext();
        ctx.setTargets([w.task.pid]);
        const out: unknown[] = [];
        w.groundTruth(ctx).onInterval((t) => out.push({ windows: t.windows, map: t.map.toJSON() }));
        sim.start();
        sim.runUntil(3_000_000);
        return out;
      }),
    );
    expect(maps[0]).toHaveLength(30);
    expect(maps[1]).toEqual(maps[0]);
    // 20 windows × 20 accesses = 400 = 6 × 65 + 10: every page in 6 or 7 windows of 20.
    const freqs = new Set((maps[0][5] as { map: Array<{ freq: number }> }).map.map((r) => r.freq));
    expect([...freqs].every((f) => f >= 6 / 20 - 1e-9 && f <= 7 / 20 + 1e-9)).toBe(true);
  });

  it("expected (fast) random coverage matches the realised (exact) one on average", async () => {
    const model = {
      accessRate: 204800, // 1024 accesses per window over 1024 pages: 1 - 1/e of them
      regions: [{ name: "r", size: 4 * MiB, alloc: "mmap" }],
      phases: [{ durationMs: 5000, patterns: [{ region: "r", access: "random" }] }],
    };
    const means = await Promise.all(
      (["exact", "fast"] as const).map(async (engine) => {
        const sim = await Simulation.create({ seed: 2 });
        const w = ModelWorkload.spawn(sim, model, { engine });
        const ctx = sim.createContext();
        ctx.setTargets([w.task.pid]);
        const means: number[] = [];
        w.groundTruth(ctx).onInterval((t) => {
          let sum = 0;
          for (let i = 0; i < t.map.length; i++) sum += t.map.freq[i] * (t.map.ends[i] - t.map.starts[i]);
          means.push(sum / (4 * MiB));
        });
        sim.start();
        sim.runUntil(2_000_000);
        return means.slice(1).reduce((a, b) => a + b, 0) / (means.length - 1);
      }),
    );
    expect(means[1]).toBeCloseTo(1 - Math.exp(-1), 2);
    expect(means[0]).toBeCloseTo(means[1], 2);
  });
});
