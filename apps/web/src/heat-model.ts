import { collectSeries, computeHeatmaps, guidesOf, type Guide, type GuideRegion, type Heatmap, type TargetId } from "@damon-sim/record";
import type { LogReader } from "./snapshot-log.js";

/** What to draw: a zoom, and for a live run the whole planned time span (so the map fills up). */
export interface HeatView {
  zoom: [number, number] | null;
  /** Live: the run's planned length in ns, fixing the time axis. Undefined: the record's own span. */
  spanNs?: number;
}

/**
 * The heatmap of the snapshot log, binned by the record package exactly as `report heatmap`
 * does. While a run goes on, only new snapshots are binned (each batch starting at the last
 * binned one, which computeHeatmaps skips); a changed range bins everything again, and so
 * does `exact`, which also leaves the time range to computeHeatmaps, as the report does.
 */
export class HeatModel {
  readonly resol: [number, number];
  map: Heatmap | null = null;
  guides: Guide[] = [];
  #guidedAt = 0;
  #binned = 0;
  #key = "";
  // Bumped by reset, so that an update still running for the previous log drops its result.
  #generation = 0;

  constructor(resol: [number, number]) {
    this.resol = resol;
  }

  reset(): void {
    this.#generation++;
    this.map = null;
    this.guides = [];
    this.#guidedAt = 0;
    this.#binned = 0;
    this.#key = "";
  }

  /** The target drawn: the one covering the most address space (the report's default). */
  get tid(): TargetId | undefined {
    return this.guides[0]?.id;
  }

  /** The address range drawn unless zoomed: the guide range with the most heat per byte. */
  defaultRange(): [number, number] | null {
    const regions = this.guides[0]?.regions;
    if (!regions?.length) return null;
    const best = [...regions].sort((a, b) => heatPerByte(b) - heatPerByte(a))[0];
    return [best.start, best.end];
  }

  /** Bins what the reader has; returns whether the map changed. */
  async update(reader: LogReader, view: HeatView, exact: boolean): Promise<boolean> {
    const n = reader.count;
    if (n === 0 || (n === this.#binned && !exact)) return false;
    const generation = this.#generation;
    // Guides cost a pass over everything: refresh them as the count doubles, and at the end.
    if (exact || n >= 2 * this.#guidedAt) {
      const guides = guidesOf(await collectSeries(reader.snapshots(0, n)));
      if (generation !== this.#generation) return false;
      this.guides = guides;
      this.#guidedAt = n;
    }
    const range = view.zoom ?? this.defaultRange();
    const guide = this.guides[0];
    if (!range || !guide) return false;
    const timeRange: [number, number] | undefined = !exact && view.spanNs ? [guide.startNs, guide.startNs + view.spanNs] : undefined;
    const options = { tid: guide.id, addressRange: [range], timeRange, resol: this.resol };
    const key = JSON.stringify({ ...options, tid: String(guide.id) });
    const previous = exact || key !== this.#key ? null : this.map;
    const [map] = await computeHeatmaps(reader.snapshots(previous ? this.#binned - 1 : 0, n), options);
    if (generation !== this.#generation) return false;
    if (previous) addHeats(previous.heats, map.heats);
    else this.map = map;
    this.#key = key;
    this.#binned = n;
    return true;
  }
}

function heatPerByte(r: GuideRegion): number {
  return r.heats === null || r.end === r.start ? 0 : r.heats / (r.end - r.start);
}

// NaN is "nothing fell here": it only stays NaN where both are.
function addHeats(into: Float64Array, more: Float64Array): void {
  for (let i = 0; i < into.length; i++) {
    const m = more[i];
    if (Number.isNaN(m)) continue;
    const v = into[i];
    into[i] = Number.isNaN(v) ? m : v + m;
  }
}
