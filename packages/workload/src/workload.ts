import { type Actor, type DamonContext, type ProgramImage, type Simulation, type Task } from "@damon-sim/core";
import { compileModel, type Area, type CompiledWorkload } from "./compile.js";
import { ExactEngine } from "./engine/exact.js";
import { FastRng } from "./fast-rng.js";
import { FastEngine } from "./engine/fast.js";
import { Schedule } from "./engine/schedule.js";
import { Toucher } from "./engine/toucher.js";
import { validateModel } from "./model.js";
import { ExpectedCollector } from "./truth/expected.js";
import { pageDomain } from "./truth/frequency-map.js";
import { GroundTruth } from "./truth/ground-truth.js";
import { ShadowCollector } from "./truth/shadow.js";

/** exact: every access sets its page's bit. fast: only the pages DAMON samples, decided from the model. */
export type EngineKind = "exact" | "fast";

/** A process whose memory accesses an actor replays on the simulation's clock. */
export interface Workload extends Actor {
  readonly sim: Simulation;
  readonly task: Task;
  readonly engine: EngineKind;
  readonly startUs: number;
  /** When the process exits (its last phase or access ends); Infinity while unknown. */
  readonly endUs: number;
  /** Whether it has finished (and, unless told otherwise, exited). */
  readonly done: boolean;
  /** The memory the workload touches, for ground truth and reports. */
  readonly areas: readonly Area[];
  /**
   * Makes the input up to `untilUs` available to the synchronous advance() (streamed traces);
   * resolves to the time up to which the simulation may now run (≤ untilUs, > sim.now).
   */
  prefetch(untilUs: number): Promise<number>;
  /** Starts recording the ground truth for `ctx`'s sampling and aggregation intervals. */
  groundTruth(ctx: DamonContext): GroundTruth;
  /** Stops acting: no more accesses. */
  detach(): void;
}

export interface ModelWorkloadOptions {
  /** Default "fast". */
  engine?: EngineKind;
  /** Process name (default: the model's name, cut to 15 characters as the kernel does). */
  comm?: string;
  /** Program image sizes for the process's layout. */
  image?: ProgramImage;
  /** Exit the process after the last phase, as masim does (default true). */
  exitAtEnd?: boolean;
}

/**
 * A WorkloadModel running as a process: its regions allocated where glibc would put them,
 * its phases on the simulation's clock, its accesses applied by the exact or fast engine.
 */
export class ModelWorkload implements Workload {
  readonly sim: Simulation;
  readonly task: Task;
  readonly engine: EngineKind;
  readonly compiled: CompiledWorkload;
  readonly #schedule: Schedule;
  readonly #toucher: Toucher;
  readonly #apply: (phase: CompiledWorkload["phases"][number], counts: Float64Array) => void;
  readonly #expected = new Set<ExpectedCollector>();
  readonly #exitAtEnd: boolean;
  readonly #removeActor: () => void;
  #done = false;

  /** Validates `model` (a WorkloadModel, its JSON form, or JSON text), spawns its process and starts it now. */
  static spawn(sim: Simulation, model: unknown, options: ModelWorkloadOptions = {}): ModelWorkload {
    return new ModelWorkload(sim, model, options);
  }

  private constructor(sim: Simulation, input: unknown, options: ModelWorkloadOptions) {
    const model = validateModel(input);
    this.sim = sim;
    this.engine = options.engine ?? "fast";
    this.#exitAtEnd = options.exitAtEnd ?? true;
    this.task = sim.machine.spawn(options.comm ?? model.name, options.image ? { image: options.image } : {});
    this.compiled = compileModel(model, this.task.mm!);
    this.#toucher = new Toucher(this.task.mm!.space);
    const access = new FastRng(sim.seed, `workload:${this.task.pid}:access`);
    this.#schedule = new Schedule(this.compiled, new FastRng(sim.seed, `workload:${this.task.pid}:schedule`), sim.now);
    const engine =
      this.engine === "exact" ? new ExactEngine(this.#toucher, access) : new FastEngine(sim, this.task, this.#toucher, access);
    this.#apply = (phase, counts) => {
      for (const collector of this.#expected) collector.onPiece(phase, counts);
      engine.apply(phase, counts);
    };
    // masim fills a region from its init data file before the first phase: one write per page.
    model.regions.forEach((r, i) => {
      if (r.initData !== undefined) this.#toucher.touchRange(this.compiled.areas[i].start, this.compiled.areas[i].end);
    });
    this.#removeActor = sim.addActor(this);
  }

  get startUs(): number {
    return this.#schedule.startUs;
  }

  get endUs(): number {
    return this.#schedule.endUs;
  }

  get done(): boolean {
    return this.#done;
  }

  get areas(): readonly Area[] {
    return this.compiled.areas;
  }

  /** The phase running now. */
  get phase(): string {
    return this.#schedule.phase.name;
  }

  advance(nowUs: number): void {
    if (this.#done) return;
    this.#schedule.advance(nowUs, this.#apply);
    if (!this.#schedule.ended) return;
    this.#done = true;
    this.detach();
    if (this.#exitAtEnd && this.task.alive) this.sim.machine.exit(this.task.pid);
  }

  async prefetch(untilUs: number): Promise<number> {
    return untilUs;
  }

  groundTruth(ctx: DamonContext): GroundTruth {
    const domain = pageDomain(this.compiled.areas);
    const collector =
      this.engine === "exact"
        ? new ShadowCollector(this.sim.mem, domain, (space) => this.#toucher.mirror(space))
        : new ExpectedCollector(this.compiled.patterns, domain, (c) => {
            this.#expected.add(c);
            return () => this.#expected.delete(c);
          });
    return new GroundTruth(ctx, collector);
  }

  detach(): void {
    this.#removeActor();
  }
}
