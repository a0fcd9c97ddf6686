import { targetIdText, targetKey } from "../numbers.js";
import type { TargetSeries } from "../series.js";
import type { RecordMeta, TargetId } from "../types.js";
import { formatSz, formatTimeNs, pyInt } from "../pyfmt.js";

export interface GuideRegion {
  start: number;
  end: number;
  /** Sum of size × accesses of the regions that touch it; null when none was accessed. */
  heats: number | null;
}

/** damo's record guide for one target: time span and the contiguous address ranges it monitored. */
export interface Guide {
  id: TargetId;
  startNs: number;
  startIsFloat: boolean;
  endNs: number;
  regions: GuideRegion[];
}

export function heatPerByte(r: GuideRegion): number {
  return r.heats === null || r.end === r.start ? 0 : r.heats / (r.end - r.start);
}

/** Guides of all targets, the one covering the most address space first (damo's order). */
export function guidesOf(series: readonly TargetSeries[]): Guide[] {
  const guides = series.map((s) => {
    let lowest: number | null = null;
    let highest: number | null = null;
    let gaps: Array<[number, number]> = [];
    for (const snapshot of s.snapshots) {
      let last: number | null = null;
      const found: Array<[number, number]> = [];
      for (const r of snapshot.regions) {
        if (lowest === null || r.start < lowest) lowest = r.start;
        if (highest === null || r.end > highest) highest = r.end;
        if (last !== null && last !== r.start) found.push([last, r.start]);
        last = r.end;
      }
      gaps = gaps.length === 0 ? found : narrowGaps(gaps, found);
    }
    // contiguous ranges between the gaps that every snapshot had
    const bounds = [lowest ?? 0, ...gaps.flat(), highest ?? 0];
    const regions: GuideRegion[] = [];
    for (let i = 0; i < bounds.length; i += 2) regions.push({ start: bounds[i], end: bounds[i + 1], heats: null });
    for (const snapshot of s.snapshots) {
      for (const r of snapshot.regions) {
        if (r.nrAccesses === 0) continue;
        for (const g of regions) if (!(r.end < g.start || g.end < r.start)) g.heats = (g.heats ?? 0) + (r.end - r.start) * r.nrAccesses;
      }
    }
    const first = s.snapshots[0];
    return { id: s.id, startNs: first.startNs, startIsFloat: s.inferredStart, endNs: s.snapshots[s.snapshots.length - 1].endNs, regions };
  });
  const space = (g: Guide) => g.regions.reduce((n, r) => n + r.end - r.start, 0);
  return guides.sort((a, b) => space(b) - space(a));
}

// damo narrows each known gap by the new gaps it touches; gaps touching none stay as they were.
function narrowGaps(known: Array<[number, number]>, found: Array<[number, number]>): Array<[number, number]> {
  return known.map(([s, e]) => {
    for (const [fs, fe] of found) {
      if (!(e < fs || fe < s)) [s, e] = [Math.max(s, fs), Math.min(e, fe)];
    }
    return [s, e];
  });
}

/** damo's `report heatmap --guide` text. */
export function formatGuides(guides: readonly Guide[], meta?: RecordMeta): string {
  return guides
    .map((g) => {
      const m = meta?.targets.find((t) => targetKey(t.id) === targetKey(g.id));
      const idx = (v: number | null | undefined) => (v === null || v === undefined ? "None" : String(v));
      const lines = [
        `kdamond_idx: ${idx(m?.kdamondIdx)}`,
        `context_idx: ${idx(m?.contextIdx)}`,
        `scheme_idx: ${idx(m?.schemeIdx)}`,
        `target_id: ${targetIdText(g.id)}`,
        `time: ${pyInt(g.startNs)}-${pyInt(g.endNs)} (${formatTimeNs(g.endNs - g.startNs, false)})`,
        ...g.regions.map((r, i) => `region\t${String(i).padStart(2)}: ${pyInt(r.start).padStart(20, "0")}-${pyInt(r.end).padStart(20, "0")} (${formatSz(r.end - r.start, false)})`),
      ];
      return lines.join("\n") + "\n";
    })
    .join("");
}
