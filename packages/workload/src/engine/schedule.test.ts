import { Simulation } from "@damon-sim/core";
import { describe, expect, it } from "vitest";
import { compileModel, type CompiledPhase } from "../compile.js";
import { validateModel } from "../model.js";
import { Schedule } from "./schedule.js";
import { FastRng } from "../fast-rng.js";

async function schedule(input: object, startUs = 0) {
  const sim = await Simulation.create();
  const compiled = compileModel(validateModel(input), sim.machine.spawn("p").mm!);
  return { compiled, schedule: new Schedule(compiled, new FastRng(1, "schedule"), startUs) };
}

const regions = [
  { name: "a", size: "1 MiB" },
  { name: "b", size: "1 MiB" },
];

describe("the model's clock", () => {
  it("counts accesses from the phase start, so any split of time gives the same total", async () => {
    const { schedule: s } = await schedule({ accessRate: 3e6, regions, phases: [{ durationMs: 10, patterns: [{ region: "a", access: "random" }] }] });
    let total = 0;
    for (const t of [1, 2.5, 3, 3.3, 7, 10, 20]) s.advance(t * 1000, (_, counts) => (total += counts[0]));
    expect(total).toBe(30000);
    expect(s.ended).toBe(true);
    expect(s.endUs).toBe(10_000);
  });

  it("runs phases in order and ends after the last (or loops)", async () => {
    const phases = [
      { name: "one", durationMs: 1, patterns: [{ region: "a", access: "random" }] },
      { name: "idle", durationMs: 2, patterns: [] },
      { name: "two", durationMs: 1, patterns: [{ region: "b", access: "random" }] },
    ];
    const seen: string[] = [];
    const { schedule: s } = await schedule({ accessRate: 1e6, regions, phases }, 500);
    s.advance(10_000, (phase) => seen.push(phase.name));
    expect(seen).toEqual(["one", "two"]);
    expect([s.ended, s.endUs]).toEqual([true, 4500]);
    const { schedule: looping } = await schedule({ accessRate: 1e6, regions, phases, loop: true });
    const names: string[] = [];
    for (let t = 500; t <= 9000; t += 500) looping.advance(t, (phase) => names.push(phase.name));
    expect(names.join(",")).toBe("one,one,two,two,one,one,two,two,one,one");
    expect([looping.ended, looping.endUs]).toEqual([false, Infinity]);
  });

  it("gives whole bursts to one pattern, by weight", async () => {
    const burst = 1000;
    const { schedule: s } = await schedule({
      accessRate: 1e6,
      burst,
      regions,
      phases: [{ durationMs: 10_000, patterns: [{ region: "a", access: "random", weight: 1 }, { region: "b", access: "random", weight: 3 }] }],
    });
    const perBurst: number[] = [];
    let a = 0;
    // One burst per step: each goes wholly to one pattern.
    for (let t = 1000; t <= 4_000_000; t += 1000) {
      s.advance(t, (_, counts) => {
        expect(counts[0] + counts[1]).toBe(burst);
        perBurst.push(counts[0]);
        a += counts[0];
      });
    }
    expect(perBurst.every((k) => k === 0 || k === burst)).toBe(true);
    expect(a / (4000 * burst)).toBeCloseTo(0.25, 1);
  });

  it("a stretch cutting bursts: the rest of a burst stays with its pattern", async () => {
    const { schedule: s } = await schedule({
      accessRate: 1e6,
      burst: 1000,
      regions,
      phases: [{ durationMs: 10_000, patterns: [{ region: "a", access: "random" }, { region: "b", access: "random" }] }],
    });
    const pieces: Array<[number, number]> = [];
    for (let t = 300; t <= 3000; t += 300) s.advance(t, (_, c) => pieces.push([c[0], c[1]]));
    // Bursts start every 1000 accesses: within each, the same pattern throughout.
    let at = 0;
    let current = -1;
    for (const [ca, cb] of pieces) {
      const who = ca > 0 ? 0 : 1;
      if (at % 1000 !== 0) expect(who).toBe(current);
      if (ca > 0 && cb > 0) expect((at + ca) % 1000 === 0 || (at + cb) % 1000 === 0).toBe(true);
      current = cb > 0 ? 1 : 0;
      at += ca + cb;
    }
    expect(at).toBe(3000);
  });

  it("sequential positions start over in every phase (masim's last_offset = 0)", async () => {
    const { compiled, schedule: s } = await schedule({
      accessRate: 1e6,
      regions,
      phases: [
        { durationMs: 1, patterns: [{ region: "a", access: "sequential" }] },
        { durationMs: 1, patterns: [{ region: "a", access: "sequential" }] },
      ],
    });
    const seen: Array<[CompiledPhase, number]> = [];
    s.advance(1500, (phase) => {
      seen.push([phase, phase.patterns[0].pos]);
      phase.patterns[0].pos = 77; // what an engine would do
    });
    expect(seen.map(([, pos]) => pos)).toEqual([0, 0]);
    expect(compiled.patterns[1].pos).toBe(77);
  });
});
