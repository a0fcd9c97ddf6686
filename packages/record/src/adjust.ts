import { targetKey } from "./numbers.js";
import type { RecordMeta, RecordRegion, RecordSnapshot, RecordTarget, SnapshotSource } from "./types.js";

export interface AdjustOptions {
  /** The new aggregation interval, in microseconds. */
  aggregateIntervalUs: number;
  /** Snapshots to drop first, per target (damo adjust's --skip, default 20). */
  skip?: number;
}

interface Timed {
  startNs: number | null;
  endNs: number;
  regions: RecordRegion[];
}

/**
 * damo's adjusted_snapshots for one target: after `skip` snapshots, gathers snapshots until
 * they span at least the interval and folds them into one; a trailing partial group is dropped.
 */
export class Regrouper {
  private skipped = 0;
  private group: Timed[] = [];

  constructor(
    private readonly intervalUs: number,
    private readonly skip: number,
  ) {}

  push(s: Timed): Timed | null {
    if (this.skipped < this.skip) {
      this.skipped++;
      return null;
    }
    this.group.push(s);
    const first = this.group[0];
    // An unknown first start (perf/binary streams) counts from that snapshot's end.
    if (s.endNs - (first.startNs ?? first.endNs) < this.intervalUs * 1000) return null;
    const done = this.group;
    this.group = [];
    return { startNs: first.startNs, endNs: s.endNs, regions: aggregateRegions(done.map((d) => d.regions)) };
  }
}

/**
 * damo's aggregate_snapshots: the first snapshot's regions, then each later region adds its
 * accesses to the first region it overlaps (the highest per snapshot), and the parts of it
 * that stick out are added the same way or appended. Region order is damo's, not sorted.
 */
export function aggregateRegions(snapshots: RecordRegion[][]): RecordRegion[] {
  const out: RecordRegion[] = [];
  for (const regions of snapshots) {
    const add = new Map<RecordRegion, number>();
    for (const r of regions) addRegion(out, { start: r.start, end: r.end, nrAccesses: r.nrAccesses, age: r.age }, add);
    for (const [r, n] of add) r.nrAccesses += n;
  }
  return out;
}

function addRegion(out: RecordRegion[], region: RecordRegion, add: Map<RecordRegion, number>): void {
  for (const r of out) {
    if (region.end <= r.start || r.end <= region.start) continue;
    add.set(r, Math.max(add.get(r) ?? 0, region.nrAccesses));
    if (region.start < r.start) addRegion(out, { ...region, end: r.start }, add);
    if (r.end < region.end) addRegion(out, { ...region, start: r.end }, add);
    return;
  }
  out.push(region);
}

/** damo adjust: re-aggregates every target's snapshots to a longer interval, streaming. */
export async function* adjust(snapshots: SnapshotSource, options: AdjustOptions): AsyncGenerator<RecordSnapshot> {
  const groupers = new Map<string, Regrouper>();
  for await (const snapshot of snapshots) {
    // targets whose new snapshot completes here with the same window stay together
    const ready: RecordSnapshot[] = [];
    for (const t of snapshot.targets) {
      const key = targetKey(t.id);
      let g = groupers.get(key);
      if (!g) groupers.set(key, (g = new Regrouper(options.aggregateIntervalUs, options.skip ?? 20)));
      const done = g.push({ startNs: snapshot.startNs, endNs: snapshot.endNs, regions: t.regions });
      if (!done) continue;
      const target: RecordTarget = { id: t.id, regions: done.regions };
      const same = ready.find((r) => r.startNs === done.startNs && r.endNs === done.endNs);
      if (same) same.targets.push(target);
      else ready.push({ startNs: done.startNs, endNs: done.endNs, targets: [target] });
    }
    yield* ready;
  }
}

/** The meta of an adjusted record: damo sets every record's aggregation interval to the new one. */
export function adjustMeta(meta: RecordMeta, aggregateIntervalUs: number): RecordMeta {
  return { targets: meta.targets.map((t) => ({ ...t, intervals: t.intervals && { ...t.intervals, aggrUs: aggregateIntervalUs } })) };
}
