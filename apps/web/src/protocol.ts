// Messages between the page and the simulation worker. Every message about a job carries
// its number, so the page can drop what an older job still had in flight.
import type { AccuracyReport } from "@damon-sim/workload";
import type { WorkloadInput } from "@damon-sim/session";

/** DAMON's five monitoring attributes, as `attrs` in debugfs takes them. */
export interface Attrs {
  sampleUs: number;
  aggrUs: number;
  opsUpdateUs: number;
  minNrRegions: number;
  maxNrRegions: number;
}

export interface RunConfig {
  workload: WorkloadInput;
  attrs: Attrs;
  seed: number;
  /** Virtual time to run; undefined: until the workload ends. */
  durationUs?: number;
  /** Compare every aggregation with the ground truth (does not change the record). */
  accuracy: boolean;
  /** DAMOS: page out regions with no access for this long (µs); 0: no scheme. */
  pageoutIdleUs: number;
  /** Virtual/wall time ratio; 0: as fast as possible. */
  speed: number;
}

/** The address areas a workload uses, for readers of the heatmap. */
export interface AreaInfo {
  name: string;
  start: number;
  end: number;
}

export type JobInfo =
  | { kind: "session"; name: string; pid: number; startUs: number; endUs: number; attrs: Attrs; areas: AreaInfo[] }
  | { kind: "record"; name: string; format: string };

export interface JobSummary {
  kind: JobInfo["kind"];
  snapshots: number;
  virtualUs: number;
  /** Wall time spent simulating (or reading), ms. */
  wallMs: number;
  interrupted: boolean;
  accuracy: AccuracyReport | null;
}

export type ToSim =
  | { type: "run"; job: number; config: RunConfig; shared: boolean }
  | { type: "open"; job: number; bytes: Uint8Array; name: string; shared: boolean }
  | { type: "speed"; speed: number }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "step" }
  | { type: "stop" }
  | { type: "download"; job: number };

export type FromSim =
  | { type: "ready" }
  | { type: "started"; job: number; info: JobInfo; control: Int32Array | null }
  | { type: "segment"; job: number; words: Float64Array }
  | { type: "progress"; job: number; nowUs: number; paused: boolean }
  | { type: "done"; job: number; summary: JobSummary }
  | { type: "error"; job: number; message: string; line: number | null }
  | { type: "record"; job: number; bytes: Uint8Array | null };

/** The part of a worker's global scope used here (typed without the WebWorker lib). */
export interface WorkerScope {
  postMessage(message: unknown, options?: { transfer?: Transferable[] }): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  readonly crossOriginIsolated: boolean;
}
