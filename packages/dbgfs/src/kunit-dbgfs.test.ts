// mm/damon/dbgfs-test.h (spec §3.3), per version.
import { describe, expect, it } from "vitest";
import { sprintTargetIds, strToIds } from "./kernel-functions.js";
import { boot } from "./test-support.js";
import type { KernelVersion } from "./versions.js";
import { encode } from "./vfs.js";

const idVectors: Array<[string, number[]]> = [
  ["123", [123]],
  ["123abc", [123]],
  ["a123", []],
  ["12 35", [12, 35]],
  ["12 35 46", [12, 35, 46]],
  ["12 35 abc 46", [12, 35]],
  ["", []],
  ["\n", []],
];

describe("damon-dbgfs kunit", () => {
  it.each(idVectors)("str_to_target_ids / str_to_ints(%j)", (input, expected) => {
    const bytes = encode(input);
    expect(strToIds(bytes, bytes.length, false)).toEqual(expected.map(BigInt));
    expect(strToIds(bytes, bytes.length, true)).toEqual(expected);
  });

  it.each<KernelVersion>(["5.15", "5.16", "5.17"])("set_targets with plain ids (%s)", async (version) => {
    const { damon } = await boot(version);
    const ctx = damon.contexts[0].ctx;
    for (const [ids, text] of [[[1, 2, 3], "1 2 3\n"], [[], "\n"], [[1, 2], "1 2\n"], [[2], "2\n"], [[], "\n"]] as const) {
      ctx.setPhysicalTargets([...ids]);
      expect(sprintTargetIds(ctx)).toBe(text);
    }
  });

  it.each<KernelVersion>(["5.18", "6.1", "6.8"])("set_targets with paddr (%s)", async (version) => {
    const { damon } = await boot(version);
    const ctx = damon.contexts[0].ctx;
    ctx.setPhysicalTargets([]);
    expect(sprintTargetIds(ctx)).toBe("\n");
    ctx.setPhysicalTargets([42]);
    expect(sprintTargetIds(ctx)).toBe("42\n");
    ctx.setPhysicalTargets([]);
    expect(sprintTargetIds(ctx)).toBe("\n");
  });

  const initRegionCases = {
    "5.16": {
      ids: [1, 2, 3],
      valid: [
        ["2 10 20\n 2   20 30\n2 35 45", "2 10 20\n2 20 30\n2 35 45\n"],
        ["2 10 20\n", "2 10 20\n"],
        ["2 10 20\n1 39 59\n1 70 134\n  2  20 25\n", "1 39 59\n1 70 134\n2 10 20\n2 20 25\n"],
        ["", ""],
      ],
      invalid: ["4 10 20\n", "2 10 20\n 2 14 26\n", "1 10 20\n2 30 40\n 1 5 8"],
    },
    "5.17": {
      ids: [1, 2, 3],
      valid: [
        ["1 10 20\n 1   20 30\n1 35 45", "1 10 20\n1 20 30\n1 35 45\n"],
        ["1 10 20\n", "1 10 20\n"],
        ["1 10 20\n0 39 59\n0 70 134\n  1  20 25\n", "0 39 59\n0 70 134\n1 10 20\n1 20 25\n"],
        ["", ""],
      ],
      invalid: ["3 10 20\n", "1 10 20\n 1 14 26\n", "0 10 20\n1 30 40\n 0 5 8"],
    },
  } as const;

  for (const version of ["5.16", "5.17", "5.18", "6.8"] as const) {
    it(`set_init_regions (${version})`, async () => {
      const cases = initRegionCases[version === "5.16" ? "5.16" : "5.17"];
      const { damon, write, read } = await boot(version);
      // 5.18+ runs the test on three paddr targets; earlier on plain ids
      damon.contexts[0].ctx.setPhysicalTargets(version >= "5.18" ? [42, 42, 42] : [...cases.ids]);
      for (const [input, expected] of cases.valid) {
        expect(write("init_regions", input)).toBe(input.length);
        expect(read("init_regions")).toBe(expected);
      }
      for (const input of cases.invalid) {
        expect(write("init_regions", input)).toBe(-22);
        expect(read("init_regions")).toBe("");
      }
    });
  }
});
