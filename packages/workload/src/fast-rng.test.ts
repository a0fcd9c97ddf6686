import { Rng } from "@damon-sim/core";
import { describe, expect, it } from "vitest";
import { FastRng } from "./fast-rng.js";

describe("FastRng", () => {
  it("draws core's stream bit for bit", () => {
    for (const seed of [0, 1, 2n ** 63n, "s"]) {
      const core = Rng.from(seed, "workload:7:access");
      const fast = new FastRng(seed, "workload:7:access");
      for (let i = 0; i < 2000; i++) {
        expect(fast.nextU32()).toBe(core.nextU32());
        expect(fast.float()).toBe(core.float());
        const n = [1, 3, 4096, 10_000_000, 2 ** 32, 2 ** 40 + 7][i % 6];
        expect(fast.below(n)).toBe(core.below(n));
      }
      const batch = new Uint32Array(100);
      fast.fill(batch, 100);
      expect([...batch]).toEqual(Array.from({ length: 100 }, () => core.nextU32()));
    }
  });
});
