// Working set percentiles on synthetic records, checked against hand-computed values.
import { describe, expect, it } from "vitest";
import type { RecordSnapshot } from "../types.js";
import { reportNrRegions } from "./nr-regions.js";
import { reportWss } from "./wss.js";

const KIB = 1024;
const ms = 1_000_000;

/** Snapshot i: a hot region of (i + 1) pages (+ a cold one and a tiny hot one of 8 bytes). */
function record(n: number, id: number = 0, hotAccesses = 5): RecordSnapshot[] {
  return Array.from({ length: n }, (_, i) => ({
    startNs: i * 100 * ms,
    endNs: (i + 1) * 100 * ms,
    targets: [
      {
        id,
        regions: [
          { start: 0, end: (i + 1) * 4 * KIB, nrAccesses: hotAccesses, age: null },
          { start: 1 << 30, end: (1 << 30) + (1 << 20), nrAccesses: 0, age: null },
          { start: 1 << 31, end: (1 << 31) + 8, nrAccesses: 1, age: null },
        ],
      },
    ],
  }));
}

describe("report wss", () => {
  it("drops the first 20 snapshots and reads percentiles at int(p/100*n), clamped", async () => {
    // kept: snapshots 20..24, wss (21..25) pages + 8 bytes
    const wss = [21, 22, 23, 24, 25].map((p) => p * 4096 + 8);
    const out = await reportWss(record(25), { rawNumber: true });
    // bars: max 102408 over 59 columns; 86024 * 59 / 102408 = 49.56 -> 49 ...
    expect(out).toBe(
      [
        "# target_id\t0",
        "# <percentile> <wss>",
        `# avr:\t${23 * 4096 + 8}`,
        `  0 ${String(wss[0]).padStart(15)} |${"*".repeat(49)}${" ".repeat(10)}|`,
        ` 25 ${String(wss[1]).padStart(15)} |${"*".repeat(51)}${" ".repeat(8)}|`,
        ` 50 ${String(wss[2]).padStart(15)} |${"*".repeat(54)}${" ".repeat(5)}|`,
        ` 75 ${String(wss[3]).padStart(15)} |${"*".repeat(56)}${" ".repeat(3)}|`,
        `100 ${String(wss[4]).padStart(15)} |${"*".repeat(59)}|`,
        "",
      ].join("\n"),
    );
  });

  it("prints human-readable sizes by default", async () => {
    const out = await reportWss(record(25), { szThres: 4096, nrColsBar: 0 });
    expect(out).toBe(["# target_id\t0", "# <percentile> <wss>", "# avr:\t92.000 KiB", "  0      84.000 KiB", " 25      88.000 KiB", " 50      92.000 KiB", " 75      96.000 KiB", "100     100.000 KiB", ""].join("\n"));
  });

  it("applies the access threshold, time order, all values, and per-target tables", async () => {
    const two = record(23, 1).map((s, i) => ({ ...s, targets: [...s.targets, ...record(23, 2, 1)[i].targets] }));
    const perTarget = await reportWss(two, { accThres: 2, allWss: true, rawNumber: true, collapseTargets: false });
    expect(perTarget).toBe(
      ["# target_id\t1", "# <percentile> <wss>", `# avr:\t${22 * 4096}`, `0 ${21 * 4096}`, `1 ${22 * 4096}`, `2 ${23 * 4096}`, "# target_id\t2", "# <percentile> <wss>", "# avr:\t0", "0 0", "1 0", "2 0", ""].join("\n"),
    );
    // collapsed (damo's default): the sorted lists added index by index
    const collapsed = await reportWss(two, { allWss: true, rawNumber: true });
    expect(collapsed).toContain(`0 ${2 * (21 * 4096 + 8)}`);
    const byTime = await reportWss(record(25).reverse().map((s, i) => ({ ...s, startNs: i * 100 * ms, endNs: (i + 1) * 100 * ms })), { sortby: "time", excludeSamples: 0, range: [0, 101, 50], rawNumber: true, nrColsBar: 0 });
    expect(byTime.split("\n").slice(3, 6)).toEqual([`  0 ${String(25 * 4096 + 8).padStart(15)}`, ` 50 ${String(13 * 4096 + 8).padStart(15)}`, `100 ${String(4096 + 8).padStart(15)}`]);
  });

  it("re-aggregates to --work_time first", async () => {
    // 100 ms snapshots folded into 300 ms: each group takes the largest hot region, 25 -> 8 groups
    const out = await reportWss(record(25), { workTime: 300_000, excludeSamples: 0, allWss: true, rawNumber: true });
    expect(out.split("\n").slice(3, 5)).toEqual([`0 ${3 * 4096 + 8}`, `1 ${6 * 4096 + 8}`]);
    expect(out.split("\n").filter((l) => /^\d+ /.test(l))).toHaveLength(8);
  });
});

describe("report nr_regions", () => {
  it("prints damo's percentile lines after the first 20 snapshots", async () => {
    const snapshots = record(30).map((s, i) => ({ ...s, targets: [{ ...s.targets[0], regions: s.targets[0].regions.slice(0, 1 + (i % 3)) }] }));
    // kept: i = 20..29 -> counts 3,1,2,3,1,2,3,1,2,3 -> sorted 1,1,1,2,2,2,3,3,3,3
    expect(await reportNrRegions(snapshots)).toBe(["# <percentile> <# regions>", "# target_id\t0", "# avr:\t2", "0\t1", "25\t1", "50\t2", "75\t3", "100\t3", ""].join("\n"));
    expect(await reportNrRegions(snapshots, { sortby: "time", range: [0, 100, 50] })).toBe(["# <percentile> <# regions>", "# target_id\t0", "# avr:\t2", "0\t3", "50\t2", ""].join("\n"));
  });
});
