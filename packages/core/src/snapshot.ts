import type { DamonContext } from "./context.js";
import type { Region } from "./region-table.js";

/** One target's part of a snapshot. */
export interface SnapshotTarget {
  /** Index in the context's target list (what the 6.x tracepoint prints as target_id). */
  index: number;
  /** pid, or 42 for the physical address space. */
  id: number;
  /** Index of its first region in the snapshot. */
  first: number;
  nrRegions: number;
  /** The process's resident bytes and major faults at this time (vaddr targets that still exist). */
  residentBytes: number | null;
  majorFaults: number | null;
}

/** A copy of a snapshot, safe to keep. */
export interface SnapshotData {
  context: number;
  startUs: number;
  endUs: number;
  targets: Array<{ index: number; id: number; regions: Array<Pick<Region, "start" | "end" | "nrAccesses" | "age">> }>;
}

/**
 * The regions of one context at the end of an aggregation interval (after merging, before
 * the counters reset): a view over the live table, valid during the listener call only.
 */
export class AggregationSnapshot {
  readonly context: DamonContext;
  /** Virtual time the aggregation interval began and ended, in microseconds. */
  readonly startUs: number;
  readonly endUs: number;
  readonly targets: readonly SnapshotTarget[];

  constructor(context: DamonContext, startUs: number, endUs: number) {
    this.context = context;
    this.startUs = startUs;
    this.endUs = endUs;
    const table = context.regions;
    this.targets = context.targets.map((target, index) => {
      const mm = target.task?.alive ? target.task.mm : null;
      return {
        index,
        id: target.id,
        first: table.firstOf(index),
        nrRegions: table.countOf(index),
        residentBytes: mm ? mm.residentBytes : null,
        majorFaults: mm ? mm.majorFaults : null,
      };
    });
  }

  /** Regions over all targets. */
  get nrRegions(): number {
    return this.context.regions.count;
  }

  start(i: number): number {
    return this.context.regions.start(i);
  }

  end(i: number): number {
    return this.context.regions.end(i);
  }

  nrAccesses(i: number): number {
    return this.context.regions.nrAccesses(i);
  }

  age(i: number): number {
    return this.context.regions.age(i);
  }

  /** The raw bytes of the region table (no copy), e.g. to hash or transfer. */
  bytes(): Uint8Array {
    const table = this.context.regions;
    const from = table.ptr(0);
    return this.context.sim.mem.u8.subarray(from, table.ptr(table.count));
  }

  /** damon_aggregated trace events, one per region, as the 6.x tracepoint prints them. */
  traceLines(): string[] {
    const lines: string[] = [];
    for (const t of this.targets) {
      for (let i = t.first; i < t.first + t.nrRegions; i++) {
        lines.push(formatAggregated(t.index, t.nrRegions, this.start(i), this.end(i), this.nrAccesses(i), this.age(i)));
      }
    }
    return lines;
  }

  toJSON(): SnapshotData {
    return {
      context: this.context.index,
      startUs: this.startUs,
      endUs: this.endUs,
      targets: this.targets.map((t) => {
        const regions = [];
        for (let i = t.first; i < t.first + t.nrRegions; i++) {
          regions.push({ start: this.start(i), end: this.end(i), nrAccesses: this.nrAccesses(i), age: this.age(i) });
        }
        return { index: t.index, id: t.id, regions };
      }),
    };
  }
}

/** The damon_aggregated tracepoint's TP_printk text (≥5.16 format, with age). */
export function formatAggregated(
  targetId: number,
  nrRegions: number,
  start: number,
  end: number,
  nrAccesses: number,
  age: number,
): string {
  return `damon_aggregated: target_id=${targetId} nr_regions=${nrRegions} ${start}-${end}: ${nrAccesses} ${age}`;
}
