import { readFileSync } from "node:fs";
import { PAGE_SIZE, Simulation, type AggregationSnapshot } from "@damon-sim/core";
import { describe, expect, it } from "vitest";
import { loadMasimConfig } from "../masim/model.js";
import { masimFixture, percentile, snapshotWss } from "../test-support.js";
import { ModelWorkload, type EngineKind } from "../workload.js";

const MiB = 2 ** 20;

function oneRegion(size: number, pattern: object, accessRate = 1e6) {
  return {
    accessRate,
    regions: [{ name: "r", size, alloc: "mmap" }],
    phases: [{ durationMs: 100_000, patterns: [{ region: "r", ...pattern }] }],
  };
}

async function monitored(model: unknown, engine: EngineKind, seed = 1, attrs = {}) {
  const sim = await Simulation.create({ seed });
  const w = ModelWorkload.spawn(sim, model, { engine });
  const ctx = sim.createContext({ attrs });
  ctx.setTargets([w.task.pid]);
  const snapshots: Array<{ endUs: number; wss: number; mean: number; bytes: Uint8Array }> = [];
  ctx.onSnapshot((s: AggregationSnapshot) => {
    let weighted = 0;
    let bytes = 0;
    const t = s.targets[0];
    for (let i = t.first; i < t.first + t.nrRegions; i++) {
      const a = w.areas[0];
      const overlap = Math.min(s.end(i), a.end) - Math.max(s.start(i), a.start);
      if (overlap <= 0) continue;
      weighted += s.nrAccesses(i) * overlap;
      bytes += overlap;
    }
    snapshots.push({ endUs: s.endUs, wss: snapshotWss(s), mean: weighted / bytes, bytes: s.bytes().slice() });
  });
  sim.start();
  return { sim, w, ctx, snapshots };
}

describe("the exact engine", () => {
  it("a sequential walk sets every page it crosses, starting at the stride and wrapping to 0", async () => {
    const sim = await Simulation.create();
    const w = ModelWorkload.spawn(sim, oneRegion(64 * PAGE_SIZE, { access: "sequential", stride: 4096 }), { engine: "exact" });
    const a = w.areas[0];
    const space = w.task.mm!.space;
    sim.runUntil(10); // 10 accesses: offsets 4096 … 40960
    expect(space.countAccessed(a.start, a.end)).toBe(10);
    expect(space.isAccessed(a.start)).toBe(false);
    expect(space.isAccessed(a.start + 10 * PAGE_SIZE)).toBe(true);
    sim.runUntil(70); // 70 accesses: the 65 offsets 0 … 65536 (clamped to the last byte), then 0 … 4096 again
    expect(space.countAccessed(a.start, a.end)).toBe(64);
  });

  it("strides over a page skip pages", async () => {
    const sim = await Simulation.create();
    const w = ModelWorkload.spawn(sim, oneRegion(64 * PAGE_SIZE, { access: "sequential", stride: 3 * PAGE_SIZE }), { engine: "exact" });
    sim.runUntil(1000);
    const a = w.areas[0];
    expect(w.task.mm!.space.countAccessed(a.start, a.end)).toBe(22); // offsets 0, 3, …, 63 pages
  });

  it("m random accesses cover 1 - (1 - 1/N)^m of N pages", async () => {
    const sim = await Simulation.create({ seed: 5 });
    const pages = 4096;
    const w = ModelWorkload.spawn(sim, oneRegion(pages * PAGE_SIZE, { access: "random" }), { engine: "exact" });
    sim.runUntil(4096); // 4096 accesses
    const a = w.areas[0];
    const covered = w.task.mm!.space.countAccessed(a.start, a.end) / pages;
    expect(covered).toBeCloseTo(1 - Math.exp(-1), 1.5);
  });
});

describe("the fast engine", () => {
  it("sets only the bits of the pages DAMON samples", async () => {
    const model = oneRegion(256 * MiB, { access: "random" }, 1e8);
    const fast = await monitored(model, "fast");
    const sampled = fast.ctx.regions.count;
    fast.sim.runFor(5000); // one sampling interval
    const a = fast.w.areas[0];
    const set = fast.w.task.mm!.space.countAccessed(a.start, a.end);
    expect(set).toBeGreaterThan(0);
    expect(set).toBeLessThanOrEqual(sampled);
    const exact = await monitored(model, "exact");
    exact.sim.runFor(5000);
    expect(exact.w.task.mm!.space.countAccessed(a.start, a.end)).toBeGreaterThan(50_000);
  });

  it("is deterministic: the same seed gives the same region tables", async () => {
    const model = loadMasimConfig(readFileSync(masimFixture("stairs.cfg")), { accessRate: 1e7 });
    const run = async () => {
      const m = await monitored(model, "fast", 7);
      m.sim.runFor(15_000_000);
      return m.snapshots.map((s) => Buffer.from(s.bytes).toString("base64"));
    };
    expect(await run()).toEqual(await run());
  });

  it("brings paged-out pages back as the model uses them (major faults)", async () => {
    for (const pattern of [{ access: "sequential" }, { access: "random" }]) {
      const { sim, w } = await monitored(oneRegion(16 * MiB, pattern, 1e8), "fast");
      const space = w.task.mm!.space;
      const a = w.areas[0];
      sim.runFor(100_000);
      space.pageOut(a.start, a.end);
      expect(w.task.mm!.residentBytes).toBeLessThan(w.task.mm!.size - 15 * MiB);
      sim.runFor(100_000);
      expect(space.swappedPages).toBeLessThan(100);
      expect(space.majorFaults).toBeGreaterThan(4000);
    }
  });
});

describe("fast and exact agree", () => {
  // The acceptance bar: damo-style WSS percentiles within 10 % at 1/100 of masim's rate.
  it.each(["stairs.cfg", "zigzag.cfg"])("%s at 1/100 rate: 25th/50th/75th percentile WSS within 10 percent", async (name) => {
    const model = loadMasimConfig(readFileSync(masimFixture(name)), { file: name, accessRate: 1e6 });
    const runs = await Promise.all(
      (["fast", "exact"] as const).map(async (engine) => {
        const m = await monitored(model, engine, 3);
        m.sim.runUntilIdle(100_000_000);
        expect(m.w.done).toBe(true);
        return m.snapshots.slice(20).map((s) => s.wss); // damo wss drops the first 20
      }),
    );
    for (const p of [25, 50, 75]) {
      const [fast, exact] = runs.map((wss) => percentile(wss, p));
      expect(fast).toBeGreaterThan(0);
      expect(Math.abs(fast - exact) / exact).toBeLessThanOrEqual(0.1);
    }
  }, 60_000);

  it.each([
    ["random", { access: "random" }, 32 * MiB, 2e6],
    ["zipf", { access: "zipf", exponent: 1.1 }, 32 * MiB, 4e6],
    ["a long sequential walk", { access: "sequential", stride: 64 }, 1024 * MiB, 1e8],
  ])("%s: the same mean nr_accesses over the region", async (_, pattern, size, rate) => {
    const model = oneRegion(size, pattern, rate);
    const means = await Promise.all(
      (["fast", "exact"] as const).map(async (engine) => {
        const m = await monitored(model, engine, 11);
        m.sim.runFor(3_000_000);
        const tail = m.snapshots.slice(10);
        return tail.reduce((t, s) => t + s.mean, 0) / tail.length;
      }),
    );
    expect(means[0]).toBeGreaterThan(0.5);
    expect(means[0]).toBeLessThan(19.5);
    expect(Math.abs(means[0] - means[1])).toBeLessThan(Math.max(0.6, 0.08 * means[1]));
  }, 60_000);
});
