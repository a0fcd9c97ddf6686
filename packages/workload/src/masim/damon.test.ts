// DAMON at its default attributes over masim's stairs and zigzag, read off the snapshot stream.
import { readFileSync } from "node:fs";
import { DEFAULT_ATTRS, Simulation, type AggregationSnapshot } from "@damon-sim/core";
import { describe, expect, it } from "vitest";
import type { Area } from "../compile.js";
import { masimFixture } from "../test-support.js";
import { ModelWorkload } from "../workload.js";
import { loadMasimConfig } from "./model.js";

interface Hot {
  endUs: number;
  /** Bytes of regions with nr_accesses >= half the maximum. */
  bytes: number;
  /** Of those, bytes inside each area. */
  inArea: number[];
}

async function hotAreas(name: string): Promise<{ areas: readonly Area[]; hot: Hot[] }> {
  const sim = await Simulation.create({ seed: 42 });
  const w = ModelWorkload.spawn(sim, loadMasimConfig(readFileSync(masimFixture(name)), { file: name }));
  const ctx = sim.createContext();
  expect(ctx.attrs).toEqual(DEFAULT_ATTRS);
  ctx.setTargets([w.task.pid]);
  const hot: Hot[] = [];
  const half = DEFAULT_ATTRS.aggrUs / DEFAULT_ATTRS.sampleUs / 2;
  ctx.onSnapshot((s: AggregationSnapshot) => {
    const h: Hot = { endUs: s.endUs, bytes: 0, inArea: w.areas.map(() => 0) };
    for (let i = 0; i < s.nrRegions; i++) {
      if (s.nrAccesses(i) < half) continue;
      h.bytes += s.end(i) - s.start(i);
      w.areas.forEach((a, k) => (h.inArea[k] += Math.max(0, Math.min(s.end(i), a.end) - Math.max(s.start(i), a.start))));
    }
    hot.push(h);
  });
  sim.start();
  sim.runUntilIdle(200_000_000);
  expect(w.done).toBe(true);
  return { areas: w.areas, hot };
}

// The snapshots of [fromUs + settleUs, toUs): DAMON needs a few aggregations to adapt.
const during = (hot: Hot[], fromUs: number, toUs: number, settleUs = 1_000_000) =>
  hot.filter((h) => h.endUs > fromUs + settleUs && h.endUs <= toUs);

describe("DAMON over masim's fixtures (default attributes, fast engine, 1e8 accesses/s)", () => {
  it("stairs: one ~10 MB area hot at a time, moving across the ten areas", async () => {
    const { areas, hot } = await hotAreas("stairs.cfg");
    expect(hot.length).toBeGreaterThanOrEqual(599);
    // The ten areas sit one below the other, 10 MB apart.
    for (let i = 1; i < 10; i++) expect(areas[i - 1].start - areas[i].start).toBe(2442 * 4096);
    for (let step = 0; step < 10; step++) {
      const from = 10_000_000 + step * 5_000_000;
      const snaps = during(hot, from, from + 5_000_000);
      expect(snaps.length).toBeGreaterThanOrEqual(39);
      for (const h of snaps) {
        expect(h.bytes).toBeGreaterThan(9_000_000);
        expect(h.bytes).toBeLessThan(11_000_000);
        // Nearly all of it inside this step's area, next to nothing in the others.
        expect(h.inArea[step] / h.bytes).toBeGreaterThan(0.95);
        expect(h.inArea.reduce((t, b, k) => t + (k === step ? 0 : b), 0) / h.bytes).toBeLessThan(0.05);
      }
    }
  }, 60_000);

  it("zigzag: one ~100 MB area hot at a time, alternating", async () => {
    const { areas, hot } = await hotAreas("zigzag.cfg");
    expect(areas[0].start - areas[1].start).toBe(24415 * 4096);
    for (let phase = 0; phase < 12; phase++) {
      const from = 10_000_000 + phase * 5_000_000;
      const active = phase % 2; // low phases touch a, high phases b
      for (const h of during(hot, from, from + 5_000_000)) {
        expect(h.bytes).toBeGreaterThan(95_000_000);
        expect(h.bytes).toBeLessThan(105_000_000);
        expect(h.inArea[active] / h.bytes).toBeGreaterThan(0.95);
        expect(h.inArea[1 - active] / h.bytes).toBeLessThan(0.05);
      }
    }
    // In the initial phase both share the bursts, ~3.8 per 5 ms sample: each is touched in
    // 1 - 0.5^3.8 = 93 % of the samples, so both are hot together.
    for (const h of during(hot, 0, 10_000_000)) expect(h.inArea[0] + h.inArea[1]).toBeGreaterThan(190_000_000);
  }, 60_000);
});
