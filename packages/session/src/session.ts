import {
  DEFAULT_ATTRS, Simulation, type AggregationSnapshot, type DamonAttrs, type DamonContext, type Seed,
} from "@damon-sim/core";
import { createRecordWriter, type RecordFormat, type RecordSink, type RecordSnapshot, type RecordWriter } from "@damon-sim/record";
import {
  ModelWorkload, resolveWorkload, runWorkload, TraceReplay, trackAccuracy,
  type AccuracyReport, type AccuracyTracker, type EngineKind, type TraceSource, type Workload,
} from "@damon-sim/workload";

/** What to run: a built-in, a masim config, a model (JSON form), or a memory trace. */
export type WorkloadInput =
  | { builtin: string; options?: Record<string, unknown> }
  | { masim: string; file?: string }
  | { model: unknown }
  | { trace: TraceSource; ticksPerSecond?: number; name?: string };

export interface SessionOptions {
  workload: WorkloadInput;
  /** Monitoring attributes; default the kernel's (5 ms, 100 ms, 60 s, 10, 1000). */
  attrs?: Partial<DamonAttrs>;
  seed?: Seed;
  /** Virtual time to run; default until the workload ends (at most an hour). */
  durationUs?: number;
  /** vaddr (the process, default) or paddr (physical memory). */
  ops?: "vaddr" | "paddr";
  /** Default: fast for models, exact for traces. */
  engine?: EngineKind;
  /** Measure DAMON against the ground truth. */
  accuracy?: boolean;
  /** Write a damo record as the session runs. */
  record?: { format: RecordFormat; sink: RecordSink };
  /** Called with each aggregation while it is live (web views, progress). */
  onSnapshot?: (snapshot: AggregationSnapshot) => void;
}

export interface SessionSummary {
  /** Virtual time simulated, µs. */
  virtualUs: number;
  snapshots: number;
  nrRegions: { min: number; max: number; mean: number };
  /** Working set (regions with nr_accesses ≥ 1) per aggregation: percentiles in bytes. */
  wss: { p25: number; p50: number; p75: number };
  pid: number;
  /** Null unless asked for. */
  accuracy: AccuracyReport | null;
  /** Stopped by onProgress rather than reaching the end. */
  interrupted: boolean;
}

const HOUR_US = 3600e6;

/**
 * A recording session: one simulated machine running one workload under one DAMON context,
 * optionally writing a damo record and tracking accuracy. The CLI's `record` and the web app
 * both run through here, so the same inputs and seed give the same record everywhere.
 */
export class Session {
  readonly sim: Simulation;
  readonly ctx: DamonContext;
  readonly workload: Workload;
  readonly endUs: number;
  readonly #writer: RecordWriter | null;
  readonly #accuracy: AccuracyTracker | null;
  readonly #regionCounts: number[] = [];
  readonly #wss: number[] = [];
  #pending: Promise<void> = Promise.resolve();
  #failed: unknown = null;

  private constructor(sim: Simulation, workload: Workload, options: SessionOptions) {
    this.sim = sim;
    this.workload = workload;
    const attrs = { ...DEFAULT_ATTRS, ...options.attrs };
    this.ctx = sim.createContext({ attrs });
    if ((options.ops ?? "vaddr") === "paddr") {
      this.ctx.setTargets("paddr");
      const area = workload.task.mm!.vmas;
      this.ctx.setInitRegions([{ target: 0, start: area[0].start, end: area[area.length - 1].end }]);
    } else {
      this.ctx.setTargets([workload.task.pid]);
    }
    const duration = options.durationUs ?? Math.min(Number.isFinite(workload.endUs) ? workload.endUs - sim.now : 10e6, HOUR_US);
    this.endUs = sim.now + duration;
    this.#accuracy = options.accuracy ? trackAccuracy(workload, this.ctx) : null;
    this.#writer = options.record
      ? createRecordWriter(options.record.format, options.record.sink, {
          intervals: { sampleUs: attrs.sampleUs, aggrUs: attrs.aggrUs, opsUpdateUs: attrs.opsUpdateUs },
        })
      : null;
    this.ctx.onSnapshot((s) => {
      this.#regionCounts.push(s.nrRegions);
      let wss = 0;
      for (let i = 0; i < s.nrRegions; i++) if (s.nrAccesses(i) >= 1) wss += s.end(i) - s.start(i);
      this.#wss.push(wss);
      options.onSnapshot?.(s);
      if (this.#writer) {
        const snapshot = toRecordSnapshot(s);
        // Keep writes in order; a failing sink fails the run at its next step.
        this.#pending = this.#pending.then(() => this.#writer!.write(snapshot)).catch((error) => {
          this.#failed ??= error;
        });
      }
    });
  }

  /** Builds the machine, the workload process and the monitoring context (not started yet). */
  static async create(options: SessionOptions): Promise<Session> {
    const sim = await Simulation.create({ seed: options.seed ?? 0 });
    return new Session(sim, spawnWorkload(sim, options), options);
  }

  /**
   * Runs to the end (or until `onProgress` returns true), then closes the record. Progress is
   * reported every `chunkUs` of virtual time.
   */
  async run(onProgress?: (nowUs: number, endUs: number) => boolean | void | Promise<boolean | void>, chunkUs = 1_000_000): Promise<SessionSummary> {
    if (!this.ctx.running) this.sim.start([this.ctx]);
    let interrupted = false;
    await runWorkload(this.sim, this.workload, {
      untilUs: this.endUs,
      chunkUs,
      onProgress: async (now) => {
        await this.#pending;
        if (this.#failed) throw this.#failed;
        if (await onProgress?.(now, this.endUs)) interrupted = true;
        return interrupted;
      },
    });
    await this.#pending;
    if (this.#failed) throw this.#failed;
    await this.#writer?.close();
    return this.summary(interrupted);
  }

  summary(interrupted = false): SessionSummary {
    const counts = this.#regionCounts;
    const sorted = [...this.#wss].sort((a, b) => a - b);
    const at = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
    return {
      virtualUs: this.sim.now,
      snapshots: counts.length,
      nrRegions: {
        min: counts.length ? Math.min(...counts) : 0,
        max: counts.length ? Math.max(...counts) : 0,
        mean: counts.length ? counts.reduce((a, b) => a + b, 0) / counts.length : 0,
      },
      wss: { p25: at(25), p50: at(50), p75: at(75) },
      pid: this.workload.task.pid,
      accuracy: this.#accuracy?.report() ?? null,
      interrupted,
    };
  }
}

function spawnWorkload(sim: Simulation, options: SessionOptions): Workload {
  const w = options.workload;
  if ("trace" in w) return TraceReplay.spawn(sim, w.trace, { ticksPerSecond: w.ticksPerSecond, comm: w.name });
  const spec = "builtin" in w ? { builtin: w.builtin, ...w.options } : "masim" in w ? { masim: w.masim, file: w.file } : w.model;
  return ModelWorkload.spawn(sim, resolveWorkload(spec), { engine: options.engine });
}

/** An aggregation as damo records it: times in ns, target ids as the 6.x tracepoint's index. */
export function toRecordSnapshot(s: AggregationSnapshot): RecordSnapshot {
  return {
    startNs: s.startUs * 1000,
    endNs: s.endUs * 1000,
    targets: s.targets.map((t) => {
      const regions = [];
      for (let i = t.first; i < t.first + t.nrRegions; i++) {
        regions.push({ start: s.start(i), end: s.end(i), nrAccesses: s.nrAccesses(i), age: s.age(i) });
      }
      return { id: t.index, regions };
    }),
  };
}
