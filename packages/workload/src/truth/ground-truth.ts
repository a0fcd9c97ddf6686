import type { AggregationSnapshot, DamonContext } from "@damon-sim/core";
import type { TruthCollector } from "./collector.js";
import type { FrequencyMap } from "./frequency-map.js";

/** The truth about one aggregation interval of a context. */
export interface TruthInterval {
  startUs: number;
  endUs: number;
  /** Sampling intervals (windows) it covered. */
  windows: number;
  /** Per page: the fraction of those windows in which it was accessed (exact) or its expectation (fast). */
  map: FrequencyMap;
}

export type TruthListener = (truth: TruthInterval, snapshot: AggregationSnapshot) => void;

/**
 * Ground truth as one DAMON context would ideally see it: windows are the context's own
 * sampling intervals (prepare to check), and each aggregation interval gets, for every page
 * the workload can touch, the fraction of its windows in which the page was accessed — the
 * quantity nr_accesses / (aggr / sample) estimates. Delivered with the context's snapshot of
 * the same interval.
 */
export class GroundTruth {
  readonly ctx: DamonContext;
  readonly #collector: TruthCollector;
  readonly #listeners = new Set<TruthListener>();
  readonly #unsubscribe: Array<() => void>;
  #openAt = -1;
  #closedAt = -1;
  #windows = 0;

  constructor(ctx: DamonContext, collector: TruthCollector) {
    this.ctx = ctx;
    this.#collector = collector;
    this.#unsubscribe = [
      // After every prepare step: the previous window (if any) ended, a new one starts.
      ctx.onAfterSampling(() => {
        this.#close(ctx.sim.now);
        collector.openWindow();
        this.#openAt = ctx.sim.now;
      }),
      // The aggregation's last window ends at this same wake-up, before its prepare step.
      ctx.onSnapshot((snapshot) => {
        this.#close(snapshot.endUs);
        const truth = { startUs: snapshot.startUs, endUs: snapshot.endUs, windows: this.#windows, map: collector.aggregate(this.#windows) };
        this.#windows = 0;
        for (const listener of this.#listeners) listener(truth, snapshot);
      }),
    ];
  }

  /** Called with each aggregation interval's truth and DAMON's snapshot of it. */
  onInterval(listener: TruthListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops recording and frees the shadow page table, if any. */
  dispose(): void {
    for (const off of this.#unsubscribe) off();
    this.#collector.dispose();
  }

  #close(now: number): void {
    if (this.#openAt < 0 || now <= this.#openAt || now === this.#closedAt) return;
    this.#collector.closeWindow();
    this.#windows++;
    this.#closedAt = now;
  }
}
