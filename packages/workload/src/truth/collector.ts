import type { FrequencyMap } from "./frequency-map.js";

/**
 * What a workload records for one context's ground truth. A window is one sampling interval
 * of that context: from a kdamond's prepare step to its next check.
 */
export interface TruthCollector {
  /** A window starts: forget anything seen before. */
  openWindow(): void;
  /** The window ends (the kdamond is about to check): count what it saw. */
  closeWindow(): void;
  /** Per-page access frequency over the windows closed since the last call (`windows` of them). */
  aggregate(windows: number): FrequencyMap;
  /** Stops recording. */
  dispose(): void;
}
