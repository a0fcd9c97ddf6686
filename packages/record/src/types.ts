/** The record formats damo reads and writes. */
export type RecordFormat = "json_compressed" | "json" | "perf_script" | "binary_v2";

export const RECORD_FORMATS: readonly RecordFormat[] = ["json_compressed", "json", "perf_script", "binary_v2"];

/**
 * A target id as damo keeps it: a small integer (index or pid), a kernel pointer that only
 * fits a bigint (old vaddr records), or null (damo's snapshot-mode records have none).
 * Readers give a number whenever the value is below 2^53.
 */
export type TargetId = number | bigint | null;

/** JSON values damo's format carries without us interpreting them (DAMOS filters, stats, goals). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface RecordRegion {
  /** [start, end) in bytes. */
  start: number;
  end: number;
  /** Positive samples in the aggregation interval (damo's `nr_accesses.samples`). */
  nrAccesses: number;
  /** Age in aggregation intervals; null when the format has none (binary, old perf scripts). */
  age: number | null;
  /** Bytes that passed the DAMOS filters (json only, records of DAMOS tried regions). */
  szFilterPassed?: number;
}

/** One target's part of a snapshot (damo's per-record "snapshot object"). */
export interface RecordTarget {
  id: TargetId;
  regions: RecordRegion[];
  /** Sampling interval in effect, when auto-tuned (damo v3 json `sample_interval_us`). */
  sampleIntervalUs?: number | null;
  /** DAMOS stats of a tried-regions snapshot, passed through (json `damos_stats`). */
  damosStats?: JsonValue;
}

/**
 * One aggregation interval of one or more targets, times in nanoseconds as damo keeps them.
 * `startNs` is null where the format cannot tell (the first snapshot of a target in perf_script
 * and binary records); the reports infer it as damo does.
 */
export interface RecordSnapshot {
  startNs: number | null;
  endNs: number;
  targets: RecordTarget[];
}

export interface RecordIntervals {
  sampleUs: number;
  aggrUs: number;
  opsUpdateUs: number;
  /** The v3 interval auto-tuning goal (json `intervals_goal`), passed through. */
  goal?: JsonValue;
}

/** What damo's json keeps per record object (one kdamond/context/target/scheme combination). */
export interface RecordTargetMeta {
  id: TargetId;
  kdamondIdx: number | null;
  contextIdx: number | null;
  schemeIdx: number | null;
  intervals: RecordIntervals | null;
  schemeFilters: JsonValue[];
  /** "unknown" or "damon_stat". */
  dataSource: string;
}

/** Record metadata, one entry per target in file order. */
export interface RecordMeta {
  targets: RecordTargetMeta[];
}

/** What a writer needs: per-target metadata where known, and intervals for the rest. */
export interface RecordMetaInput {
  intervals?: RecordIntervals | null;
  targets?: Array<Partial<RecordTargetMeta> & { id: TargetId }>;
}

export interface RecordStream {
  format: RecordFormat;
  /** Filled as reading proceeds (json keeps some keys after the snapshots); complete once `snapshots` ends. */
  meta: RecordMeta;
  /** Single-use. */
  snapshots: AsyncIterable<RecordSnapshot>;
}

export interface RecordSink {
  write(chunk: Uint8Array): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface RecordWriter {
  write(snapshot: RecordSnapshot): Promise<void>;
  close(): Promise<void>;
}

/** Snapshots from a reader, an array or any async source. */
export type SnapshotSource = Iterable<RecordSnapshot> | AsyncIterable<RecordSnapshot>;
