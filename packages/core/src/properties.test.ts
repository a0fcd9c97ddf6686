// Invariants of the region table under random layouts, access patterns and attributes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";
import { Simulation } from "./simulation.js";

const MIB = 1 << 20;

describe("region table invariants (fast-check)", () => {
  it("regions stay sorted, disjoint and inside the monitored ranges; counts stay bounded", async () => {
    const sim = await Simulation.create({ seed: 3 });
    await fc.assert(
      fc.property(
        fc.record({
          // disjoint ranges in the physical address space, in MiB units
          gaps: fc.array(fc.tuple(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 1, max: 256 })), { minLength: 1, maxLength: 4 }),
          minNrRegions: fc.integer({ min: 3, max: 30 }),
          extraMax: fc.integer({ min: 0, max: 200 }),
          samples: fc.integer({ min: 1, max: 20 }),
          hot: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 0.3, noNaN: true })), { maxLength: 4 }),
          aggregations: fc.integer({ min: 1, max: 40 }),
          // init_regions may hold far more regions than max_nr_regions; the merge must cut them down
          pieces: fc.integer({ min: 1, max: 200 }),
          // random page touches per sample, so neighbours' counts differ
          noise: fc.integer({ min: 0, max: 400 }),
        }),
        (input) => {
          const ranges: Array<{ start: number; end: number }> = [];
          let at = 0;
          for (const [gap, size] of input.gaps) {
            at += gap * MIB;
            ranges.push({ start: at, end: at + size * MIB });
            at += size * MIB;
          }
          const total = ranges.reduce((s, r) => s + r.end - r.start, 0);
          // Touching ranges merge into one monitored span.
          const union = ranges.reduce<Array<{ start: number; end: number }>>((out, r) => {
            const last = out[out.length - 1];
            if (last && last.end === r.start) last.end = r.end;
            else out.push({ ...r });
            return out;
          }, []);
          // Merging can only reach max_nr_regions if the size limit and the holes allow it.
          const maxNrRegions = 2 * input.minNrRegions + ranges.length + 1 + input.extraMax;
          const ctx = sim.createContext({
            attrs: { sampleUs: 1000, aggrUs: 1000 * input.samples, opsUpdateUs: 1_000_000, minNrRegions: input.minNrRegions, maxNrRegions },
          });
          ctx.setTargets("paddr");
          ctx.setInitRegions(
            ranges.flatMap((r) => {
              const piece = Math.max(4096, Math.floor((r.end - r.start) / input.pieces / 4096) * 4096);
              const out = [];
              for (let start = r.start; start < r.end; start += piece) out.push({ target: 0, start, end: Math.min(r.end, start + piece) });
              return out;
            }),
          );
          const physical = sim.physical;
          const noise = Rng.from(input.noise, "noise");
          const touch = sim.addActor({
            advance() {
              for (let k = 0; k < input.noise; k++) {
                const r = ranges[noise.below(ranges.length)];
                physical.touch(r.start + noise.below(r.end - r.start));
              }
              for (const [where, width] of input.hot) {
                const start = Math.floor((where * total) / 4096) * 4096;
                physical.touchRange(start, start + Math.floor(width * total));
              }
            },
          });
          const violations: string[] = [];
          let aggregations = 0;
          ctx.onAfterAggregation(() => {
            if (ctx.regions.count > maxNrRegions) violations.push(`after merge ${ctx.regions.count} > ${maxNrRegions}`);
          });
          ctx.onSnapshot((s) => {
            aggregations++;
            let prevEnd = -1;
            for (let i = 0; i < s.nrRegions; i++) {
              const [start, end] = [s.start(i), s.end(i)];
              if (!(start < end)) violations.push(`empty region ${start}-${end}`);
              if (start < prevEnd) violations.push(`overlap at ${start}`);
              if (!union.some((r) => r.start <= start && end <= r.end)) violations.push(`outside: ${start}-${end}`);
              if (s.nrAccesses(i) > input.samples) violations.push(`nr_accesses ${s.nrAccesses(i)} > ${input.samples}`);
              prevEnd = end;
            }
          });
          sim.start([ctx]);
          sim.runFor(input.aggregations * input.samples * 1000);
          sim.stop([ctx]);
          touch();
          sim.removeContext(ctx);
          sim.physical.clearAccessed(0, sim.machine.ramBytes);
          expect(violations).toEqual([]);
          // stop() lets the kdamond finish the iteration it sleeps in, as kthread_stop does.
          expect(aggregations - input.aggregations).toBeGreaterThanOrEqual(0);
          expect(aggregations - input.aggregations).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 150, seed: 20261125 },
    );
  }, 60_000);
});
