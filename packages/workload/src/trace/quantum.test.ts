import { describe, expect, it } from "vitest";
import { QuantumRuns } from "./quantum.js";
import { RunBuffer } from "./runs.js";

const rows = (runs: RunBuffer) =>
  Array.from({ length: runs.length }, (_, k) => [runs.page[k], runs.first[k], runs.last[k], runs.count[k], runs.write[k]]);

describe("QuantumRuns", () => {
  it("one run per page per quantum, in order of first access", () => {
    const runs = new RunBuffer();
    const q = new QuantumRuns(runs, 10);
    q.add(5, 0, false);
    q.add(7, 1, true);
    q.add(5, 9, true);
    q.add(5, 10, false); // next quantum
    q.add(8, 25, false);
    q.flush();
    expect(rows(runs)).toEqual([
      [5, 0, 9, 2, 1],
      [7, 1, 1, 1, 1],
      [5, 10, 10, 1, 0],
      [8, 25, 25, 1, 0],
    ]);
  });

  it("keeps thousands of pages apart within one quantum (the index grows)", () => {
    const runs = new RunBuffer();
    const q = new QuantumRuns(runs, 1e9);
    for (let round = 0; round < 3; round++) for (let page = 0; page < 5000; page++) q.add(page * 2 ** 20 + 3, round, false);
    q.flush();
    expect(runs.length).toBe(5000);
    expect(rows(runs).every((r, i) => r[0] === i * 2 ** 20 + 3 && r[1] === 0 && r[2] === 2 && r[3] === 3)).toBe(true);
  });

  it("rejects a quantum under one tick", () => {
    expect(() => new QuantumRuns(new RunBuffer(), 0)).toThrow(RangeError);
  });
});
