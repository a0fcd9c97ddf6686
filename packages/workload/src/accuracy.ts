import { maxNrAccesses, type AggregationSnapshot, type DamonContext } from "@damon-sim/core";
import type { FrequencyMap } from "./truth/frequency-map.js";
import type { GroundTruth } from "./truth/ground-truth.js";
import type { Workload } from "./workload.js";

export interface AccuracyOptions {
  /** Access frequency (0–1) from which memory counts as hot, for DAMON (nr_accesses / max) and the truth alike. Default 0.5. */
  hotThreshold?: number;
  /**
   * DAMON's working set is its regions with nr_accesses at least this (damo wss's acc_thres,
   * default 1); the truth's is its pages accessed in at least this many of max_nr_accesses windows.
   */
  wssMinNrAccesses?: number;
  /** Leave out aggregation intervals that end within this many µs of the first one's start (DAMON's adaptation). Default 0. */
  skipUs?: number;
}

/** One aggregation interval compared; sizes in bytes. */
export interface AggregationAccuracy {
  startUs: number;
  endUs: number;
  wssDamon: number;
  wssTrue: number;
  hotDamon: number;
  hotTrue: number;
  /** Hot according to both. */
  hotBoth: number;
  /** Σ over bytes of |DAMON's frequency − the true one|. */
  absError: number;
  /** Bytes compared: DAMON's regions and the workload's memory together. */
  bytes: number;
}

export interface AccuracyReport {
  aggregations: number;
  wss: {
    meanTrueBytes: number;
    meanDamonBytes: number;
    meanAbsErrorBytes: number;
    /** Σ |DAMON − true| / Σ true over the intervals. */
    relativeError: number;
  };
  hotSet: {
    threshold: number;
    /** Of the bytes DAMON called hot, the share that were (1 when DAMON called none hot). */
    precision: number;
    /** Of the truly hot bytes, the share DAMON called hot (1 when none were). */
    recall: number;
  };
  /** Byte-weighted mean absolute error of the access frequency (0–1). */
  frequencyMae: number;
}

/** The regions of one target in a snapshot, as DAMON saw them. */
export interface DamonRegions {
  count: number;
  start(i: number): number;
  end(i: number): number;
  nrAccesses(i: number): number;
}

/**
 * Compares DAMON's regions with the truth over one aggregation interval, byte by byte. A
 * region's frequency is nr_accesses / max_nr_accesses for all its bytes; bytes outside any
 * region count as 0 for DAMON, bytes outside the truth's map as never accessed.
 */
export function compareAggregation(
  damon: DamonRegions,
  maxNr: number,
  truth: FrequencyMap,
  options: AccuracyOptions = {},
): Omit<AggregationAccuracy, "startUs" | "endUs"> {
  const hot = options.hotThreshold ?? 0.5;
  const wssNr = options.wssMinNrAccesses ?? 1;
  const wssFreq = wssNr / maxNr - 1e-9;
  const out = { wssDamon: 0, wssTrue: 0, hotDamon: 0, hotTrue: 0, hotBoth: 0, absError: 0, bytes: 0 };
  const nd = damon.count;
  const nt = truth.length;
  let i = 0;
  let j = 0;
  let pos = -Infinity;
  while (i < nd || j < nt) {
    const ds = i < nd ? damon.start(i) : Infinity;
    const de = i < nd ? damon.end(i) : Infinity;
    const ts = j < nt ? truth.starts[j] : Infinity;
    const te = j < nt ? truth.ends[j] : Infinity;
    if (pos < ds && pos < ts) pos = Math.min(ds, ts);
    const inD = pos >= ds;
    const inT = pos >= ts;
    const next = Math.min(inD ? de : ds, inT ? te : ts);
    const bytes = next - pos;
    const nr = inD ? damon.nrAccesses(i) : 0;
    const fd = nr / maxNr;
    const ft = inT ? truth.freq[j] : 0;
    out.bytes += bytes;
    out.absError += Math.abs(fd - ft) * bytes;
    if (inD && nr >= wssNr) out.wssDamon += bytes;
    if (ft >= wssFreq) out.wssTrue += bytes;
    if (fd >= hot) out.hotDamon += bytes;
    if (ft >= hot) out.hotTrue += bytes;
    if (fd >= hot && ft >= hot) out.hotBoth += bytes;
    pos = next;
    if (inD && pos >= de) i++;
    if (inT && pos >= te) j++;
  }
  return out;
}

/** The run's metrics from its compared intervals (the definitions are in the README). */
export function summarize(intervals: readonly AggregationAccuracy[], hotThreshold = 0.5): AccuracyReport {
  const sum = (key: keyof AggregationAccuracy) => intervals.reduce((total, a) => total + a[key], 0);
  const n = intervals.length;
  const wssTrue = sum("wssTrue");
  const wssAbs = intervals.reduce((total, a) => total + Math.abs(a.wssDamon - a.wssTrue), 0);
  const hotBoth = sum("hotBoth");
  const hotDamon = sum("hotDamon");
  const hotTrue = sum("hotTrue");
  const bytes = sum("bytes");
  return {
    aggregations: n,
    wss: {
      meanTrueBytes: n ? wssTrue / n : 0,
      meanDamonBytes: n ? sum("wssDamon") / n : 0,
      meanAbsErrorBytes: n ? wssAbs / n : 0,
      relativeError: wssTrue ? wssAbs / wssTrue : wssAbs ? Infinity : 0,
    },
    hotSet: {
      threshold: hotThreshold,
      precision: hotDamon ? hotBoth / hotDamon : 1,
      recall: hotTrue ? hotBoth / hotTrue : 1,
    },
    frequencyMae: bytes ? sum("absError") / bytes : 0,
  };
}

/** Compares every aggregation of a context with the ground truth of one workload. */
export class AccuracyTracker {
  readonly truth: GroundTruth;
  readonly intervals: AggregationAccuracy[] = [];
  readonly #options: AccuracyOptions;
  readonly #off: () => void;
  readonly #pid: number;
  #firstStart = -1;

  constructor(truth: GroundTruth, pid: number, options: AccuracyOptions = {}) {
    this.truth = truth;
    this.#pid = pid;
    this.#options = options;
    this.#off = truth.onInterval((t, snapshot) => this.#add(t.map, snapshot));
  }

  report(): AccuracyReport {
    return summarize(this.intervals, this.#options.hotThreshold);
  }

  /** Stops tracking (and the ground truth). */
  dispose(): void {
    this.#off();
    this.truth.dispose();
  }

  #add(map: FrequencyMap, s: AggregationSnapshot): void {
    if (this.#firstStart < 0) this.#firstStart = s.startUs;
    if (s.endUs - this.#firstStart <= (this.#options.skipUs ?? 0)) return;
    const target = s.targets.find((t) => t.id === this.#pid);
    const first = target?.first ?? 0;
    const regions: DamonRegions = {
      count: target?.nrRegions ?? 0,
      start: (i) => s.start(first + i),
      end: (i) => s.end(first + i),
      nrAccesses: (i) => s.nrAccesses(first + i),
    };
    const max = maxNrAccesses(s.context.attrs);
    this.intervals.push({ startUs: s.startUs, endUs: s.endUs, ...compareAggregation(regions, max, map, this.#options) });
  }
}

/** Ground truth and accuracy of `ctx`'s view of `workload`, from now on. */
export function trackAccuracy(workload: Workload, ctx: DamonContext, options: AccuracyOptions = {}): AccuracyTracker {
  return new AccuracyTracker(workload.groundTruth(ctx), workload.task.pid, options);
}
