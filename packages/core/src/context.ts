import {
  CTX_BP_WINDOW, CTX_FLAGS, CTX_HEADER_BYTES, BP_STEPS, CTX_BP_STEPS, CTX_KERNEL, CTX_PAGES_SHARED, PAGES_SHARED_ROOTS, CTX_MAX_NR_REGIONS, CTX_MEM_STATICS, CTX_MAX_THRES,
  CTX_MIN_REGION, CTX_NR_TARGETS, CTX_RNG, CTX_SZ_LIMIT, CTX_TARGETS, TARGET_BYTES, TARGET_PENDING, TARGET_ROOT,
} from "@damon-sim/wasm";
import {
  behaviourFlags, DEFAULT_ATTRS, LATEST_BEHAVIOUR, maxNrAccesses, validateAttrs,
  type DamonAttrs, type KernelBehaviour,
} from "./attrs.js";
import { PAGE_SIZE } from "./address-space.js";
import { applySchemes, Damos, watermarkWaitUs, type DamosSpec } from "./damos.js";
import { DamonError } from "./errors.js";
import type { Task } from "./machine.js";
import { initialRegions, regionSizeLimit, setRegions, threeRegions } from "./ops.js";
import { passesFor, type DamonPasses, type PassEngine } from "./passes.js";
import { newRegion, RegionTable, type AddressRange, type Region } from "./region-table.js";
import { seedState } from "./rng.js";
import { AggregationSnapshot } from "./snapshot.js";
import type { Simulation } from "./simulation.js";

export type OpsKind = "vaddr" | "paddr";

/** A monitoring target: a task (vaddr) or the physical address space (paddr, id 42 as debugfs stores it). */
export interface DamonTarget {
  /** The task, held like the kernel's struct pid reference: still here after the task exits. */
  readonly task: Task | null;
  /** The pid number for vaddr targets; 42 for the physical address space. */
  readonly id: number;
}

export interface ContextOptions {
  attrs?: Partial<DamonAttrs>;
  ops?: OpsKind;
  /** fvaddr (5.19+): virtual address targets whose regions are only those given, never fitted to the layout. */
  fixedRegions?: boolean;
  /** DAMON_MIN_REGION: a power of two; 4096 (PAGE_SIZE) by default, 1 in the kernel's unit tests. */
  minRegionSize?: number;
  behaviour?: Partial<KernelBehaviour>;
  /** Run the passes in wasm (default) or in the TS reference. */
  engine?: PassEngine;
}

/** A region to install before monitoring starts (debugfs init_regions). */
export interface InitRegion {
  /** Index of the target in the context's target list. */
  target: number;
  /** Any u64: debugfs accepts values beyond 2^53, so bigints are kept exactly. */
  start: number | bigint;
  end: number | bigint;
}

/**
 * `online: true` skips the EBUSY check: a kdamond callback updating its own running context
 * (the sysfs interface's 'commit'), as damon_set_attrs and friends allow in the kernel.
 */
export interface OnlineUpdate {
  online?: boolean;
}

/** A callback returning true asks the kdamond to stop (the kernel's non-zero return). */
export type ContextCallback = (ctx: DamonContext) => boolean | void;

/**
 * A DAMON context (struct damon_ctx): attributes, targets, the region table in simulation
 * memory, and its kdamond when monitoring.
 */
export class DamonContext {
  readonly sim: Simulation;
  /** Creation order within the simulation. */
  readonly index: number;
  /** Address of the context header in simulation memory. */
  readonly ptr: number;
  readonly regions: RegionTable;
  readonly minRegionSize: number;
  readonly behaviour: Readonly<KernelBehaviour>;
  readonly engine: PassEngine;
  /** Virtual time the context was created: the pre-6.7 interval baselines start here. */
  readonly createdUs: number;
  /** fvaddr: no three-regions initialisation, no layout updates. Settable: a sysfs commit switches vaddr/fvaddr online. */
  fixedRegions: boolean;
  readonly #passes: DamonPasses;
  #attrs: DamonAttrs;
  #ops: OpsKind;
  #targets: DamonTarget[] = [];
  #targetCapacity = 0;
  #kdamond: Kdamond | null = null;
  #schemes: Damos[] = [];
  readonly #afterSampling = new Set<ContextCallback>();
  readonly #afterAggregation = new Set<ContextCallback>();
  readonly #snapshotListeners = new Set<(snapshot: AggregationSnapshot) => void>();
  readonly #terminateListeners = new Set<(ctx: DamonContext) => void>();
  readonly #beforeDamosApply = new Set<(t: number, start: number, end: number, scheme: Damos) => void>();

  /** @internal Use Simulation.createContext. */
  constructor(sim: Simulation, index: number, kernelStatics: number, options: ContextOptions = {}) {
    this.sim = sim;
    this.index = index;
    this.behaviour = Object.freeze({ ...LATEST_BEHAVIOUR, ...options.behaviour });
    const minRegion = options.minRegionSize ?? 4096;
    if (!Number.isSafeInteger(minRegion) || minRegion < 1 || (minRegion & (minRegion - 1)) !== 0 || minRegion > 2 ** 30) {
      throw new DamonError("EINVAL", `minimum region size must be a power of two, got ${minRegion}`);
    }
    this.minRegionSize = minRegion;
    const attrs = { ...DEFAULT_ATTRS, ...options.attrs };
    validateAttrs(attrs, this.behaviour);
    this.#attrs = attrs;
    this.#ops = options.ops ?? "vaddr";
    this.fixedRegions = options.fixedRegions ?? false;
    this.engine = options.engine ?? "wasm";
    this.createdUs = sim.now;
    const mem = sim.mem;
    this.#passes = passesFor(mem, this.engine);
    this.ptr = mem.alloc(CTX_HEADER_BYTES);
    this.regions = new RegionTable(mem, this.ptr);
    mem.u32.set(seedState(sim.seed, `context:${index}`), (this.ptr + CTX_RNG) >>> 2);
    mem.u32[(this.ptr + CTX_KERNEL) >>> 2] = kernelStatics;
    mem.u32[(this.ptr + CTX_MEM_STATICS) >>> 2] = mem.statics;
    mem.u32[(this.ptr + CTX_BP_STEPS) >>> 2] = mem.alloc(BP_STEPS * 4);
    mem.u32[(this.ptr + CTX_FLAGS) >>> 2] = behaviourFlags(this.behaviour);
    mem.setU64(this.ptr + CTX_MIN_REGION, minRegion);
    this.#ensureTargetCapacity(4);
    this.regions.ensureCapacity(64);
    this.#writeAttrs();
  }

  get attrs(): Readonly<DamonAttrs> {
    return this.#attrs;
  }

  get ops(): OpsKind {
    return this.#ops;
  }

  get targets(): readonly DamonTarget[] {
    return this.#targets;
  }

  /** DAMOS schemes with their live statistics. */
  get schemes(): readonly Damos[] {
    return this.#schemes;
  }

  /**
   * Installs DAMOS schemes, replacing the old ones and their statistics. EBUSY while running.
   * Validation of the numbers is the interface's job (debugfs checks differ by version).
   */
  setSchemes(specs: readonly DamosSpec[], options: OnlineUpdate = {}): void {
    if (!options.online) this.#assertStopped();
    this.#schemes = specs.map((spec) => new Damos(spec));
  }

  /** Whether this context's kdamond exists. */
  get running(): boolean {
    return this.#kdamond !== null;
  }

  /** The kdamond's kernel thread, while running. */
  get kdamond(): Task | null {
    return this.#kdamond?.thread ?? null;
  }

  /** Virtual time of this kdamond's next wake-up, if running. */
  get nextWakeUs(): number {
    return this.#kdamond?.nextWakeUs ?? Infinity;
  }

  /** Samples taken since monitoring started. */
  get passedSampleIntervals(): number {
    return this.#kdamond?.passed ?? 0;
  }

  /** Sets the attributes (damon_set_attrs). EINVAL on invalid values, EBUSY while running. */
  setAttrs(attrs: Partial<DamonAttrs>, options: OnlineUpdate = {}): void {
    const next = { ...this.#attrs, ...attrs };
    validateAttrs(next, this.behaviour);
    if (!options.online) this.#assertStopped();
    this.#attrs = next;
    this.#writeAttrs();
  }

  /**
   * Replaces the targets with the processes of these pids (vaddr) or, for "paddr", the
   * physical address space. ESRCH for a pid with no task (checked first), EBUSY while running.
   * Regions of old targets are dropped.
   */
  setTargets(pids: readonly number[] | "paddr", options: OnlineUpdate = {}): void {
    let targets: DamonTarget[];
    if (pids === "paddr") {
      targets = [{ task: null, id: 42 }];
    } else {
      targets = pids.map((pid) => {
        const task = Number.isSafeInteger(pid) ? this.sim.machine.task(pid) : undefined;
        if (!task) throw new DamonError("ESRCH", `no process with pid ${pid}`);
        return { task, id: pid };
      });
    }
    if (!options.online) this.#assertStopped();
    this.#ops = pids === "paddr" ? "paddr" : "vaddr";
    this.#installTargets(targets);
  }

  /**
   * Physical-address targets with the given ids (debugfs stores 42; 5.16's quirks can give
   * 4 or none). EBUSY while running.
   */
  setPhysicalTargets(ids: readonly number[]): void {
    this.#assertStopped();
    this.#ops = "paddr";
    this.#installTargets(ids.map((id) => ({ task: null, id })));
  }

  /** Removes every target (what debugfs does to vaddr targets when monitoring ends). */
  clearTargets(): void {
    this.#assertStopped();
    this.#installTargets([]);
  }

  /** Changes the operations set without touching targets (kernel 5.18+ semantics). */
  setOps(ops: OpsKind): void {
    this.#assertStopped();
    this.#ops = ops;
  }

  /**
   * Installs regions before monitoring (init_regions). Every region must have start < end,
   * a valid target, and come after the previous region of the same target. On any error
   * nothing changes. EBUSY while running.
   */
  setInitRegions(regions: readonly InitRegion[], options: OnlineUpdate = {}): void {
    if (!options.online) this.#assertStopped();
    const perTarget: Array<Array<{ start: bigint; end: bigint }>> = this.#targets.map(() => []);
    for (const r of regions) {
      const start = toU64(r.start);
      const end = toU64(r.end);
      if (start === null || end === null || start >= end) throw new DamonError("EINVAL", `bad region [${r.start}, ${r.end})`);
      const list = perTarget[r.target];
      if (!list) throw new DamonError("EINVAL", `no target at index ${r.target}`);
      const prev = list[list.length - 1];
      if (prev && prev.end > start) {
        throw new DamonError("EINVAL", `region [${start}, ${end}) overlaps or precedes [${prev.start}, ${prev.end})`);
      }
      list.push({ start, end });
    }
    this.regions.clear();
    perTarget.forEach((list, t) => {
      this.regions.replace(t, list.map(() => newRegion(0, 0)));
      const first = this.regions.firstOf(t);
      list.forEach((r, k) => {
        const p = this.regions.ptr(first + k);
        this.sim.mem.setU64Big(p, r.start);
        this.sim.mem.setU64Big(p + 8, r.end);
      });
    });
    this.regions.recount();
  }

  /** Regions of one target as plain data. */
  regionsOf(target: number): Region[] {
    return this.regions.list(target);
  }

  /** Called after every sampling step; return true to stop. */
  onAfterSampling(callback: ContextCallback): () => void {
    this.#afterSampling.add(callback);
    return () => this.#afterSampling.delete(callback);
  }

  /** Called after regions are merged at each aggregation; return true to stop. */
  onAfterAggregation(callback: ContextCallback): () => void {
    this.#afterAggregation.add(callback);
    return () => this.#afterAggregation.delete(callback);
  }

  /**
   * Receives every aggregation's result, at the point the kernel emits damon_aggregated.
   * The snapshot reads the live table: use it inside the callback or copy it.
   */
  onSnapshot(listener: (snapshot: AggregationSnapshot) => void): () => void {
    this.#snapshotListeners.add(listener);
    return () => this.#snapshotListeners.delete(listener);
  }

  /** Called when the kdamond exits, after its regions are destroyed (before_terminate). */
  onTerminate(listener: (ctx: DamonContext) => void): () => void {
    this.#terminateListeners.add(listener);
    return () => this.#terminateListeners.delete(listener);
  }

  /**
   * The before_damos_apply callback: told about each region a scheme is about to act on
   * (after its pattern, quota and score checks; a quota-cut region is the cut piece).
   */
  onBeforeDamosApply(listener: (t: number, start: number, end: number, scheme: Damos) => void): () => void {
    this.#beforeDamosApply.add(listener);
    return () => this.#beforeDamosApply.delete(listener);
  }

  /** @internal Starts the kdamond; Simulation.start applies damon_start's rules. */
  startKdamond(thread: Task, now: number): void {
    this.#kdamond = new Kdamond(this, thread, now);
    this.#kdamond.start();
  }

  /** @internal Asks the kdamond to stop; it exits at its next wake-up, as kthread_stop waits for. */
  requestStop(): void {
    if (this.#kdamond) this.#kdamond.stopRequested = true;
  }

  /** @internal Runs one wake-up of the kdamond at its scheduled time. */
  wake(): void {
    this.#kdamond?.wake();
  }

  // ---- internals used by Kdamond ----

  /** @internal */
  get passes(): DamonPasses {
    return this.#passes;
  }

  /** @internal Refreshes each target's page-table root (0 once the task is gone). */
  syncTargetRoots(): void {
    const u32 = this.sim.mem.u32;
    const table = u32[(this.ptr + CTX_TARGETS) >>> 2];
    for (let t = 0; t < this.#targets.length; t++) {
      const target = this.#targets[t];
      let root = 0;
      if (this.#ops === "paddr") root = this.sim.physical.root;
      else if (target.task?.alive && target.task.mm) root = target.task.mm.root;
      u32[(table + t * TARGET_BYTES + TARGET_ROOT) >>> 2] = root;
    }
    // The same process twice: its regions in both targets can sample one page.
    let sharedRoots = false;
    for (let t = 1; t < this.#targets.length && !sharedRoots; t++) {
      const root = u32[(table + t * TARGET_BYTES + TARGET_ROOT) >>> 2];
      for (let s = 0; s < t && root; s++) if (u32[(table + s * TARGET_BYTES + TARGET_ROOT) >>> 2] === root) sharedRoots = true;
    }
    const slot = (this.ptr + CTX_PAGES_SHARED) >>> 2;
    u32[slot] = sharedRoots ? u32[slot] | PAGES_SHARED_ROOTS : u32[slot] & ~PAGES_SHARED_ROOTS;
  }

  /**
   * Hands a workload's accesses since the last prepare to the next sampling pass over target
   * `t`: `pending` is a block in simulation memory (PENDING_* layout of @damon-sim/wasm) whose
   * effect records the pass evaluates for each region's sampled page just before checking it,
   * and then empties. Equivalent to deciding those pages now (touchSampled), one walk cheaper;
   * only for a process no other running context samples, since the decisions are made for this
   * context's sampled pages alone. Returns false (nothing deferred) unless the context is
   * running, `t` is one of its targets and no other target is the same process.
   */
  deferSampledAccesses(t: number, pending: number): boolean {
    if (!this.running || t < 0 || t >= this.#targets.length) return false;
    const u32 = this.sim.mem.u32;
    // The process is another target too: the pass would check that one before deciding.
    if (u32[(this.ptr + CTX_PAGES_SHARED) >>> 2] & PAGES_SHARED_ROOTS) return false;
    u32[(u32[(this.ptr + CTX_TARGETS) >>> 2] + t * TARGET_BYTES + TARGET_PENDING) >>> 2] = pending;
    return true;
  }

  /**
   * Takes back target `t`'s pending block if no pass has taken it: returns its pointer (0 if
   * none) and leaves the target without one.
   */
  takePending(t: number): number {
    if (t < 0 || t >= this.#targets.length) return 0;
    const u32 = this.sim.mem.u32;
    const slot = (u32[(this.ptr + CTX_TARGETS) >>> 2] + t * TARGET_BYTES + TARGET_PENDING) >>> 2;
    const pending = u32[slot];
    u32[slot] = 0;
    return pending;
  }

  /** @internal ops.init: vaddr targets without regions get the three-regions layout. */
  initRegions(): void {
    if (this.#ops !== "vaddr" || this.fixedRegions) return;
    this.#targets.forEach((target, t) => {
      if (this.regions.countOf(t) > 0) return;
      const mm = target.task?.alive ? target.task.mm : null;
      if (!mm) return;
      this.regions.replace(t, initialRegions(mm.vmas, this.#attrs.minNrRegions, this.minRegionSize));
    });
  }

  /** @internal ops.update: re-fit vaddr regions to the current layout. */
  updateRegions(): void {
    if (this.#ops !== "vaddr" || this.fixedRegions) return;
    this.#targets.forEach((target, t) => {
      const mm = target.task?.alive ? target.task.mm : null;
      const three = mm ? threeRegions(mm.vmas, this.minRegionSize) : null;
      if (!three) return;
      this.regions.replace(t, setRegions(this.regions.list(t), three, this.minRegionSize, this.behaviour.fillHoles));
    });
  }

  /** @internal */
  updateSizeLimit(): void {
    const limit = regionSizeLimit(this.regions, this.#attrs.minNrRegions, this.minRegionSize);
    this.sim.mem.setU64(this.ptr + CTX_SZ_LIMIT, limit);
  }

  /** @internal kdamond_need_stop's target part: every vaddr target gone (or none at all). */
  allTargetsInvalid(): boolean {
    if (this.#ops === "paddr") return false;
    return this.#targets.every((t) => !t.task?.alive);
  }

  /** @internal */
  runAfterSampling(): boolean {
    for (const cb of this.#afterSampling) if (cb(this)) return true;
    return false;
  }

  /** @internal */
  runAfterAggregation(): boolean {
    for (const cb of this.#afterAggregation) if (cb(this)) return true;
    return false;
  }

  /** @internal kdamond_apply_schemes: DAMOS, after after_aggregation and before the counters reset. */
  applySchemes(nowUs: number, schemes: readonly Damos[] = this.#schemes): void {
    if (!schemes.length) return;
    applySchemes(this, schemes, nowUs, (ctx, t, start, end, s) => {
      for (const listener of ctx.#beforeDamosApply) listener(t, start, end, s);
      return ctx.#applyAction(t, start, end, s.action, nowUs);
    });
  }

  /**
   * kdamond_wait_activation's check: 0 when some scheme is active (or there are none),
   * otherwise how long to sleep before checking the watermarks again.
   */
  activationWaitUs(): number {
    if (!this.#schemes.length) return 0;
    const freeRate = Math.floor((this.sim.machine.freeBytes * 1000) / this.sim.machine.ramBytes);
    let min = Infinity;
    for (const s of this.#schemes) min = Math.min(min, watermarkWaitUs(s, freeRate));
    return min;
  }

  // The operations set's apply_scheme: madvise() on the page-aligned region for vaddr,
  // reclaim of the physical range for paddr. Returns the bytes DAMOS counts as applied.
  #applyAction(t: number, start: number, end: number, action: Damos["action"], nowUs: number): number {
    const from = Math.ceil(start / PAGE_SIZE) * PAGE_SIZE;
    const to = from + Math.ceil((end - start) / PAGE_SIZE) * PAGE_SIZE;
    if (this.#ops === "paddr") {
      return action === "pageout" ? this.sim.physical.pageOut(from, to) * PAGE_SIZE : 0;
    }
    const task = this.#targets[t]?.task;
    const mm = task?.alive ? task.mm : null;
    if (!mm || action === "stat") return 0;
    switch (action) {
      case "pageout":
        mm.space.pageOut(from, to);
        break;
      case "willneed":
        mm.space.pageIn(from, to);
        break;
      case "cold":
        mm.coldSince.set(from, to, nowUs);
        break;
      case "hugepage":
      case "nohugepage":
        mm.hugepageAdvice.set(from, to, action);
        break;
    }
    // madvise() reports ENOMEM when the range has unmapped holes, after advising the rest.
    return mm.covers(from, to) ? to - from : 0;
  }

  /** @internal */
  emitSnapshot(startUs: number, endUs: number): void {
    if (this.#snapshotListeners.size === 0) return;
    const snapshot = new AggregationSnapshot(this, startUs, endUs);
    for (const listener of this.#snapshotListeners) listener(snapshot);
  }

  /** @internal kdamond exit path: regions destroyed, before_terminate, thread gone. */
  terminated(): void {
    this.regions.clear();
    this.#kdamond = null;
    for (const listener of this.#terminateListeners) listener(this);
  }

  #assertStopped(): void {
    if (this.running) throw new DamonError("EBUSY", "the context is being monitored");
  }

  #installTargets(targets: DamonTarget[]): void {
    this.regions.clear();
    this.#ensureTargetCapacity(targets.length);
    this.#targets = targets;
    const u32 = this.sim.mem.u32;
    u32[(this.ptr + CTX_NR_TARGETS) >>> 2] = targets.length;
    // Pending accesses belonged to the old targets' regions.
    const table = u32[(this.ptr + CTX_TARGETS) >>> 2];
    for (let t = 0; t < targets.length; t++) u32[(table + t * TARGET_BYTES + TARGET_PENDING) >>> 2] = 0;
    this.regions.recount();
    this.syncTargetRoots();
  }

  #ensureTargetCapacity(n: number): void {
    if (n <= this.#targetCapacity) return;
    const mem = this.sim.mem;
    const capacity = Math.max(n, this.#targetCapacity * 2);
    const table = mem.alloc(capacity * TARGET_BYTES);
    const old = mem.u32[(this.ptr + CTX_TARGETS) >>> 2];
    if (old) {
      mem.u8.copyWithin(table, old, old + this.#targets.length * TARGET_BYTES);
      mem.free(old, this.#targetCapacity * TARGET_BYTES);
    }
    mem.u32[(this.ptr + CTX_TARGETS) >>> 2] = table;
    this.#targetCapacity = capacity;
  }

  #writeAttrs(): void {
    const u32 = this.sim.mem.u32;
    const a = this.#attrs;
    u32[(this.ptr + CTX_MAX_NR_REGIONS) >>> 2] = Math.min(a.maxNrRegions, 0xffffffff);
    u32[(this.ptr + CTX_MAX_THRES) >>> 2] = Math.min(Math.floor(a.aggrUs / (a.sampleUs || 1)), 0xffffffff);
    u32[(this.ptr + CTX_BP_WINDOW) >>> 2] = a.sampleUs ? Math.max(maxNrAccesses(a), 1) : 1;
  }
}

function toU64(value: number | bigint): bigint | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : null;
  return value >= 0n && value < 1n << 64n ? value : null;
}

/** The kdamond of one context: kdamond_fn as a state machine over virtual time (6.7+ timing). */
class Kdamond {
  readonly ctx: DamonContext;
  readonly thread: Task;
  stopRequested = false;
  /** Asleep in kdamond_wait_activation rather than between prepare and check. */
  waitingActivation = false;
  passed = 0;
  #activationWait: number | null = null;
  nextWakeUs: number;
  #nextAggregationSis = 0;
  #nextOpsUpdateSis = 0;
  #lastAggregationUs: number;
  // Pre-6.7 baselines (kdamond_aggregate_interval_passed / ..._primitive_update_interval_passed).
  #aggregationBaselineUs: number;
  #opsUpdateBaselineUs: number;

  constructor(ctx: DamonContext, thread: Task, now: number) {
    this.ctx = ctx;
    this.thread = thread;
    this.nextWakeUs = now;
    this.#lastAggregationUs = now;
    this.#aggregationBaselineUs = ctx.createdUs;
    this.#opsUpdateBaselineUs = ctx.createdUs;
  }

  get #sampleSis(): number {
    return this.ctx.attrs.sampleUs || 1;
  }

  start(): void {
    const ctx = this.ctx;
    ctx.syncTargetRoots();
    ctx.initRegions();
    ctx.updateSizeLimit();
    this.#nextAggregationSis = Math.floor(ctx.attrs.aggrUs / this.#sampleSis);
    this.#nextOpsUpdateSis = Math.floor(ctx.attrs.opsUpdateUs / this.#sampleSis);
    for (const s of ctx.schemes) s.nextApplySis = this.#applyIntervalSis(s);
    this.#loopTop();
  }

  // A scheme's apply interval in samples; 0 means the aggregation interval (6.7+).
  #applyIntervalSis(s: Damos): number {
    return Math.floor((s.applyIntervalUs || this.ctx.attrs.aggrUs) / this.#sampleSis);
  }

  wake(): void {
    if (this.waitingActivation) {
      this.waitingActivation = false;
      return this.#loopTop();
    }
    const ctx = this.ctx;
    const passes = ctx.passes;
    const now = this.nextWakeUs;
    this.passed++;
    ctx.syncTargetRoots();
    const legacy = !ctx.behaviour.sampleCountTiming;
    const aggregate = legacy ? now - this.#aggregationBaselineUs >= ctx.attrs.aggrUs : this.passed >= this.#nextAggregationSis;
    const update = legacy ? now - this.#opsUpdateBaselineUs >= ctx.attrs.opsUpdateUs : this.passed >= this.#nextOpsUpdateSis;
    // Most samples only check and prepare again: one wasm call. Anything else between the two
    // (aggregation, layout update, stopping, watermarks) takes the general path below.
    if (!aggregate && !update && !this.stopRequested && !ctx.schemes.length && !ctx.allTargetsInvalid()) {
      passes.checkAndPrepare(ctx.ptr);
      if (ctx.runAfterSampling()) return this.#exit();
      this.nextWakeUs += Math.max(ctx.attrs.sampleUs, 1);
      return;
    }
    const maxNrAccesses = passes.checkAccesses(ctx.ptr);
    if (aggregate) {
      passes.mergeRegions(ctx.ptr, Math.floor(maxNrAccesses / 10));
      if (ctx.runAfterAggregation()) return this.#exit();
    }
    // kdamond_apply_schemes: before 6.7 at aggregations; from 6.7 each scheme when its apply
    // interval has passed (the aggregation interval unless set), between aggregations too.
    // (The sample loop is hot: build the due list only when some scheme is due.)
    if (legacy) {
      if (aggregate) ctx.applySchemes(now);
    } else if (ctx.schemes.some((s) => this.passed >= s.nextApplySis)) {
      const due = ctx.schemes.filter((s) => this.passed >= s.nextApplySis);
      ctx.applySchemes(now, due);
      for (const s of due) s.nextApplySis = this.passed + this.#applyIntervalSis(s);
    }
    if (aggregate) {
      this.#nextAggregationSis += Math.floor(ctx.attrs.aggrUs / this.#sampleSis);
      this.#aggregationBaselineUs = now;
      ctx.emitSnapshot(this.#lastAggregationUs, now);
      this.#lastAggregationUs = now;
      ctx.regions.ensureCapacity(ctx.regions.count * 3);
      passes.resetAndSplit(ctx.ptr);
    }
    if (update) {
      this.#nextOpsUpdateSis += Math.floor(ctx.attrs.opsUpdateUs / this.#sampleSis);
      this.#opsUpdateBaselineUs = now;
      ctx.updateRegions();
      ctx.updateSizeLimit();
    }
    this.#loopTop();
  }

  #loopTop(): void {
    const ctx = this.ctx;
    if (this.stopRequested || ctx.allTargetsInvalid()) return this.#exit();
    // kdamond_wait_activation: with every scheme held off by its watermarks, sleep and recheck.
    // The minimum only ever decreases while waiting, as in the kernel's loop.
    const wait = ctx.activationWaitUs();
    this.#activationWait = this.#activationWait === null ? wait : Math.min(this.#activationWait, wait);
    if (this.#activationWait > 0) {
      this.waitingActivation = true;
      this.nextWakeUs += this.#activationWait;
      return;
    }
    this.#activationWait = null;
    ctx.passes.prepareAccessChecks(ctx.ptr);
    if (ctx.runAfterSampling()) return this.#exit();
    this.nextWakeUs += Math.max(ctx.attrs.sampleUs, 1);
  }

  #exit(): void {
    this.nextWakeUs = Infinity;
    this.ctx.terminated();
    this.ctx.sim.kdamondExited(this.ctx, this.thread);
  }
}
