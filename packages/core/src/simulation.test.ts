import { describe, expect, it } from "vitest";
import { fnv1a, scenario } from "./test-support.js";
import { DamonError } from "./errors.js";
import { Simulation } from "./simulation.js";

const MIB = 1 << 20;

/** A process with a hot 64 MiB area (touched every sample) and a cold 256 MiB one. */
async function hotCold(seed = 1) {
  const sim = await Simulation.create({ seed });
  const task = sim.machine.spawn("hotcold");
  const mm = task.mm!;
  const cold = mm.mmap(256 * MIB);
  const hot = mm.mmap(64 * MIB);
  sim.addActor({ advance: () => mm.space.touchRange(hot, hot + 64 * MIB) });
  return { sim, task, hot, cold };
}

describe("kdamond on a simulated process", () => {
  it("finds the hot area: regions inside it reach the maximum count, the cold area stays at zero", async () => {
    const { sim, task, hot, cold } = await hotCold();
    const ctx = sim.createContext();
    ctx.setTargets([task.pid]);
    let last: ReturnType<typeof sim.contexts[0]["regionsOf"]> = [];
    ctx.onAfterAggregation(() => void (last = ctx.regionsOf(0)));
    sim.start();
    sim.runFor(3_000_000);
    // Bytes of an area covered by regions whose count passes `test` (regions may straddle
    // the boundary by a few pages: DAMON's resolution is the region).
    const covered = (from: number, to: number, test: (nr: number) => boolean) =>
      last.filter((r) => test(r.nrAccesses)).reduce((s, r) => s + Math.max(0, Math.min(r.end, to) - Math.max(r.start, from)), 0);
    expect(covered(hot, hot + 64 * MIB, (nr) => nr >= 18)).toBeGreaterThan(60 * MIB);
    expect(covered(cold, cold + 256 * MIB, (nr) => nr === 0)).toBeGreaterThan(248 * MIB);
    expect(last.length).toBeGreaterThanOrEqual(10);
    expect(last.length).toBeLessThanOrEqual(1000);
  });

  it("aggregates every aggr/sample samples, on the virtual clock", async () => {
    const { sim, task } = await hotCold();
    const ctx = sim.createContext({ attrs: { sampleUs: 5000, aggrUs: 100_000 } });
    ctx.setTargets([task.pid]);
    const times: Array<[number, number]> = [];
    ctx.onSnapshot((s) => void times.push([s.startUs, s.endUs]));
    sim.start();
    sim.runFor(1_000_000);
    expect(times).toEqual(Array.from({ length: 10 }, (_, i) => [i * 100_000, (i + 1) * 100_000]));
    expect(ctx.passedSampleIntervals).toBe(200);
  });

  it("names the kdamond thread and gives it a pid; stop ends it", async () => {
    const { sim, task } = await hotCold();
    const [a, b] = [sim.createContext(), sim.createContext()];
    a.setTargets([task.pid]);
    b.setTargets([task.pid]);
    sim.start();
    expect([a.kdamond?.comm, b.kdamond?.comm]).toEqual(["kdamond.0", "kdamond.1"]);
    const pid = a.kdamond!.pid;
    expect(sim.machine.task(pid)?.kind).toBe("kthread");
    expect(() => sim.start()).toThrow(expect.objectContaining({ code: "EBUSY" }));
    sim.runFor(50_000);
    sim.stop();
    expect(sim.nrRunning).toBe(0);
    expect(sim.machine.task(pid)).toBeUndefined();
    expect(() => sim.stop()).toThrow(expect.objectContaining({ code: "EPERM" }));
  });

  it("stops by itself when every target exits, and destroys its regions", async () => {
    const { sim, task } = await hotCold();
    const other = sim.machine.spawn("other");
    const ctx = sim.createContext();
    ctx.setTargets([task.pid, other.pid]);
    const terminated: number[] = [];
    ctx.onTerminate(() => void terminated.push(sim.now));
    sim.start();
    sim.runFor(500_000);
    sim.machine.exit(task.pid);
    sim.runFor(500_000);
    expect(ctx.running).toBe(true); // one target is still alive
    expect(ctx.regionsOf(0).length).toBeGreaterThan(0); // the dead target keeps its regions
    sim.machine.exit(other.pid);
    sim.runFor(20_000);
    expect(ctx.running).toBe(false);
    expect(terminated).toHaveLength(1);
    expect(ctx.regions.count).toBe(0);
    expect(ctx.targets.map((t) => t.id)).toEqual([task.pid, other.pid]); // dropping them is debugfs's job
  });

  it("never monitors a kernel thread but keeps running while it exists", async () => {
    const sim = await Simulation.create();
    const ctx = sim.createContext();
    ctx.setTargets([2]); // kthreadd: valid pid, no address space
    sim.start();
    sim.runFor(1_000_000);
    expect(ctx.running).toBe(true);
    expect(ctx.regions.count).toBe(0);
  });

  it("a vaddr context with no targets stops at once; a paddr one runs until stopped", async () => {
    const sim = await Simulation.create();
    const empty = sim.createContext();
    sim.start([empty]);
    expect(empty.running).toBe(false);
    const physical = sim.createContext();
    physical.setTargets("paddr");
    physical.setInitRegions([{ target: 0, start: 0, end: 64 * MIB }]);
    sim.start([physical]);
    sim.runFor(1_000_000);
    expect(physical.running).toBe(true);
    sim.stop([physical]);
    expect(physical.regions.count).toBe(0);
    expect(physical.targets).toHaveLength(1);
  });

  it("re-fits regions to the layout every ops-update interval", async () => {
    const { sim, task } = await hotCold();
    const ctx = sim.createContext({ attrs: { opsUpdateUs: 1_000_000 } });
    ctx.setTargets([task.pid]);
    sim.start();
    sim.runFor(500_000);
    const late = task.mm!.mmap(512 * MIB); // lands below everything else in the mmap area
    sim.runFor(600_000);
    const first = ctx.regionsOf(0).find((r) => r.start > 0x600000000000)!;
    expect(first.start).toBe(late);
  });

  it("an actor may stop a kdamond: the clock stays finite and the run goes on to its end", async () => {
    const { sim, task } = await hotCold();
    const ctx = sim.createContext();
    ctx.setTargets([task.pid]);
    const advancedTo: number[] = [];
    let stopping = false; // stop() brings the actors to the wake-up first: no re-entry
    sim.addActor({
      advance(now) {
        advancedTo.push(now);
        if (now < 1_000_000 || stopping) return;
        stopping = true;
        sim.stop([ctx]);
      },
    });
    sim.start();
    sim.runFor(1_500_000);
    expect(ctx.running).toBe(false);
    expect(sim.now).toBe(1_500_000);
    expect(advancedTo.at(-1)).toBe(1_500_000);
    expect(advancedTo.every(Number.isFinite)).toBe(true);
  });

  it("after_sampling and after_aggregation returning true stop the kdamond", async () => {
    for (const hook of ["onAfterSampling", "onAfterAggregation"] as const) {
      const { sim, task } = await hotCold();
      const ctx = sim.createContext();
      ctx.setTargets([task.pid]);
      let calls = 0;
      ctx[hook](() => ++calls === 3);
      sim.start();
      sim.runFor(2_000_000);
      expect(ctx.running).toBe(false);
      expect(calls).toBe(3);
    }
  });
});

describe("bad input gives a typed error and leaves the context as it was", () => {
  it("attrs out of range", async () => {
    const sim = await Simulation.create();
    const ctx = sim.createContext();
    for (const bad of [{ minNrRegions: 2 }, { minNrRegions: 20, maxNrRegions: 19 }, { sampleUs: 200_000 }, { sampleUs: -1 }, { aggrUs: 1.5 }]) {
      expect(() => ctx.setAttrs(bad)).toThrow(DamonError);
      expect(ctx.attrs).toEqual({ sampleUs: 5000, aggrUs: 100000, opsUpdateUs: 60000000, minNrRegions: 10, maxNrRegions: 1000 });
    }
    expect(() => sim.createContext({ attrs: { minNrRegions: 1 } })).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => sim.createContext({ minRegionSize: 3000 })).toThrow(expect.objectContaining({ code: "EINVAL" }));
  });

  it("overlapping, unsorted or empty init regions, and unknown target indices", async () => {
    const sim = await Simulation.create();
    const ctx = sim.createContext();
    ctx.setTargets("paddr");
    ctx.setInitRegions([{ target: 0, start: 4096, end: 8192 }]);
    const before = ctx.regionsOf(0);
    for (const bad of [
      [{ target: 0, start: 0, end: 8192 }, { target: 0, start: 4096, end: 12288 }],
      [{ target: 0, start: 8192, end: 12288 }, { target: 0, start: 0, end: 4096 }],
      [{ target: 0, start: 4096, end: 4096 }],
      [{ target: 1, start: 0, end: 4096 }],
    ]) {
      expect(() => ctx.setInitRegions(bad)).toThrow(expect.objectContaining({ code: "EINVAL" }));
      expect(ctx.regionsOf(0)).toEqual(before);
    }
  });

  it("unknown pids, and changes while monitoring", async () => {
    const { sim, task } = await hotCold();
    const ctx = sim.createContext();
    expect(() => ctx.setTargets([task.pid, 31999])).toThrow(expect.objectContaining({ code: "ESRCH" }));
    expect(ctx.targets).toEqual([]);
    ctx.setTargets([task.pid]);
    sim.start();
    sim.runFor(300_000);
    const regions = ctx.regions.list();
    expect(() => ctx.setAttrs({ sampleUs: 1000 })).toThrow(expect.objectContaining({ code: "EBUSY" }));
    expect(() => ctx.setTargets([1])).toThrow(expect.objectContaining({ code: "EBUSY" }));
    expect(() => ctx.setInitRegions([])).toThrow(expect.objectContaining({ code: "EBUSY" }));
    expect(ctx.regions.list()).toEqual(regions);
  });

  it("addresses beyond the 47-bit user space", async () => {
    const sim = await Simulation.create();
    const mm = sim.machine.spawn("x").mm!;
    expect(() => mm.space.map(2 ** 47, 2 ** 47 + 4096)).toThrow(expect.objectContaining({ code: "ERANGE" }));
  });
});

describe("determinism", () => {
  it("the same simulation twice gives the same snapshot stream; another seed does not", async () => {
    const run = async (seed: number) => {
      const { hashes, sim } = await scenario("wasm", seed, 1000);
      // fold in a second, concurrently running context over the same machine
      return fnv1a(new Uint8Array(Uint32Array.from(hashes).buffer), sim.now);
    };
    const first = await run(5);
    expect(await run(5)).toBe(first);
    expect(await run(6)).not.toBe(first);
  });

  it("two contexts running at once are each reproducible", async () => {
    const run = async () => {
      const { sim, task } = await hotCold(9);
      const contexts = [sim.createContext({ attrs: { sampleUs: 1000, aggrUs: 20_000 } }), sim.createContext()];
      const hashes: number[] = [];
      for (const ctx of contexts) {
        ctx.setTargets([task.pid]);
        ctx.onSnapshot((s) => void hashes.push(fnv1a(s.bytes(), s.context.index)));
      }
      sim.start();
      sim.runFor(2_000_000);
      return hashes;
    };
    const a = await run();
    expect(a.length).toBe(100 + 20);
    expect(await run()).toEqual(a);
  });
});

describe("pre-6.7 timing", () => {
  it("baselines from context creation: a context made long before start aggregates after its first sample", async () => {
    const { sim, task } = await hotCold();
    const ctx = sim.createContext({ behaviour: { sampleCountTiming: false } });
    ctx.setTargets([task.pid]);
    sim.runFor(10_000_000); // the default context is created at boot, monitoring starts later
    const ends: number[] = [];
    ctx.onSnapshot((s) => void ends.push(s.endUs - 10_000_000));
    sim.start();
    sim.runFor(300_000);
    // first aggregation at the first sample, then every 100 ms from there
    expect(ends).toEqual([5000, 105_000, 205_000]);
  });
});
