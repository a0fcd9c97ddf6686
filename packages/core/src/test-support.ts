// Scenarios shared by the tests (not part of the published package).
import type { DamonContext } from "./context.js";
import type { PassEngine } from "./passes.js";
import { Rng } from "./rng.js";
import { Simulation, type Actor } from "./simulation.js";

/** Random access patterns over a process's mappings: hot spots that move every phase. */
export function randomAccessActor(sim: Simulation, pid: number, seed: number, phaseUs = 300_000): Actor {
  const rng = Rng.from(seed, `actor:${pid}`);
  const task = sim.machine.task(pid)!;
  let phaseEnd = 0;
  let spots: Array<{ start: number; end: number; rate: number }> = [];
  return {
    advance(now) {
      if (!task.alive || !task.mm) return;
      const mm = task.mm;
      if (now >= phaseEnd) {
        phaseEnd = now + phaseUs;
        const vmas = mm.vmas.filter((v) => v.end - v.start >= 1 << 20);
        spots = Array.from({ length: 1 + rng.below(4) }, () => {
          const vma = vmas[rng.below(vmas.length)];
          const size = Math.min(vma.end - vma.start, 4096 * (1 + rng.below(4096)));
          const start = vma.start + 4096 * rng.below((vma.end - vma.start - size) / 4096 + 1);
          return { start, end: start + size, rate: rng.below(4) };
        });
      }
      for (const spot of spots) {
        if (spot.rate === 0) continue;
        if (spot.rate === 3) mm.space.touchRange(spot.start, spot.end);
        else for (let k = 0; k < spot.rate * 8; k++) mm.space.touch(spot.start + rng.below(spot.end - spot.start));
      }
    },
  };
}

/** A two-process scenario with layout changes and a process exit, exercising every path. */
export async function scenario(engine: PassEngine, seed: number, aggregations: number, attrs = {}) {
  const sim = await Simulation.create({ seed });
  const rng = Rng.from(seed, "scenario");
  const a = sim.machine.spawn("work-a");
  const b = sim.machine.spawn("work-b");
  for (const task of [a, b]) {
    for (let k = 0; k < 3; k++) task.mm!.mmap((1 + rng.below(64)) << 20);
    sim.addActor(randomAccessActor(sim, task.pid, seed));
  }
  // Layout changes: an mmap at 1/3 of the run, an munmap at 1/2, process b exits at 3/4.
  const aggrUs = 10_000;
  const end = aggregations * aggrUs;
  let step = 0;
  sim.addActor({
    advance(now) {
      if (step === 0 && now >= end / 3) (step++, a.mm!.mmap(32 << 20));
      if (step === 1 && now >= end / 2) (step++, a.mm!.munmap(a.mm!.vmas.find((v) => v.end - v.start >= 1 << 20)!.start, 1 << 20));
      if (step === 2 && now >= (end * 3) / 4) (step++, sim.machine.exit(b.pid));
    },
  });
  const ctx: DamonContext = sim.createContext({
    engine,
    attrs: { sampleUs: 1000, aggrUs, opsUpdateUs: 100_000, minNrRegions: 10, maxNrRegions: 60, ...attrs },
  });
  ctx.setTargets([a.pid, b.pid]);
  const hashes: number[] = [];
  ctx.onSnapshot((s) => {
    hashes.push(fnv1a(s.bytes()));
  });
  sim.start();
  sim.runUntil(end);
  return { hashes, sim, ctx };
}

export function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}
