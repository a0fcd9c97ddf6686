// The wasm passes against the TS reference: the same seed must give the same bytes.
import { describe, expect, it } from "vitest";
import type { PassEngine } from "./passes.js";
import { Rng } from "./rng.js";
import { Simulation } from "./simulation.js";
import { fnv1a, scenario } from "./test-support.js";

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
      // a moving-sum window of 1000: nr_accesses past the pass's table of steps (256)
      { sampleUs: 100, aggrUs: 100_000, maxNrRegions: 50, minNrRegions: 10 },
    ]) {
      const wasm = await scenario("wasm", 11, 300, attrs);
      const reference = await scenario("reference", 11, 300, attrs);
      expect(wasm.hashes).toEqual(reference.hashes);
    }
  }, 60_000);

  it("page tables freed and reused between prepare and check: stored sampling words are not trusted", async () => {
    // Every 3 ms a 256 MiB area is unmapped (its leaves freed) and another mapped and touched
    // whole (reusing those leaves for other addresses), so a sampling word stored at prepare
    // may point into a leaf that now holds other pages' bits. The reference always walks.
    const run = async (engine: PassEngine) => {
      const sim = await Simulation.create({ seed: 5 });
      const task = sim.machine.spawn("churn");
      const mm = task.mm!;
      const AREA = 256 << 20;
      let area = mm.mmap(AREA);
      let next = 0;
      sim.addActor({
        advance(now) {
          if (now < next) return;
          next = now + 3000;
          mm.munmap(area, AREA);
          area = mm.mmap(AREA);
          mm.space.touchRange(area, area + AREA);
        },
      });
      const ctx = sim.createContext({ engine, attrs: { sampleUs: 1000, aggrUs: 10_000, minNrRegions: 10, maxNrRegions: 100 } });
      ctx.setTargets([task.pid]);
      const hashes: number[] = [];
      let accessed = 0;
      ctx.onSnapshot((snap) => {
        const t = snap.traceLines().join("\n");
        hashes.push(fnv1a(new TextEncoder().encode(t)));
        for (let i = 0; i < snap.nrRegions; i++) accessed += snap.nrAccesses(i);
      });
      sim.start();
      sim.runFor(2_000_000);
      return { hashes, accessed };
    };
    const wasm = await run("wasm");
    const reference = await run("reference");
    expect(reference.accessed).toBeGreaterThan(0);
    expect(wasm.hashes).toEqual(reference.hashes);
  }, 60_000);

  it("regions that can sample one page (the same process twice, boundaries inside pages) agree too", async () => {
    // The pass must then check every region before clearing any sampled bit, as the kernel's
    // check and prepare loops do: with a shared page, clearing for one region early would
    // hide an access from the next.
    const run = async (engine: PassEngine, layout: "twice" | "unaligned") => {
      const sim = await Simulation.create({ seed: 7 });
      const task = sim.machine.spawn("shared");
      const mm = task.mm!;
      const base = mm.mmap(256 * 4096);
      const rng = Rng.from(7, "touches");
      sim.addActor({
        advance() {
          for (let k = 0; k < 64; k++) mm.space.touch(base + rng.below(256 * 4096));
        },
      });
      const ctx = sim.createContext({ engine, attrs: { sampleUs: 1000, aggrUs: 10_000, minNrRegions: 10, maxNrRegions: 100 } });
      if (layout === "twice") {
        ctx.setTargets([task.pid, task.pid]);
      } else {
        ctx.setTargets([task.pid]);
        ctx.setInitRegions(Array.from({ length: 40 }, (_, i) => ({ target: 0, start: base + i * 6000, end: base + (i + 1) * 6000 })));
      }
      const hashes: number[] = [];
      ctx.onSnapshot((snap) => void hashes.push(fnv1a(new TextEncoder().encode(snap.traceLines().join("\n")))));
      sim.start();
      sim.runFor(1_000_000);
      return hashes;
    };
    for (const layout of ["twice", "unaligned"] as const) {
      const wasm = await run("wasm", layout);
      expect(wasm.length, layout).toBeGreaterThanOrEqual(99);
      expect(wasm, layout).toEqual(await run("reference", layout));
    }
  }, 60_000);
});
