// The fast engine hands its sampled-page decisions to the one context watching the process
// (deferSampledAccesses); the context's sampling pass makes them. These tests pin that this is
// the same as deciding them at once, and cover the paths where it cannot be deferred.
import { Simulation, type DamonContext, type PassEngine } from "@damon-sim/core";
import { describe, expect, it } from "vitest";
import { builtinWorkload } from "../builtins.js";
import { ModelWorkload } from "../workload.js";

async function watched(name: string, engine: PassEngine, attrs = {}) {
  const sim = await Simulation.create({ seed: 9 });
  const w = ModelWorkload.spawn(sim, builtinWorkload(name, { loop: true }));
  const ctx = sim.createContext({ engine, attrs });
  ctx.setTargets([w.task.pid]);
  const hashes: number[] = [];
  let accesses = 0;
  ctx.onSnapshot((s) => {
    hashes.push(fnv1a(new TextEncoder().encode(s.traceLines().join("\n"))));
    for (let i = 0; i < s.nrRegions; i++) accesses += s.nrAccesses(i);
  });
  sim.start();
  return { sim, w, ctx, hashes, accesses: () => accesses };
}

function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}

function hottest(ctx: DamonContext): number {
  let max = 0;
  for (let i = 0; i < ctx.regions.count; i++) max = Math.max(max, ctx.regions.nrAccesses(i));
  return max;
}

describe("deferred sampled-page decisions", () => {
  it("decided inside the wasm sampling pass = decided first by touchSampled (the reference passes)", async () => {
    for (const [name, attrs] of [
      ["zipf", { minNrRegions: 200, maxNrRegions: 400 }],
      ["phases", {}],
      ["hotcold", {}],
      ["random", { minNrRegions: 100, maxNrRegions: 100 }],
    ] as const) {
      const fused = await watched(name, "wasm", attrs);
      const reference = await watched(name, "reference", attrs);
      fused.sim.runFor(4_000_000);
      reference.sim.runFor(4_000_000);
      expect(fused.hashes.length, name).toBeGreaterThanOrEqual(39);
      expect(fused.accesses(), name).toBeGreaterThan(0);
      expect(fused.hashes, name).toEqual(reference.hashes);
    }
  }, 120_000);

  it("regions sharing pages (boundaries inside pages): all decisions before any check, as the reference", async () => {
    const run = async (engine: PassEngine) => {
      const sim = await Simulation.create({ seed: 5 });
      const w = ModelWorkload.spawn(sim, builtinWorkload("zipf", { loop: true }));
      const ctx = sim.createContext({ engine, attrs: { minNrRegions: 10, maxNrRegions: 200 } });
      ctx.setTargets([w.task.pid]);
      const area = w.areas[0];
      const size = 6000 * 37; // regions of 6000 bytes: every boundary inside a page
      ctx.setInitRegions(Array.from({ length: Math.floor((area.end - area.start) / size) }, (_, i) => ({
        target: 0, start: area.start + i * size, end: area.start + (i + 1) * size,
      })));
      const hashes: number[] = [];
      ctx.onSnapshot((s) => void hashes.push(fnv1a(new TextEncoder().encode(s.traceLines().join("\n")))));
      sim.start();
      sim.runFor(3_000_000);
      return { hashes };
    };
    const wasm = await run("wasm");
    expect(wasm.hashes.length).toBeGreaterThanOrEqual(29);
    expect(wasm.hashes).toEqual((await run("reference")).hashes);
  }, 60_000);

  it("one process as two targets: nothing is deferred (the pass would check one before deciding the other)", async () => {
    const sim = await Simulation.create({ seed: 3 });
    const w = ModelWorkload.spawn(sim, builtinWorkload("hotcold", { loop: true }));
    const ctx = sim.createContext();
    ctx.setTargets([w.task.pid, w.task.pid]);
    const peaks = [0, 0];
    ctx.onSnapshot((s) => {
      for (const t of s.targets) {
        for (let i = t.first; i < t.first + t.nrRegions; i++) peaks[t.index] = Math.max(peaks[t.index], s.nrAccesses(i));
      }
    });
    sim.start();
    sim.runFor(1_000_000);
    expect(ctx.deferSampledAccesses(1, 64)).toBe(false);
    expect(ctx.takePending(0) + ctx.takePending(1)).toBe(0);
    // Both targets' sampled pages are still decided, at once: hot regions in both.
    expect(peaks[0]).toBeGreaterThanOrEqual(18);
    expect(peaks[1]).toBeGreaterThanOrEqual(18);
  });

  it("a DAMON_MIN_REGION so large that three-regions leaves empty regions: merging them does not trap", async () => {
    const big = async (engine: PassEngine) => {
      const sim = await Simulation.create({ seed: 5 });
      const w = ModelWorkload.spawn(sim, builtinWorkload("zipf", { loop: true }));
      const ctx = sim.createContext({ engine, minRegionSize: 2 ** 30 });
      ctx.setTargets([w.task.pid]);
      const out: string[] = [];
      ctx.onSnapshot((s) => void out.push(s.traceLines().join("\n")));
      sim.start();
      sim.runFor(2_000_000);
      return out;
    };
    const wasm = await big("wasm");
    expect(wasm.length).toBeGreaterThanOrEqual(19);
    expect(wasm).toEqual(await big("reference"));
  });

  it("two contexts watching one process each get their own sampled pages decided", async () => {
    const sim = await Simulation.create({ seed: 4 });
    const w = ModelWorkload.spawn(sim, builtinWorkload("hotcold", { loop: true }));
    const a = sim.createContext();
    const b = sim.createContext({ attrs: { sampleUs: 2000 } });
    a.setTargets([w.task.pid]);
    b.setTargets([w.task.pid]);
    let peakA = 0;
    let peakB = 0;
    a.onSnapshot(() => void (peakA = Math.max(peakA, hottest(a))));
    b.onSnapshot(() => void (peakB = Math.max(peakB, hottest(b))));
    sim.start();
    sim.runFor(3_000_000);
    // Hot pages are touched every interval: the hottest region is accessed in (nearly) every sample.
    expect(peakA).toBeGreaterThanOrEqual(18);
    expect(peakB).toBeGreaterThanOrEqual(45);
    expect(a.takePending(0)).toBe(0);
    expect(b.takePending(0)).toBe(0);
  });

  it("a context stopped with decisions pending gives them back; a new one starts clean", async () => {
    const first = await watched("zipf", "wasm");
    const { sim, w, ctx } = first;
    // Stop right after a stretch of the workload, before the kdamond could take it.
    let pendingSeen = false;
    sim.addActor({
      advance() {
        if (!ctx.running || sim.now < 1_000_000 || pendingSeen) return;
        pendingSeen = true;
        sim.stop([ctx]);
      },
    });
    sim.runFor(1_500_000);
    expect(pendingSeen).toBe(true);
    expect(ctx.running).toBe(false);
    const again = sim.createContext();
    again.setTargets([w.task.pid]);
    let peak = 0;
    again.onSnapshot(() => void (peak = Math.max(peak, hottest(again))));
    sim.start([again]);
    sim.runFor(2_000_000);
    expect(peak).toBeGreaterThan(0);
    expect(ctx.takePending(0)).toBe(0);
  });
});
