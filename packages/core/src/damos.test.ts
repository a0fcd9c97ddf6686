import { describe, expect, it } from "vitest";
import { coldScore, Damos, type DamosSpec } from "./damos.js";
import { Simulation } from "./simulation.js";

const MIB = 2 ** 20;
const U64_MAX = Number.MAX_SAFE_INTEGER;

function spec(overrides: Partial<DamosSpec> & { action: DamosSpec["action"] }): DamosSpec {
  return {
    pattern: { minSzRegion: 4096, maxSzRegion: U64_MAX, minNrAccesses: 0, maxNrAccesses: 0, minAgeRegion: 10, maxAgeRegion: 2 ** 32 - 1 },
    quota: { ms: 0, sz: 0, resetIntervalMs: 0, weightSz: 0, weightNrAccesses: 0, weightAge: 0 },
    wmarks: { metric: 0, intervalUs: 0, high: 0, mid: 0, low: 0 },
    ...overrides,
  };
}

/** A process touching a 64 MiB hot area every sample, next to a 256 MiB cold one. */
async function hotCold() {
  const sim = await Simulation.create({ seed: 2 });
  const task = sim.machine.spawn("hotcold");
  const mm = task.mm!;
  const cold = mm.mmap(256 * MIB);
  const hot = mm.mmap(64 * MIB);
  sim.addActor({ advance: () => mm.space.touchRange(hot, hot + 64 * MIB) });
  return { sim, task, mm, hot, cold };
}

describe("DAMOS", () => {
  it("pageout of cold regions lowers the resident size while the hot area stays resident; stats add up", async () => {
    const { sim, task, mm, hot, cold } = await hotCold();
    const ctx = sim.createContext({ attrs: { opsUpdateUs: 1_000_000 } });
    ctx.setTargets([task.pid]);
    // cold: no access for at least 1 s (10 aggregations)
    ctx.setSchemes([spec({ action: "pageout" })]);
    const before = mm.residentBytes;
    const rss: number[] = [];
    ctx.onSnapshot((s) => void rss.push(s.targets[0].residentBytes!));
    sim.start();
    sim.runFor(5_000_000);
    const [scheme] = ctx.schemes;
    expect(mm.residentBytes).toBeLessThan(before - 200 * MIB); // the cold area (and idle libraries) went out
    expect(mm.space.countSwapped(cold, cold + 256 * MIB)).toBeGreaterThan((240 * MIB) / 4096);
    expect(mm.space.countSwapped(hot, hot + 64 * MIB)).toBe(0);
    expect(mm.majorFaults).toBe(0); // nothing swapped out was needed again
    expect(rss[0]).toBe(before);
    expect(rss[rss.length - 1]).toBe(mm.residentBytes);
    // statistics: every try is counted, applied <= tried, and what was reclaimed was tried
    const st = scheme.stats;
    expect(st.nrTried).toBeGreaterThan(0);
    expect(st.nrApplied).toBeLessThanOrEqual(st.nrTried);
    expect(st.szApplied).toBeLessThanOrEqual(st.szTried);
    expect(st.szTried).toBeGreaterThanOrEqual(before - mm.residentBytes);
    expect(st.qtExceeds).toBe(0);
  });

  it("a swapped-out area that becomes hot again faults back in and the faults are counted", async () => {
    const { sim, task, mm, cold } = await hotCold();
    const ctx = sim.createContext();
    ctx.setTargets([task.pid]);
    ctx.setSchemes([spec({ action: "pageout" })]);
    sim.start();
    sim.runFor(3_000_000);
    const swapped = mm.space.countSwapped(cold, cold + 16 * MIB);
    expect(swapped).toBeGreaterThan((15 * MIB) / 4096); // all but a region straddling the edge
    mm.space.touchRange(cold, cold + 16 * MIB);
    expect(mm.majorFaults).toBe(swapped);
  });

  it("a size quota caps the bytes per charge window, counts exceeded windows, and resumes where it stopped", async () => {
    const { sim, task } = await hotCold();
    const ctx = sim.createContext();
    ctx.setTargets([task.pid]);
    ctx.setSchemes([
      spec({ action: "stat", pattern: { ...spec({ action: "stat" }).pattern, minAgeRegion: 0 }, quota: { ms: 0, sz: 8 * MIB, resetIntervalMs: 1000, weightSz: 0, weightNrAccesses: 1, weightAge: 1 } }),
    ]);
    sim.start();
    sim.runFor(5_050_000);
    const st = ctx.schemes[0].stats;
    // ~5 windows of at most 8 MiB each
    expect(st.szTried).toBeLessThanOrEqual(6 * 8 * MIB);
    expect(st.szTried).toBeGreaterThanOrEqual(4 * 8 * MIB);
    expect(st.qtExceeds).toBeGreaterThanOrEqual(4);
    expect(st.szApplied).toBe(0); // stat applies nothing
  });

  it("watermarks hold a scheme off, and the kdamond sleeps instead of sampling", async () => {
    const { sim, task, mm } = await hotCold();
    const ctx = sim.createContext();
    ctx.setTargets([task.pid]);
    // active only when free memory is below 10% (the machine has plenty)
    ctx.setSchemes([spec({ action: "pageout", wmarks: { metric: 1, intervalUs: 500_000, high: 100, mid: 90, low: 0 } })]);
    const before = mm.residentBytes;
    sim.start();
    sim.runFor(3_000_000);
    expect(ctx.passedSampleIntervals).toBe(0);
    expect(ctx.schemes[0].activated).toBe(false);
    expect(mm.residentBytes).toBe(before);
    expect(ctx.running).toBe(true);
  });

  it("the priority score follows the kernel's coldness formula", async () => {
    const sim = await Simulation.create();
    const ctx = sim.createContext(); // 20 samples per aggregation of 100 ms
    const s = new Damos(spec({ action: "pageout", quota: { ms: 0, sz: 1, resetIntervalMs: 0, weightSz: 0, weightNrAccesses: 1, weightAge: 1 } }));
    expect(coldScore(ctx, 20, 0, s)).toBe(99 - Math.trunc((Math.trunc((100 + 50) / 2) * 99) / 100)); // hot, young
    expect(coldScore(ctx, 0, 0, s)).toBe(99 - Math.trunc((Math.trunc((0 + 50) / 2) * 99) / 100));
    // idle for 100 s: age 1000 aggregations -> 100 s -> log2 7 -> negative since never accessed
    expect(coldScore(ctx, 0, 1000, s)).toBe(99 - Math.trunc((Math.trunc((0 + Math.trunc(((32 - 7) * 100) / 32 / 2)) / 2) * 99) / 100));
    expect(coldScore(ctx, 0, 1000, s)).toBeGreaterThan(coldScore(ctx, 0, 0, s));
  });
});
