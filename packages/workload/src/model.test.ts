import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinWorkload, BUILTIN_NAMES, describeBuiltin } from "./builtins.js";
import { WorkloadError } from "./errors.js";
import { validateModel } from "./model.js";
import { resolveWorkload } from "./spec.js";
import { masimFixture } from "./test-support.js";
import { parseSize } from "./units.js";

const minimal = { regions: [{ name: "a", size: "1 MiB" }], phases: [{ durationMs: 100, patterns: [{ region: "a", access: "random" }] }] };
const problem = (input: unknown): string => {
  try {
    validateModel(input);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkloadError);
    return (error as Error).message;
  }
  throw new Error("expected the model to be rejected");
};

describe("the JSON form", () => {
  it("fills in defaults: masim's rate and burst, wo, 4 KiB stride, the whole region", () => {
    expect(validateModel(minimal)).toEqual({
      name: "workload",
      accessRate: 1e8,
      burst: 131072,
      loop: false,
      regions: [{ name: "a", size: 1 << 20, alloc: "malloc" }],
      phases: [
        {
          name: "",
          durationMs: 100,
          patterns: [{ region: "a", access: "random", weight: 1, stride: 4096, mode: "wo", offset: 0, length: 1 << 20, exponent: 1 }],
        },
      ],
    });
  });

  it("accepts JSON text, and a validated model validates to itself", () => {
    const model = validateModel(JSON.stringify(minimal));
    expect(validateModel(model)).toEqual(model);
    expect(validateModel(JSON.parse(JSON.stringify(model)))).toEqual(model);
  });

  it("sizes: bytes, or binary (K, MiB) and decimal (MB) units", () => {
    expect([parseSize("4096"), parseSize("4K"), parseSize("10 MiB"), parseSize("1.5G"), parseSize("100MB")]).toEqual([
      4096, 4096, 10 * 2 ** 20, 1.5 * 2 ** 30, 1e8,
    ]);
    expect([parseSize("ten"), parseSize("4 XB"), parseSize(null)]).toEqual([undefined, undefined, undefined]);
  });

  it("errors name the JSON path and the problem", () => {
    expect(problem("{")).toMatch(/^\$: not JSON: /);
    expect(problem([])).toBe("$: must be an object, got an array");
    expect(problem({ ...minimal, phase: [] })).toBe('$: unknown key "phase" (allowed: name, accessRate, burst, regions, phases, loop)');
    expect(problem({ ...minimal, regions: [] })).toBe("regions: needs at least 1 entry");
    expect(problem({ ...minimal, regions: [{ name: "a", size: "lots" }] })).toBe('regions[0].size: must be a byte count such as 4096 or "10 MiB", got "lots"');
    expect(problem({ ...minimal, regions: [{ name: "a", size: 1.5 }] })).toBe("regions[0].size: must be a whole number of bytes, got 1.5");
    expect(problem({ ...minimal, regions: [minimal.regions[0], minimal.regions[0]] })).toBe('regions[1].name: duplicate region name "a"');
    expect(problem({ ...minimal, accessRate: -1 })).toBe("accessRate: must be between 1e-9 and 1000000000000, got -1");
    expect(problem({ ...minimal, phases: [{ durationMs: "1s" }] })).toBe('phases[0].durationMs: must be a number, got "1s"');
    const pattern = (p: object) => ({ ...minimal, phases: [{ durationMs: 1, patterns: [{ region: "a", access: "random", ...p }] }] });
    expect(problem(pattern({ region: "b" }))).toBe('phases[0].patterns[0].region: unknown region "b" (regions: "a")');
    expect(problem(pattern({ access: "strided" }))).toBe(
      'phases[0].patterns[0].access: must be one of "sequential", "random", "zipf", got "strided"',
    );
    expect(problem(pattern({ weight: -1 }))).toBe("phases[0].patterns[0].weight: must be between 0 and 1000000000000000, got -1");
    expect(problem(pattern({ offset: "1 MiB" }))).toBe('phases[0].patterns[0].offset: offset 1048576 is not inside region "a" (1048576 bytes)');
    expect(problem(pattern({ offset: 4096, length: "1 MiB" }))).toBe(
      'phases[0].patterns[0].length: offset + length = 1052672 is past the end of region "a" (1048576 bytes)',
    );
    expect(problem({ ...minimal, loop: true, phases: [{ durationMs: 0 }] })).toBe("phases: a looping workload needs a phase longer than 0 ms");
  });
});

describe("built-in workloads", () => {
  it.each(BUILTIN_NAMES)("%s is a valid, documented model", (name) => {
    const model = builtinWorkload(name);
    expect(model.name).toBe(name);
    expect(describeBuiltin(name).length).toBeGreaterThan(20);
    expect(model.phases.reduce((t, p) => t + p.durationMs, 0)).toBeGreaterThan(10_000);
  });

  it("scale shrinks every size to whole pages; options pass through", () => {
    const model = builtinWorkload("hotcold", { scale: 1 / 16, accessRate: 1e6, loop: true });
    expect(model.regions[0].size).toBe(16 * 2 ** 20);
    expect(model.phases[0].patterns.map((p) => [p.offset, p.length])).toEqual([
      [0, 2 * 2 ** 20],
      [2 * 2 ** 20, 14 * 2 ** 20],
    ]);
    expect([model.accessRate, model.loop]).toEqual([1e6, true]);
  });

  it("each one is its own design: the stairs climb upward, zigzag keeps the idle side warm", () => {
    const stairs = builtinWorkload("stairs");
    expect(stairs.regions.map((r) => r.name)).toEqual(["step7", "step6", "step5", "step4", "step3", "step2", "step1", "step0"]);
    expect(builtinWorkload("zigzag").phases[0].patterns.map((p) => [p.region, p.weight])).toEqual([
      ["left", 95],
      ["right", 5],
    ]);
  });

  it("an unknown name lists the built-ins", () => {
    expect(() => builtinWorkload("ladder")).toThrow('builtin: unknown built-in workload "ladder" (built-ins: stairs, zigzag, hotcold, random, seqscan, zipf, phases)');
  });
});

describe("workload specs", () => {
  it("a built-in, a masim config's text, or a model", () => {
    expect(resolveWorkload({ builtin: "zipf", scale: 0.5 }).regions[0].size).toBe(128 * 2 ** 20);
    const masim = resolveWorkload({ masim: new TextDecoder().decode(readFileSync(masimFixture("zigzag.cfg"))), file: "zigzag.cfg", accessRate: 1e6 });
    expect([masim.name, masim.accessRate, masim.phases.length]).toEqual(["zigzag.cfg", 1e6, 13]);
    expect(resolveWorkload(minimal).regions[0].size).toBe(2 ** 20);
    expect(() => resolveWorkload({ masim: "a, 1\n", file: "x.cfg" })).toThrow("x.cfg:1: no blank line after the regions paragraph");
  });

  it("masim random patterns stop at rand()'s 2 GiB", () => {
    const model = resolveWorkload({ masim: new TextDecoder().decode(readFileSync(masimFixture("64.cfg"))) });
    expect(model.regions[0].size).toBe(2 ** 31);
    const big = resolveWorkload({ masim: "a, 8589934592\n\nph\n10\na, 1, 64, 1\na, 0, 64, 1\n" });
    expect(big.phases[0].patterns.map((p) => p.length)).toEqual([2 ** 31, 2 ** 33]);
  });
});
