import { ReportError } from "../errors.js";
import { targetIdText, targetKey } from "../numbers.js";
import { collectSeries, type SeriesSnapshot } from "../series.js";
import type { RecordMeta, SnapshotSource, TargetId } from "../types.js";
import { type Colorset } from "./colors.js";
import { formatGuides, guidesOf, heatPerByte } from "./guide.js";
import { heatmapAscii, heatmapRaw } from "./heatmap-text.js";
import { heatmapPng, heatmapSvg } from "./heatmap-image.js";

/** Heat per pixel: time rows × address columns, row-major; NaN where no snapshot fell. */
export interface Heatmap {
  targetId: TargetId;
  rows: number;
  cols: number;
  timeStart: number;
  /** damo holds an inferred start as a float, which shows in raw output. */
  timeStartIsFloat: boolean;
  timeUnit: number;
  addrStart: number;
  addrUnit: number;
  heats: Float64Array;
}

export interface HeatmapOptions {
  /** stdout: coloured digits; raw: "<time>\t<addr>\t<heat>" lines; png / svg: an image. */
  output?: "stdout" | "raw" | "png" | "svg";
  /** [time rows, address columns]; default 40×80 for stdout, 500×500 otherwise. */
  resol?: [number, number];
  /** Absolute [start, end) in ns; default the target's whole record. */
  timeRange?: [number, number];
  /** Absolute address ranges to draw; default from drawRange. */
  addressRange?: Array<[number, number]>;
  /** "hottest" (default): the contiguous range with the most heat per byte; "all": each range. */
  drawRange?: "hottest" | "all";
  /** Target to draw; default the one covering the most address space. */
  tid?: TargetId;
  /** Raw output: absolute times / addresses instead of offsets from the range starts. */
  absTime?: boolean;
  absAddr?: boolean;
  /** Print the guide (time span and contiguous ranges per target) instead of a heatmap. */
  guide?: boolean;
  colorset?: Colorset;
  /** ANSI colours in stdout output (default true; pass false for NO_COLOR or a non-TTY). */
  color?: boolean;
  /** For the guide's kdamond/context/scheme lines. */
  meta?: RecordMeta;
}

/** One heatmap per address range to draw, binned as damo does. */
export async function computeHeatmaps(snapshots: SnapshotSource, options: HeatmapOptions = {}): Promise<Heatmap[]> {
  const series = await collectSeries(snapshots);
  if (series.length === 0) throw new ReportError("no snapshots to draw");
  const guides = guidesOf(series);
  const tid = options.tid === undefined ? guides[0].id : options.tid;
  const guide = guides.find((g) => targetKey(g.id) === targetKey(tid));
  const target = series.find((s) => targetKey(s.id) === targetKey(tid));
  if (!guide || !target) throw new ReportError(`no snapshots of target ${targetIdText(tid)}`);
  const [rows, cols] = options.resol ?? (options.output === undefined || options.output === "stdout" ? [40, 80] : [500, 500]);
  const [t0, t1] = options.timeRange ?? [guide.startNs, guide.endNs];
  const ranges =
    options.addressRange ??
    (options.drawRange === "all"
      ? guide.regions.map((r): [number, number] => [r.start, r.end])
      : [[...guide.regions].sort((a, b) => heatPerByte(b) - heatPerByte(a)).map((r): [number, number] => [r.start, r.end])[0]]);
  return ranges.map(([a0, a1]) => {
    const timeUnit = Math.floor((t1 - t0) / rows);
    const addrUnit = Math.floor((a1 - a0) / cols);
    if (!(timeUnit > 0 && addrUnit > 0)) throw new ReportError(`heatmap: time ${t0}-${t1} or address range ${a0}-${a1} is smaller than the ${rows}x${cols} resolution (see --resol)`);
    const map: Heatmap = {
      targetId: tid,
      rows,
      cols,
      timeStart: t0,
      timeStartIsFloat: options.timeRange === undefined && guide.startIsFloat,
      timeUnit,
      addrStart: a0,
      addrUnit,
      heats: new Float64Array(rows * cols).fill(Number.NaN),
    };
    // damo skips the first snapshot: perf and binary records cannot tell when it began
    for (const s of target.snapshots.slice(1)) addHeat(map, s);
    return map;
  });
}

function addHeat(map: Heatmap, s: SeriesSnapshot): void {
  const { rows, cols, timeStart, timeUnit, addrStart, addrUnit, heats } = map;
  const area = timeUnit * addrUnit;
  const addrEnd = addrStart + addrUnit * cols;
  const timeIdx = (t: number) => Math.trunc((t - timeStart) / timeUnit);
  const addrIdx = (a: number) => Math.trunc((a - addrStart) / addrUnit);
  for (const r of s.regions) {
    if (r.end < addrStart || addrEnd < r.start) continue;
    for (let row = Math.max(0, timeIdx(s.startNs)), lastRow = Math.min(rows - 1, timeIdx(s.endNs)); row <= lastRow; row++) {
      const pixelTime = Math.trunc(timeStart + row * timeUnit);
      const time = Math.min(s.endNs, pixelTime + timeUnit) - Math.max(s.startNs, pixelTime);
      for (let col = Math.max(0, addrIdx(r.start)), lastCol = Math.min(cols - 1, addrIdx(r.end)); col <= lastCol; col++) {
        const pixelAddr = Math.trunc(addrStart + col * addrUnit);
        const size = Math.min(r.end, pixelAddr + addrUnit) - Math.max(r.start, pixelAddr);
        const i = row * cols + col;
        const before = Number.isNaN(heats[i]) ? 0 : heats[i];
        // damo's arithmetic order, so that floats round the same
        heats[i] = (r.nrAccesses * time * size + before * area) / area;
      }
    }
  }
}

type TextOptions = HeatmapOptions & { output?: "stdout" | "raw" | "svg" };

/** damo's `report heatmap`: text for stdout/raw/svg (or the guide), PNG bytes for png. */
export function reportHeatmap(snapshots: SnapshotSource, options: HeatmapOptions & { output: "png"; guide?: false }): Promise<Uint8Array>;
export function reportHeatmap(snapshots: SnapshotSource, options?: TextOptions): Promise<string>;
export function reportHeatmap(snapshots: SnapshotSource, options: HeatmapOptions): Promise<string | Uint8Array>;
export async function reportHeatmap(snapshots: SnapshotSource, options: HeatmapOptions = {}): Promise<string | Uint8Array> {
  if (options.guide) return formatGuides(guidesOf(await collectSeries(snapshots)), options.meta);
  const maps = await computeHeatmaps(snapshots, options);
  switch (options.output ?? "stdout") {
    case "png":
      return heatmapPng(maps[0]);
    case "svg":
      return heatmapSvg(maps[0]);
    case "raw":
      return maps.map((m) => heatmapRaw(m, options) + "\n").join("");
    default:
      return maps.map((m) => heatmapAscii(m, options) + "\n").join("");
  }
}
