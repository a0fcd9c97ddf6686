import {
  FLAG_ACCESS_BP, FLAG_AGE, FLAG_MERGE_UNTIL_MAX, FLAG_SPLIT_KEEPS_ACCESSES, FLAG_SPLIT_KEEPS_AGE,
} from "@damon-sim/wasm";
import { DamonError } from "./errors.js";

/** Monitoring attributes; intervals in microseconds (spec 1.1). */
export interface DamonAttrs {
  sampleUs: number;
  aggrUs: number;
  opsUpdateUs: number;
  minNrRegions: number;
  maxNrRegions: number;
}

export const DEFAULT_ATTRS: Readonly<DamonAttrs> = Object.freeze({
  sampleUs: 5000,
  aggrUs: 100000,
  opsUpdateUs: 60000000,
  minNrRegions: 10,
  maxNrRegions: 1000,
});

/** Which kernel's algorithm to follow where versions differ. */
export interface KernelBehaviour {
  /** 5.16+: regions have an age, reset_aggregated saves last_nr_accesses. */
  age: boolean;
  /** 5.16+: a split-off region inherits age and last_nr_accesses. */
  splitKeepsAge: boolean;
  /** 6.7+: it also inherits nr_accesses and nr_accesses_bp. */
  splitKeepsAccesses: boolean;
  /** 6.7+: nr_accesses_bp is maintained every sample. */
  accessBp: boolean;
  /** Late 2024, backported to stable: merge again with a doubled threshold while above max_nr_regions. */
  mergeUntilMax: boolean;
  /** 6.1+: damon_set_regions fills holes between intersecting regions. */
  fillHoles: boolean;
  /** ≈6.7+, also stable: attrs with sample_interval > aggr_interval are invalid. */
  rejectSampleOverAggr: boolean;
  /**
   * 6.7+: aggregations and layout updates are counted in samples. Before, they fire when
   * `now - baseline >= interval`, with baselines set at context creation and not reset at
   * start, so the first aggregation of a long-lived context follows the first sample.
   */
  sampleCountTiming: boolean;
}

/** The newest behaviour: every switch on. */
export const LATEST_BEHAVIOUR: Readonly<KernelBehaviour> = Object.freeze({
  age: true,
  splitKeepsAge: true,
  splitKeepsAccesses: true,
  accessBp: true,
  mergeUntilMax: true,
  fillHoles: true,
  rejectSampleOverAggr: true,
  sampleCountTiming: true,
});

export function behaviourFlags(b: KernelBehaviour): number {
  return (
    (b.age ? FLAG_AGE : 0) |
    (b.splitKeepsAge ? FLAG_SPLIT_KEEPS_AGE : 0) |
    (b.splitKeepsAccesses ? FLAG_SPLIT_KEEPS_ACCESSES : 0) |
    (b.accessBp ? FLAG_ACCESS_BP : 0) |
    (b.mergeUntilMax ? FLAG_MERGE_UNTIL_MAX : 0)
  );
}

const U64_MAX = 2 ** 64;

/** damon_set_attrs' checks (spec 2.3, kunit damon_test_set_attrs). Throws EINVAL. */
export function validateAttrs(attrs: DamonAttrs, behaviour: KernelBehaviour = LATEST_BEHAVIOUR): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (!Number.isSafeInteger(value) || value < 0 || value >= U64_MAX) {
      throw new DamonError("EINVAL", `${name} must be an unsigned integer, got ${value}`);
    }
  }
  if (attrs.minNrRegions < 3) throw new DamonError("EINVAL", `min_nr_regions ${attrs.minNrRegions} < 3`);
  if (attrs.minNrRegions > attrs.maxNrRegions) {
    throw new DamonError("EINVAL", `min_nr_regions ${attrs.minNrRegions} > max_nr_regions ${attrs.maxNrRegions}`);
  }
  if (behaviour.rejectSampleOverAggr && attrs.sampleUs > attrs.aggrUs) {
    throw new DamonError("EINVAL", `sample interval ${attrs.sampleUs} > aggregation interval ${attrs.aggrUs}`);
  }
}

/** damon_max_nr_accesses: samples per aggregation (sample 0 counts as 1). */
export function maxNrAccesses(attrs: DamonAttrs): number {
  return Math.min(Math.floor(attrs.aggrUs / (attrs.sampleUs || 1)), 0xffffffff);
}

/** damon_moving_sum (kunit damon_test_moving_sum), in u32 arithmetic. */
export function movingSum(mvsum: number, nomvsum: number, lenWindow: number, newValue: number): number {
  const drop = Math.floor((nomvsum >>> 0) / lenWindow);
  return (mvsum - drop + newValue) >>> 0;
}

/**
 * damon_update_monitoring_result (6.3+): rescales a region's nr_accesses and age when the
 * attributes change while monitoring (kunit damon_test_update_monitoring_result).
 */
export function updateMonitoringResult(
  region: { nrAccesses: number; nrAccessesBp: number; age: number },
  oldAttrs: DamonAttrs,
  newAttrs: DamonAttrs,
): void {
  const bp = Math.floor((Math.imul(region.nrAccesses, 10000) >>> 0) / maxNrAccesses(oldAttrs)) >>> 0;
  region.nrAccesses = Math.floor((Math.imul(bp, maxNrAccesses(newAttrs)) >>> 0) / 10000) >>> 0;
  region.nrAccessesBp = Math.imul(region.nrAccesses, 10000) >>> 0;
  region.age = Math.floor((region.age * oldAttrs.aggrUs) / newAttrs.aggrUs) >>> 0;
}
