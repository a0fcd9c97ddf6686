import { Regrouper } from "../adjust.js";
import { targetIdText } from "../numbers.js";
import { collectSeries } from "../series.js";
import type { SnapshotSource } from "../types.js";
import { formatDist } from "./dist.js";
import { formatSz, pyRange } from "../pyfmt.js";

export interface WssReportOptions {
  /** Percentiles as Python's range(start, stop, step); default [0, 101, 25]. */
  range?: [number, number, number];
  /** Regions with at least this many accesses are in the working set (default 1). */
  accThres?: number;
  /** ... and at least this many bytes (default 1). */
  szThres?: number;
  /** Snapshots dropped first (default 20). */
  excludeSamples?: number;
  /** Re-aggregate snapshots to this interval first, in µs (default 1: as recorded). */
  workTime?: number;
  /** "size" sorts the values (a distribution, the default); "time" keeps them in time order. */
  sortby?: "size" | "time";
  rawNumber?: boolean;
  /** Bar column width (default 59; 0 for none). */
  nrColsBar?: number;
  /** Every working set size instead of percentiles. */
  allWss?: boolean;
  /** Sum targets into one table labelled target 0 (damo's default) or one table per target. */
  collapseTargets?: boolean;
}

/** damo's `report wss`: the distribution of working set sizes over snapshots. */
export async function reportWss(snapshots: SnapshotSource, options: WssReportOptions = {}): Promise<string> {
  const [start, stop, step] = options.range ?? [0, 101, 25];
  const accThres = options.accThres ?? 1;
  const szThres = options.szThres ?? 1;
  const dists: Array<{ id: string; values: number[] }> = [];
  for (const series of await collectSeries(snapshots)) {
    const grouper = new Regrouper(options.workTime ?? 1, options.excludeSamples ?? 20);
    const values: number[] = [];
    for (const s of series.snapshots) {
      const done = grouper.push(s);
      if (done) values.push(done.regions.reduce((sum, r) => (r.nrAccesses >= accThres && r.end - r.start >= szThres ? sum + r.end - r.start : sum), 0));
    }
    if (options.sortby !== "time") values.sort((a, b) => a - b);
    dists.push({ id: targetIdText(series.id), values });
  }
  let tables = dists;
  if (options.collapseTargets ?? true) {
    // damo adds the targets' (sorted) lists index by index
    const sum: number[] = [];
    for (const d of dists) d.values.forEach((v, i) => (sum[i] = (sum[i] ?? 0) + v));
    tables = [{ id: "0", values: sum }];
  }
  const o = { percentiles: pyRange(start, stop, step), all: options.allWss ?? false, rawNumber: options.rawNumber ?? false, nrColsBar: options.nrColsBar ?? 59 };
  return tables.map((t) => `# target_id\t${t.id}\n${formatDist("wss", t.values, formatSz, o)}\n`).join("");
}
