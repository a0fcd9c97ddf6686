import { targetIdText } from "../numbers.js";
import { collectSeries } from "../series.js";
import type { SnapshotSource } from "../types.js";
import { percentileIndex, pyInt, pyRange } from "../pyfmt.js";

export interface NrRegionsReportOptions {
  /** Percentiles as Python's range(start, stop, step); default 0, 25, 50, 75, 100. */
  range?: [number, number, number];
  /** "size" sorts the counts (the default); "time" keeps them in time order. */
  sortby?: "size" | "time";
}

/**
 * damo's `report nr_regions`: per target, the number of regions per snapshot after the first 20
 * (which DAMON has not adapted yet), as "<percentile>\t<count>" lines.
 */
export async function reportNrRegions(snapshots: SnapshotSource, options: NrRegionsReportOptions = {}): Promise<string> {
  const percentiles = options.range ? pyRange(...options.range) : [0, 25, 50, 75, 100];
  const lines = ["# <percentile> <# regions>"];
  for (const series of await collectSeries(snapshots)) {
    const counts = series.snapshots.slice(20).map((s) => s.regions.length);
    if (options.sortby !== "time") counts.sort((a, b) => a - b);
    lines.push(`# target_id\t${targetIdText(series.id)}`);
    if (counts.length === 0) {
      lines.push("# no snapshot");
      continue;
    }
    lines.push(`# avr:\t${pyInt(counts.reduce((a, b) => a + b, 0) / counts.length)}`);
    for (const p of percentiles) lines.push(`${p}\t${counts[percentileIndex(p, counts.length)]}`);
  }
  return lines.join("\n") + "\n";
}
