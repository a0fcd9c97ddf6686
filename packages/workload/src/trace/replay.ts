import { ADDRESS_LIMIT, PAGE_SIZE, type DamonContext, type Simulation, type Task } from "@damon-sim/core";
import type { Area } from "../compile.js";
import { Toucher } from "../engine/toucher.js";
import { WorkloadError } from "../errors.js";
import { pageDomain } from "../truth/frequency-map.js";
import { GroundTruth } from "../truth/ground-truth.js";
import { ShadowCollector } from "../truth/shadow.js";
import type { Workload } from "../workload.js";
import { TraceDecoder, type TraceReadOptions } from "./decoder.js";
import { TraceInput, type TraceSource } from "./input.js";
import { BlockSet, MMAP_MIN_ADDR, type LayoutOptions } from "./layout.js";

export interface TraceReplayOptions extends TraceReadOptions, LayoutOptions {
  /**
   * Trace ticks per second of virtual time. Lackey ticks are instructions, so this is the
   * instructions per second of the traced program (default 1e9); binary traces carry their
   * own clock in the header, which this overrides.
   */
  ticksPerSecond?: number;
  /**
   * The process's mappings: "infer" (default) maps every block the trace touches — found by a
   * first pass over an in-memory trace, or block by block as a streamed trace touches them —
   * or the areas given alongside the trace (e.g. parseProcMaps of its /proc/PID/maps).
   */
  layout?: "infer" | ReadonlyArray<{ start: number; end: number; name?: string }>;
  /** Process name (default "trace"). */
  comm?: string;
  /** Exit the process after the last access (default true). */
  exitAtEnd?: boolean;
}

// Runs kept in memory while prefetching a streamed trace, beyond which prefetch stops early.
const MAX_BUFFERED_RUNS = 1 << 20;
const CACHE_SLOTS = 4096;

/**
 * Replays a memory trace (valgrind lackey text or the binary format) as a process, with the
 * exact engine: every access sets its page's Accessed bit at its time. Accesses to a page
 * already touched since the last kdamond wake-up are skipped (the bit is already set).
 */
export class TraceReplay implements Workload {
  readonly sim: Simulation;
  readonly task: Task;
  readonly engine = "exact" as const;
  readonly startUs: number;
  /** Accesses replayed so far. */
  accesses = 0;
  readonly #input: TraceInput;
  readonly #decoder: TraceDecoder;
  readonly #toucher: Toucher;
  readonly #areas: Area[] = [];
  readonly #blocks: BlockSet | null;
  readonly #shadows = new Set<ShadowCollector>();
  readonly #ticksPerSecond: number | undefined;
  readonly #exitAtEnd: boolean;
  readonly #removeActor: () => void;
  readonly #cachePage = new Float64Array(CACHE_SLOTS).fill(-1);
  readonly #cacheEpoch = new Uint32Array(CACHE_SLOTS);
  #epoch = 0;
  #lastTick = 0;
  // Runs whose last access is after the last wake-up: they are touched again in the next one.
  #pendingPage = new Float64Array(64);
  #pendingLast = new Float64Array(64);
  #nPending = 0;
  #endUs = Infinity;
  #done = false;

  /** Spawns the trace's process and starts replaying now. */
  static spawn(sim: Simulation, source: TraceSource, options: TraceReplayOptions = {}): TraceReplay {
    return new TraceReplay(sim, source, options);
  }

  private constructor(sim: Simulation, source: TraceSource, options: TraceReplayOptions) {
    if (options.ticksPerSecond !== undefined && !(options.ticksPerSecond > 0)) {
      throw new WorkloadError(`ticksPerSecond must be positive, got ${options.ticksPerSecond}`);
    }
    this.sim = sim;
    this.startUs = sim.now;
    this.#ticksPerSecond = options.ticksPerSecond;
    this.#exitAtEnd = options.exitAtEnd ?? true;
    this.task = sim.machine.spawn(options.comm ?? "trace", { layout: "empty" });
    this.#toucher = new Toucher(this.task.mm!.space);
    const layout = options.layout ?? "infer";
    this.#blocks = null;
    if (layout !== "infer") {
      for (const area of mergeAreas(layout)) this.#map(area.start, area.end, area.name);
    } else if (source instanceof Uint8Array) {
      for (const area of scanLayout(source, options)) this.#map(area.start, area.end, "");
    } else {
      this.#blocks = new BlockSet(options.blockBytes);
    }
    this.#decoder = new TraceDecoder(options);
    this.#input = new TraceInput(source, this.#decoder);
    this.#removeActor = sim.addActor(this);
  }

  get endUs(): number {
    return this.#endUs;
  }

  get done(): boolean {
    return this.#done;
  }

  get areas(): readonly Area[] {
    return this.#areas;
  }

  advance(nowUs: number): void {
    if (this.#done) return;
    const limit = this.#tickAt(nowUs);
    this.#epoch++;
    // Runs still going at the previous wake-up have accesses after it too.
    let kept = 0;
    for (let k = 0; k < this.#nPending; k++) {
      this.#touch(this.#pendingPage[k]);
      if (this.#pendingLast[k] > limit) {
        this.#pendingPage[kept] = this.#pendingPage[k];
        this.#pendingLast[kept++] = this.#pendingLast[k];
      }
    }
    this.#nPending = kept;
    const runs = this.#decoder.runs;
    for (;;) {
      const { page, first, last, count } = runs;
      let i = runs.head;
      let accesses = 0;
      for (; i < runs.tail && first[i] <= limit; i++) {
        this.#touch(page[i]);
        accesses += count[i];
        if (last[i] > limit) this.#pend(page[i], last[i]);
        else if (last[i] > this.#lastTick) this.#lastTick = last[i];
      }
      runs.head = i;
      this.accesses += accesses;
      if (runs.head < runs.tail || this.#input.ended) break;
      if (!this.#input.sync) {
        throw new WorkloadError(
          `trace data for ${nowUs} µs was not prefetched: await prefetch() before running the simulation (runWorkload does)`,
        );
      }
      this.#input.pullSync();
    }
    this.#toucher.flush();
    if (this.#input.ended && runs.head === runs.tail && this.#nPending === 0) this.#finish(nowUs);
  }

  async prefetch(untilUs: number): Promise<number> {
    const runs = this.#decoder.runs;
    for (;;) {
      if (this.#input.ended || this.#input.sync || this.#done) return untilUs;
      if (runs.length > 0) {
        const next = runs.first[runs.tail - 1];
        if (next > this.#tickAt(untilUs)) return untilUs;
        // Enough buffered: run up to just before the last buffered run, if that is progress.
        const ready = this.startUs + ((next - 1) * 1e6) / this.#tps();
        if (runs.length >= MAX_BUFFERED_RUNS && ready > this.sim.now) return ready;
      }
      await this.#input.pull();
    }
  }

  groundTruth(ctx: DamonContext): GroundTruth {
    const collector = new ShadowCollector(this.sim.mem, pageDomain(this.#areas), (space) => {
      const unmirror = this.#toucher.mirror(space);
      return () => {
        this.#shadows.delete(collector);
        unmirror();
      };
    });
    this.#shadows.add(collector);
    return new GroundTruth(ctx, collector);
  }

  detach(): void {
    this.#removeActor();
  }

  #pend(page: number, last: number): void {
    if (this.#nPending === this.#pendingPage.length) {
      const grow = (a: Float64Array) => {
        const next = new Float64Array(a.length * 2);
        next.set(a);
        return next;
      };
      this.#pendingPage = grow(this.#pendingPage);
      this.#pendingLast = grow(this.#pendingLast);
    }
    this.#pendingPage[this.#nPending] = page;
    this.#pendingLast[this.#nPending++] = last;
    if (last > this.#lastTick) this.#lastTick = last;
  }

  #tps(): number {
    return this.#ticksPerSecond ?? this.#decoder.ticksPerSecond ?? 1e9;
  }

  #tickAt(us: number): number {
    return ((us - this.startUs) * this.#tps()) / 1e6;
  }

  #touch(page: number): void {
    const slot = Math.imul(page | 0, 0x9e3779b1) >>> 20;
    if (this.#cachePage[slot] === page && this.#cacheEpoch[slot] === this.#epoch) return;
    this.#cachePage[slot] = page;
    this.#cacheEpoch[slot] = this.#epoch;
    if (this.#blocks) this.#mapBlockOf(page);
    this.#toucher.touch(page * PAGE_SIZE);
  }

  // Streamed traces without a layout: map each block when the trace first touches it.
  #mapBlockOf(page: number): void {
    const blocks = this.#blocks!;
    const block = Math.floor(page / blocks.pagesPerBlock);
    if (blocks.blocks.has(block)) return;
    blocks.blocks.add(block);
    const size = blocks.pagesPerBlock * PAGE_SIZE;
    const area = this.#map(block * size, (block + 1) * size, "");
    if (!area) return;
    this.#toucher.flush(); // shadows learn the new pages before accesses to them arrive
    for (const shadow of this.#shadows) shadow.addPages(area.start / PAGE_SIZE, area.end / PAGE_SIZE);
  }

  #map(start: number, end: number, name: string): Area | undefined {
    start = Math.max(start, MMAP_MIN_ADDR);
    end = Math.min(end, ADDRESS_LIMIT);
    if (end <= start) return undefined;
    this.task.mm!.mmap(end - start, { fixed: start, name });
    const area = { name, start, end };
    const at = this.#areas.findIndex((a) => a.start > start);
    this.#areas.splice(at < 0 ? this.#areas.length : at, 0, area);
    return area;
  }

  #finish(nowUs: number): void {
    this.#done = true;
    this.#endUs = Math.min(nowUs, this.startUs + (this.#lastTick * 1e6) / this.#tps());
    this.detach();
    if (this.#exitAtEnd && this.task.alive) this.sim.machine.exit(this.task.pid);
  }
}

// First pass over an in-memory trace: the blocks it touches.
function scanLayout(source: Uint8Array, options: TraceReadOptions & LayoutOptions): Area[] {
  const input = new TraceInput(source, new TraceDecoder(options));
  const blocks = new BlockSet(options.blockBytes);
  while (input.pullSync()) {
    blocks.addRuns(input.decoder.runs);
    input.decoder.runs.clear();
  }
  return blocks.areas();
}

// Areas given alongside, page-aligned, with overlapping ones merged (fixed mappings must not overlap).
function mergeAreas(areas: ReadonlyArray<{ start: number; end: number; name?: string }>): Area[] {
  const sorted = areas
    .map((a) => ({ name: a.name ?? "", start: Math.floor(a.start / PAGE_SIZE) * PAGE_SIZE, end: Math.ceil(a.end / PAGE_SIZE) * PAGE_SIZE }))
    .filter((a) => a.end > a.start)
    .sort((a, b) => a.start - b.start);
  const out: Area[] = [];
  for (const a of sorted) {
    const last = out[out.length - 1];
    if (last && a.start < last.end) last.end = Math.max(last.end, a.end);
    else out.push(a);
  }
  return out;
}
