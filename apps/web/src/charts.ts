import uPlot from "uplot";
import type { LogReader } from "./snapshot-log.js";

const MIB = 2 ** 20;
// setData re-scans and redraws every point: at most a few times a second while data streams
// in, and as the points pile up, never more than 1/BUDGET of the page's time.
const REDRAW_EVERY_MS = 250;
const BUDGET = 20;

interface ChartSpec {
  title: string;
  series: Array<{ label: string; stroke: string; scale?: string; dash?: number[] }>;
  /** Scale of a right-hand axis, if any, and its label. */
  right?: { scale: string; label: string };
  yLabel: string;
  /** Fixed y range, e.g. percentages. */
  range?: [number, number];
}

const SPECS: ChartSpec[] = [
  {
    title: "Working set size",
    yLabel: "MiB",
    series: [
      { label: "DAMON", stroke: "#58a6ff" },
      { label: "ground truth", stroke: "#7ee787", dash: [4, 3] },
    ],
  },
  { title: "Regions", yLabel: "nr_regions", series: [{ label: "nr_regions", stroke: "#d2a8ff" }] },
  {
    title: "Memory",
    yLabel: "MiB resident",
    right: { scale: "faults", label: "major faults" },
    series: [
      { label: "resident", stroke: "#ffa657" },
      { label: "major faults", stroke: "#ff7b72", scale: "faults" },
    ],
  },
  {
    title: "Accuracy",
    yLabel: "%",
    range: [0, 100],
    series: [
      { label: "hot precision", stroke: "#7ee787" },
      { label: "recall", stroke: "#58a6ff" },
      { label: "freq. error", stroke: "#ff7b72" },
    ],
  },
];

/** Charts over (virtual) time for every aggregation: WSS, regions, resident size and faults, accuracy. */
export class ChartsPanel {
  readonly #plots: uPlot[] = [];
  // Columns: time (s), then each chart's series in SPECS order.
  #columns: Array<Array<number | null>> = [];
  #t0: number | null = null;
  #dirty = false;
  #lastDraw = 0;
  #lastCost = 0;

  constructor(host: HTMLElement) {
    for (const spec of SPECS) {
      const cell = document.createElement("figure");
      cell.className = "chart";
      cell.setAttribute("aria-label", spec.title);
      const caption = document.createElement("figcaption");
      caption.textContent = spec.title;
      for (const series of spec.series) {
        const key = document.createElement("span");
        key.className = "key";
        key.style.setProperty("--swatch", series.stroke);
        key.textContent = series.label;
        caption.append(key);
      }
      cell.append(caption);
      host.append(cell);
      const plot = new uPlot(options(spec, cell), [[], ...spec.series.map(() => [])], cell);
      this.#plots.push(plot);
      new ResizeObserver(() => plot.setSize(size(cell))).observe(cell);
    }
    this.reset();
  }

  reset(): void {
    this.#columns = [[], ...SPECS.flatMap((s) => s.series.map(() => []))];
    this.#t0 = null;
    this.#dirty = true;
    this.flush(true);
  }

  /** Adds entries [from, to) of the log. */
  append(reader: LogReader, from: number, to: number): void {
    const cols = this.#columns;
    for (let i = from; i < to; i++) {
      this.#t0 ??= reader.startNs(i) ?? reader.endNs(i);
      const { nrRegions, wss } = reader.stats(i);
      const a = reader.accuracy(i);
      const values = [
        (reader.endNs(i) - this.#t0) / 1e9,
        wss / MIB,
        a.wssTrue / MIB,
        nrRegions,
        reader.residentBytes(i) / MIB,
        reader.majorFaults(i),
        a.hotPrecision * 100,
        a.hotRecall * 100,
        a.frequencyMae * 100,
      ];
      values.forEach((v, k) => cols[k].push(Number.isNaN(v) ? null : v));
    }
    this.#dirty ||= to > from;
  }

  /** Whether something new waits for a redraw. */
  get pending(): boolean {
    return this.#dirty;
  }

  /** Redraws if there is something new (throttled unless `now`). */
  flush(now = false): void {
    const began = performance.now();
    if (!this.#dirty || (!now && began - this.#lastDraw < Math.max(REDRAW_EVERY_MS, BUDGET * this.#lastCost))) return;
    const [x, ...rest] = this.#columns;
    let k = 0;
    SPECS.forEach((spec, c) => {
      const ys = spec.series.map(() => rest[k++]);
      this.#plots[c].setData([x as number[], ...ys]);
    });
    this.#dirty = false;
    this.#lastDraw = performance.now();
    this.#lastCost = this.#lastDraw - began;
  }
}

function size(cell: HTMLElement): { width: number; height: number } {
  return { width: Math.max(120, cell.clientWidth), height: Math.max(60, cell.clientHeight - 20) };
}

function options(spec: ChartSpec, cell: HTMLElement): uPlot.Options {
  const axis = { stroke: "#9da7b3", grid: { stroke: "rgba(240,246,252,0.08)" }, ticks: { stroke: "rgba(240,246,252,0.15)" } };
  return {
    ...size(cell),
    legend: { show: false }, // the caption carries the keys
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false }, y: spec.range ? { range: spec.range } : {}, faults: {} },
    axes: [
      { ...axis, values: (_u, ticks) => ticks.map((t) => `${t} s`) },
      { ...axis, label: spec.yLabel, labelSize: 16, size: 48 },
      ...(spec.right ? [{ ...axis, scale: spec.right.scale, side: 1 as const, label: spec.right.label, labelSize: 16, size: 48, grid: { show: false } }] : []),
    ],
    series: [{ label: "time" }, ...spec.series.map((s) => ({ label: s.label, stroke: s.stroke, width: 1.5, scale: s.scale ?? "y", dash: s.dash }))],
  };
}
