import { targetKey } from "./numbers.js";
import type { RecordRegion, SnapshotSource, TargetId } from "./types.js";

/** One target's snapshot with its start known. */
export interface SeriesSnapshot {
  startNs: number;
  endNs: number;
  regions: RecordRegion[];
}

/** What damo calls a record: one target's snapshots in time order. */
export interface TargetSeries {
  id: TargetId;
  snapshots: SeriesSnapshot[];
  /** The first start was inferred, so damo holds it (and times relative to it) as a Python float. */
  inferredStart: boolean;
}

/**
 * Splits snapshots per target, in order of first appearance, and fills a missing first start
 * as damo does: the first end minus the mean snapshot length.
 */
export async function collectSeries(source: SnapshotSource): Promise<TargetSeries[]> {
  const byKey = new Map<string, { id: TargetId; starts: Array<number | null>; ends: number[]; regions: RecordRegion[][] }>();
  for await (const snapshot of source) {
    for (const t of snapshot.targets) {
      const key = targetKey(t.id);
      let s = byKey.get(key);
      if (!s) byKey.set(key, (s = { id: t.id, starts: [], ends: [], regions: [] }));
      s.starts.push(snapshot.startNs);
      s.ends.push(snapshot.endNs);
      s.regions.push(t.regions);
    }
  }
  return [...byKey.values()].map(({ id, starts, ends, regions }) => {
    const n = ends.length;
    const inferredStart = starts[0] === null;
    if (inferredStart) starts[0] = n >= 2 ? ends[0] - (ends[n - 1] - ends[0]) / (n - 1) : ends[0];
    const snapshots = ends.map((endNs, i) => ({ startNs: starts[i] ?? ends[i - 1], endNs, regions: regions[i] }));
    return { id, snapshots, inferredStart };
  });
}
