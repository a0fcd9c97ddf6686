import { targetIdText, targetKey } from "../numbers.js";
import { collectSeries } from "../series.js";
import type { RecordMeta, SnapshotSource } from "../types.js";
import { formatSz, formatTimeNs } from "../pyfmt.js";

export interface RawReportOptions {
  /** damo's --raw_number: plain integers instead of human-readable times and sizes. */
  rawNumber?: boolean;
  /** For each record's "data source" line (damo prints "unknown" when the file has none). */
  meta?: RecordMeta;
}

/** damo's `report access --raw_form` (v3): every snapshot of every target, region by region. */
export async function reportRaw(snapshots: SnapshotSource, options: RawReportOptions = {}): Promise<string> {
  const raw = options.rawNumber ?? false;
  const out: string[] = [];
  for (const series of await collectSeries(snapshots)) {
    const base = series.snapshots[0].startNs;
    const source = options.meta?.targets.find((t) => targetKey(t.id) === targetKey(series.id))?.dataSource ?? "unknown";
    out.push(`base_time_absolute: ${formatTimeNs(base, raw)}\n`, `data source: ${source}\n\n`);
    for (const s of series.snapshots) {
      out.push(
        `monitoring_start:    ${formatTimeNs(s.startNs - base, raw).padStart(16)}\n`,
        `monitoring_end:      ${formatTimeNs(s.endNs - base, raw).padStart(16)}\n`,
        `monitoring_duration: ${formatTimeNs(s.endNs - s.startNs, raw).padStart(16)}\n`,
        `target_id: ${targetIdText(series.id)}\n`,
        `nr_regions: ${s.regions.length}\n`,
        "# start_addr     end_addr        length  nr_accesses   age\n",
      );
      for (const r of s.regions) {
        const range = `${hex12(r.start)}-${hex12(r.end)}`;
        out.push(`${range} (${formatSz(r.end - r.start, raw).padStart(12)}) ${String(r.nrAccesses).padStart(11)} ${String(r.age ?? -1).padStart(5)}\n`);
      }
      out.push("\n");
    }
  }
  return out.join("");
}

function hex12(n: number): string {
  return n.toString(16).padStart(12, "0");
}
