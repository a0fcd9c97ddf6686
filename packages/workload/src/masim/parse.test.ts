import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { WorkloadError } from "../errors.js";
import { MASIM_FIXTURES, masimFixture } from "../test-support.js";
import { loadMasimConfig } from "./model.js";
import { parseMasimConfig } from "./parse.js";

const parse = (text: string) => parseMasimConfig(text, "t.cfg");
const failure = (text: string): WorkloadError => {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkloadError);
    return error as WorkloadError;
  }
  throw new Error("expected the config to be rejected");
};

describe("masim configs: the shipped fixtures", () => {
  it.each(MASIM_FIXTURES)("%s parses and converts to a valid model", (name) => {
    const config = parseMasimConfig(readFileSync(masimFixture(name)), name);
    expect(config.regions.length).toBeGreaterThan(0);
    expect(config.phases.length).toBeGreaterThan(0);
    expect(loadMasimConfig(readFileSync(masimFixture(name)), { file: name }).phases).toHaveLength(config.phases.length);
  });

  it("stairs: ten 10 MB regions, a 10 s phase over all, then 5 s on each", () => {
    const c = parseMasimConfig(readFileSync(masimFixture("stairs.cfg")), "stairs.cfg");
    expect(c.regions.map((r) => [r.name, r.size])).toEqual(Array.from({ length: 10 }, (_, i) => [`s${i}`, 10_000_000]));
    expect(c.phases.map((p) => [p.name, p.timeMs, p.patterns.length])).toEqual([
      ["initial phase", 10000, 10],
      ...Array.from({ length: 10 }, (_, i) => [`phase ${i}`, 5000, 1]),
    ]);
    expect(c.phases[3].patterns[0]).toMatchObject({ region: "s2", random: false, stride: 4096, weight: 50, line: 37 });
    expect(c.phases[3].patterns[0].mode).toBeUndefined();
  });

  it("zigzag: two 100 MB regions taking turns, 70 s in all", () => {
    const c = parseMasimConfig(readFileSync(masimFixture("zigzag.cfg")), "zigzag.cfg");
    expect(c.regions.map((r) => r.size)).toEqual([100_000_000, 100_000_000]);
    expect(c.phases).toHaveLength(13);
    expect(c.phases.reduce((t, p) => t + p.timeMs, 0)).toBe(70_000);
    expect(c.phases.slice(1).map((p) => p.patterns[0].region).join("")).toBe("ab".repeat(6));
  });

  it("default: the third region field and the read/write modes; 4 fields mean wo", () => {
    const c = parseMasimConfig(readFileSync(masimFixture("default")), "default");
    expect(c.regions.map((r) => [r.name, r.size, r.initData])).toEqual([
      ["a", 256, undefined],
      ["b", 64, undefined],
      ["c", 128, undefined],
    ]);
    expect(c.phases[1].patterns.map((p) => [p.region, p.random, p.mode])).toEqual([
      ["c", true, "ro"],
      ["b", false, "rw"],
    ]);
    const model = loadMasimConfig(readFileSync(masimFixture("stairs.cfg")));
    expect(model.phases[1].patterns[0]).toMatchObject({ access: "sequential", mode: "wo", stride: 4096 });
    expect(loadMasimConfig(readFileSync(masimFixture("stairs.cfg")), { defaultMode: "ro" }).phases[1].patterns[0].mode).toBe("ro");
  });
});

describe("masim configs: quirks kept", () => {
  it("comment lines are deleted before paragraphs are found, so they never make blank lines", () => {
    const c = parse("a, 4096\n#\n\n# comment\nph\n#\n10\n# c\na, 0, 64, 1\n");
    expect(c.phases).toEqual([{ name: "ph", timeMs: 10, line: 5, patterns: [expect.objectContaining({ region: "a", line: 9 })] }]);
  });

  it("names are taken verbatim: a space before the region's name is part of it", () => {
    expect(failure("a, 4096\n\nph\n10\n a, 0, 64, 1\n").message).toBe('t.cfg:5: unknown region " a" (regions: "a")');
    expect(parse(" a, 4096\n\nph\n10\n a, 0, 64, 1\n").regions[0].name).toBe(" a");
  });

  it("any non-zero randomness means random; the mode compares the first two letters of the first word", () => {
    const c = parse("a, 4096\n\nph\n10\na, 7, 64, 1,  rox trailing\n");
    expect(c.phases[0].patterns[0]).toMatchObject({ random: true, mode: "ro" });
  });

  it("init data files: none means no file", () => {
    const c = parse("a, 4096, none\nb, 4096, /dev/zero\n\nph\n10\na, 0, 64, 1\n");
    expect(c.regions.map((r) => r.initData)).toEqual([undefined, "/dev/zero"]);
    expect(loadMasimConfig("a, 4096, none\nb, 4096, /dev/zero\n\nph\n10\na, 0, 64, 1\n").regions[1].initData).toBe("/dev/zero");
  });

  it("a last line without newline is dropped as masim's comment remover drops it", () => {
    const c = parse("a, 4096\n\nph\n10\na, 0, 64, 1\nb-is-gone, 1, 1, 1");
    expect(c.phases[0].patterns).toHaveLength(1);
    expect(failure("a, 4096\n\nph\n10\na, 0, 64, 1\n\nlast\n10\na, 0, 64, 1").message).toBe(
      't.cfg:7: phase "last" has 2 lines; it needs a name, a runtime in ms and at least one access pattern (the last line has no newline, so masim ignores it)',
    );
    // masim first wants four lines of phases text: with the pattern dropped there are three.
    expect(failure("a, 4096\n\nph\n10\na, 0, 64, 1").message).toBe(
      "t.cfg:3: no phases: expected a phase name, its runtime in ms and an access pattern line (the last line has no newline, so masim ignores it)",
    );
  });

  it("a phase whose weights are all zero is kept (masim spins through it)", () => {
    expect(parse("a, 4096\n\nidle\n100\na, 0, 64, 0\n").phases[0].patterns[0].weight).toBe(0);
  });
});

describe("masim configs: malformed ones name the file, the line and the problem", () => {
  it("an empty file", () => {
    const e = failure("");
    expect(e.message).toBe("t.cfg:1: empty config: expected a regions paragraph, a blank line, then phases");
    expect([e.file, e.line]).toEqual(["t.cfg", 1]);
    expect(failure("# only\n# comments\n").message).toBe("t.cfg:1: no lines besides comments");
  });

  it("an unknown region", () => {
    const e = failure("a, 4096\nb, 4096\n\nph\n10\na, 0, 64, 1\nc, 0, 64, 1\n");
    expect(e.message).toBe('t.cfg:7: unknown region "c" (regions: "a", "b")');
    expect(e.line).toBe(7);
  });

  it("a missing runtime", () => {
    expect(failure("a, 4096\n\nph\na, 0, 64, 1\na, 1, 64, 1\n").message).toBe(
      't.cfg:4: missing runtime: expected the phase\'s runtime in ms, got "a, 0, 64, 1"',
    );
    expect(failure("a, 4096\n\nph\n10\na, 0, 64, 1\n\nph2\na, 0, 64, 1\n").message).toMatch(/^t\.cfg:7: phase "ph2" has 2 lines;/);
  });

  it("bad numbers", () => {
    expect(failure("a, 10MB\n\nph\n10\na, 0, 64, 1\n").message).toBe('t.cfg:1: bad region size "10MB": expected an integer');
    expect(failure("a, 4096\n\nph\n1e3\na, 0, 64, 1\n").message).toBe('t.cfg:4: bad runtime: expected milliseconds, got "1e3"');
    expect(failure("a, 4096\n\nph\n10\na, 0, x, 1\n").message).toBe('t.cfg:5: bad stride "x": expected an integer');
    expect(failure("a, 4096\n\nph\n10\na, 0, 64, -1\n").message).toBe("t.cfg:5: probability must be between 0 and 2147483647, got -1");
    expect(failure("a, 0\n\nph\n10\na, 0, 64, 1\n").message).toBe("t.cfg:1: region size must be positive, got 0");
  });

  it("structure: fields, paragraphs, modes, duplicates, line endings", () => {
    expect(failure("a\n\nph\n10\na, 0, 64, 1\n").message).toMatch(/^t\.cfg:1: region line needs "name, size\[, init data file\]", got 1 field/);
    expect(failure("a, 4096\n\nph\n10\na, 0, 64\n").message).toMatch(/^t\.cfg:5: access pattern needs .* got 3 fields/);
    expect(failure("a, 4096\n\nph\n10\na, 0, 64, 1, xx\n").message).toBe('t.cfg:5: bad read/write mode "xx": expected ro, wo or rw');
    expect(failure("a, 4096\na, 8192\n\nph\n10\na, 0, 64, 1\n").message).toBe('t.cfg:2: duplicate region name "a" (first defined on line 1)');
    expect(failure("a, 4096\n\nph\n10\na, 0, 64, 1\n\n\nph2\n10\na, 0, 64, 1\n").message).toBe(
      "t.cfg:7: empty phase: phases must be separated by exactly one blank line",
    );
    expect(failure("a, 4096\n").message).toBe("t.cfg:1: no blank line after the regions paragraph");
    expect(failure("a, 4096\r\n\r\nph\r\n10\r\na, 0, 64, 1\r\n").message).toBe(
      "t.cfg:5: no blank line after the regions paragraph (the file has CRLF line endings; masim needs LF)",
    );
    expect(failure("a, 4096\n\n").message).toBe(
      "t.cfg:3: no phases: expected a phase name, its runtime in ms and an access pattern line",
    );
  });

  it("line numbers count the comment lines that were deleted", () => {
    const text = new TextDecoder().decode(readFileSync(masimFixture("stairs.cfg"))).replace("s4, 0, 4096, 50", "s44, 0, 4096, 50");
    const e = failure(text);
    expect(e.line).toBe(text.split("\n").indexOf("s44, 0, 4096, 50") + 1);
  });
});
