import { describe, expect, it } from "vitest";
import { adjust, adjustMeta, aggregateRegions } from "./adjust.js";
import type { RecordRegion, RecordSnapshot } from "./types.js";

const r = (start: number, end: number, nrAccesses: number, age: number | null = null): RecordRegion => ({ start, end, nrAccesses, age });
const MS = 1_000_000;

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of source) out.push(x);
  return out;
}

describe("adjust", () => {
  it("folds snapshots as damo does: the highest overlapping count is added, uncovered parts appended", () => {
    // damo's own example: 1-10:5 then 1-5:2, 5-10:4 gives 1-10:9
    expect(aggregateRegions([[r(1, 10, 5)], [r(1, 5, 2), r(5, 10, 4)]])).toEqual([r(1, 10, 9)]);
    // a later region sticking out on both sides: the outer parts are appended in order
    expect(aggregateRegions([[r(10, 20, 1, 3)], [r(0, 30, 2, 7)]])).toEqual([r(10, 20, 3, 3), r(0, 10, 2, 7), r(20, 30, 2, 7)]);
    // the inputs are not modified
    const first = [r(0, 4, 1)];
    aggregateRegions([first, [r(0, 4, 1)]]);
    expect(first).toEqual([r(0, 4, 1)]);
  });

  it("skips, groups to the new interval, drops a trailing partial group, and keeps targets together", async () => {
    const snapshots: RecordSnapshot[] = Array.from({ length: 10 }, (_, i) => ({
      startNs: i * 100 * MS,
      endNs: (i + 1) * 100 * MS,
      targets: [
        { id: 1, regions: [r(0, 4096, i)] },
        { id: 2, regions: [r(8192, 12288, 1)] },
      ],
    }));
    const out = await collect(adjust(snapshots, { aggregateIntervalUs: 300_000, skip: 2 }));
    expect(out).toEqual([
      { startNs: 200 * MS, endNs: 500 * MS, targets: [{ id: 1, regions: [r(0, 4096, 2 + 3 + 4)] }, { id: 2, regions: [r(8192, 12288, 3)] }] },
      { startNs: 500 * MS, endNs: 800 * MS, targets: [{ id: 1, regions: [r(0, 4096, 5 + 6 + 7)] }, { id: 2, regions: [r(8192, 12288, 3)] }] },
    ]);
  });

  it("sets the new aggregation interval in the meta", () => {
    const meta = { targets: [{ id: 0, kdamondIdx: 0, contextIdx: 0, schemeIdx: null, intervals: { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000 }, schemeFilters: [], dataSource: "unknown" }] };
    expect(adjustMeta(meta, 1_000_000).targets[0].intervals).toEqual({ sampleUs: 5000, aggrUs: 1_000_000, opsUpdateUs: 1_000_000 });
    expect(meta.targets[0].intervals.aggrUs).toBe(100_000);
  });
});
