import type { AggregationSnapshot } from "@damon-sim/core";
import type { RecordSnapshot } from "@damon-sim/record";
import type { EntrySource } from "./snapshot-log.js";

/** A live aggregation as a log entry (read during the snapshot listener, which is when it is valid). */
export function snapshotEntry(s: AggregationSnapshot): EntrySource {
  const first = s.targets[0];
  return {
    startNs: s.startUs * 1000,
    endNs: s.endUs * 1000,
    residentBytes: first?.residentBytes ?? null,
    majorFaults: first?.majorFaults ?? null,
    // damo records the 6.x tracepoint's target index as the id (as Session's record does)
    targets: s.targets.map((t) => ({ id: t.index, first: t.first, nrRegions: t.nrRegions })),
    start: (i) => s.start(i),
    end: (i) => s.end(i),
    nrAccesses: (i) => s.nrAccesses(i),
    age: (i) => s.age(i),
  };
}

/** A snapshot read from a record file as a log entry. */
export function recordEntry(s: RecordSnapshot): EntrySource {
  const flat = s.targets.flatMap((t) => t.regions);
  let first = 0;
  return {
    startNs: s.startNs,
    endNs: s.endNs,
    residentBytes: null,
    majorFaults: null,
    targets: s.targets.map((t) => {
      const target = { id: t.id, first, nrRegions: t.regions.length };
      first += t.regions.length;
      return target;
    }),
    start: (i) => flat[i].start,
    end: (i) => flat[i].end,
    nrAccesses: (i) => flat[i].nrAccesses,
    age: (i) => flat[i].age,
  };
}
