import { describe, expect, it } from "vitest";
import { binomial, pick, Zipf } from "./random.js";
import { FastRng } from "./fast-rng.js";

const moments = (draw: () => number, n: number) => {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sq / n - mean * mean };
};

describe("random helpers", () => {
  it.each([
    [10, 0.3],
    [200, 0.05],
    [200, 0.9],
    [1e6, 0.25],
  ])("binomial(%d, %d) has the right mean and variance", (n, p) => {
    const rng = new FastRng(1, "binomial");
    const { mean, variance } = moments(() => binomial(rng, n, p), 20000);
    expect(mean).toBeCloseTo(n * p, n * p > 1000 ? -1 : 0);
    expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.9);
    expect(variance / (n * p * (1 - p))).toBeLessThan(1.1);
  });

  it("binomial stays within [0, n]", () => {
    const rng = new FastRng(2, "binomial");
    for (let i = 0; i < 1000; i++) {
      const k = binomial(rng, 50, 0.99);
      expect(k).toBeGreaterThanOrEqual(0);
      expect(k).toBeLessThanOrEqual(50);
    }
  });

  it("pick follows the weights, never choosing a zero weight", () => {
    const rng = new FastRng(3, "pick");
    const counts = [0, 0, 0];
    for (let i = 0; i < 30000; i++) counts[pick(rng, [1, 0, 2], 3)]++;
    expect(counts[1]).toBe(0);
    expect(counts[2] / counts[0]).toBeGreaterThan(1.9);
    expect(counts[2] / counts[0]).toBeLessThan(2.1);
  });

  it.each([0.8, 1, 1.5])("Zipf(s = %d) samples follow its pmf", (s) => {
    const zipf = new Zipf(1000, s);
    let total = 0;
    for (let r = 1; r <= 1000; r++) total += zipf.pmf(r);
    expect(total).toBeCloseTo(1, 9);
    const rng = new FastRng(4, "zipf");
    const counts = new Float64Array(1001);
    const n = 200000;
    for (let i = 0; i < n; i++) counts[zipf.sample(rng)]++;
    for (const r of [1, 2, 10, 100]) expect(counts[r] / n).toBeCloseTo(zipf.pmf(r), 2);
  });

  it("Zipf's normaliser beyond a million ranks is close to the exact sum", () => {
    const exact = new Zipf(1_000_000, 1).norm;
    const tail = (1 / 2) * (1 / 1_000_000 + 1 / 3_000_000) + Math.log(3);
    expect(new Zipf(3_000_000, 1).norm).toBeCloseTo(exact + tail - 1 / 1_000_000, 6);
  });
});
