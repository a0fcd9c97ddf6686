// kdamonds/<K>: state, pid, contexts/ and the commands `state` accepts (mm/damon/sysfs.c).
import {
  DamonError, setRegions, updateMonitoringResult, type DamonAttrs, type DamonContext, type DamosAction, type DamosFilter, type DamosFilterType, type DamosSpec,
  type InitRegion, type Simulation,
} from "@damon-sim/core";
import { Errno, type DirNode } from "@damon-sim/dbgfs";
import { attr, kdir, line, NumberedDirs, type Numbered } from "./attr.js";
import { SysfsContext } from "./context.js";
import { sysfsStreq } from "./kstrto.js";
import type { SysfsScheme } from "./schemes.js";
import { nrFile } from "./values.js";
import type { SysfsBehaviour } from "./versions.js";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** u64 values beyond 2^53 are kept exactly in the files; core takes the nearest safe number. */
const num = (v: bigint) => Number(v > MAX_SAFE ? MAX_SAFE : v);

/** What damon_sysfs_build_ctx makes of a context directory, checked in the kernel's order. */
interface ContextPlan {
  ops: "vaddr" | "fvaddr" | "paddr";
  attrs: { sampleUs: number; aggrUs: number; opsUpdateUs: number; minNrRegions: number; maxNrRegions: number };
  targets: Array<{ pid: number; ranges: Array<{ start: bigint; end: bigint }> }>;
  schemes: DamosSpec[];
}

export interface KdamondHooks {
  sim: Simulation;
  behaviour: SysfsBehaviour;
  /** Told about each DAMON context a kdamond builds at 'on'. */
  contextStarted(ctx: DamonContext): void;
}

/** One kdamonds/<K> directory and the DAMON context it last ran. */
export class SysfsKdamond implements Numbered {
  readonly dir: DirNode;
  readonly contexts: NumberedDirs<SysfsContext>;
  /** The context built at the last 'on'; kept after it stops, freed at the next 'on'. */
  damonCtx: DamonContext | null = null;
  readonly #hooks: KdamondHooks;

  constructor(index: number, hooks: KdamondHooks) {
    this.#hooks = hooks;
    const b = hooks.behaviour;
    this.dir = kdir(String(index));
    this.dir.add(attr("state", () => line(this.running ? "on" : "off"), (buf, count) => {
      const cmd = b.stateCommands.find((c) => sysfsStreq(buf, c));
      const ret = cmd === undefined ? -Errno.EINVAL : this.#handle(cmd);
      return ret < 0 ? ret : count;
    }));
    this.dir.add(attr("pid", () => line(this.damonCtx?.kdamond?.pid ?? -1), null));
    const contextsDir = this.dir.add(kdir("contexts"));
    this.contexts = new NumberedDirs(contextsDir, (i) => new SysfsContext(i, b));
    // TODO in the kernel: one context per kdamond.
    contextsDir.add(nrFile("nr_contexts", this.contexts, { max: 1 }));
  }

  get running(): boolean {
    return this.damonCtx?.running ?? false;
  }

  /** kdamond release: the context goes with the directory. */
  release(): void {
    this.#destroyCtx();
  }

  #destroyCtx(): void {
    if (this.damonCtx && !this.damonCtx.running) this.#hooks.sim.removeContext(this.damonCtx);
    this.damonCtx = null;
  }

  // damon_sysfs_handle_cmd.
  #handle(cmd: string): number {
    const b = this.#hooks.behaviour;
    if (cmd === "on") return this.#turnOn();
    if (cmd === "off") return this.#turnOff();
    if (!b.commandsNeedRunning) {
      // 5.18: only update_schemes_stats, answered from the last context, running or not.
      if (!this.damonCtx) return -Errno.EINVAL;
      this.#updateStats();
      return 0;
    }
    // From 5.19 the command is handed to the kdamond's callbacks; the writer waits for them.
    if (!this.running) return -Errno.EINVAL;
    const ctx = this.damonCtx!;
    const sysCtx = this.contexts.items[0];
    switch (cmd) {
      case "update_schemes_stats":
        if (sysCtx) this.#updateStats();
        return 0;
      case "update_schemes_effective_quotas":
        if (sysCtx) this.#forEachScheme((s, d) => (s.quotas.effectiveBytes = BigInt(Math.floor(d.esz))));
        return 0;
      case "clear_schemes_tried_regions":
        if (sysCtx) this.#forEachScheme((s) => s.clearTriedRegions());
        return 0;
      case "update_schemes_tried_regions":
      case "update_schemes_tried_bytes":
        if (sysCtx) this.#updateTriedRegions(ctx, sysCtx, cmd === "update_schemes_tried_regions");
        return 0;
      case "commit":
        this.#atNextAggregation(ctx, () => (this.#commit(ctx) < 0 ? "stop" : "done"));
        return 0;
      case "commit_schemes_quota_goals":
        // Goals only feed quota auto-tuning, which the simulated DAMOS does not do.
        this.#atNextAggregation(ctx, () => (sysCtx ? "done" : "stop"));
        return 0;
    }
    return -Errno.EINVAL;
  }

  // damon_sysfs_turn_damon_on.
  #turnOn(): number {
    const { sim, behaviour } = this.#hooks;
    if (this.running) return -Errno.EBUSY;
    if (this.contexts.nr !== 1) return -Errno.EINVAL;
    this.#destroyCtx();
    const plan = this.#plan(this.contexts.items[0]);
    if (typeof plan === "number") return plan;
    const ctx = sim.createContext({ behaviour: behaviour.core, attrs: plan.attrs, fixedRegions: plan.ops === "fvaddr" });
    // damon_sysfs_before_terminate: virtual address targets are dropped when monitoring ends.
    ctx.onTerminate(() => {
      if (ctx.ops === "vaddr" && ctx.targets.length) ctx.clearTargets();
    });
    this.#install(ctx, plan, false);
    try {
      sim.start([ctx], false);
    } catch (e) {
      sim.removeContext(ctx);
      if (e instanceof DamonError) return -Errno[e.code as keyof typeof Errno];
      throw e;
    }
    this.damonCtx = ctx;
    this.#hooks.contextStarted(ctx);
    return 0;
  }

  // damon_sysfs_turn_damon_off: EINVAL without a context, EPERM (damon_stop) if it stopped.
  #turnOff(): number {
    const ctx = this.damonCtx;
    if (!ctx) return -Errno.EINVAL;
    if (!ctx.running) return -Errno.EPERM;
    this.#hooks.sim.stop([ctx]);
    return 0;
  }

  /**
   * damon_sysfs_build_ctx's checks, in order: attributes (damon_set_attrs), then targets
   * (one paddr target from 5.19, pids that exist, regions in order), then schemes (filters).
   */
  #plan(sys: SysfsContext): ContextPlan | number {
    const b = this.#hooks.behaviour;
    const { sampleUs, aggrUs, updateUs } = sys.intervals;
    const { min, max } = sys.nrRegions;
    if (min < 3n || min > max) return -Errno.EINVAL;
    if (b.core.rejectSampleOverAggr && sampleUs > aggrUs) return -Errno.EINVAL;
    const ops = sys.operations as ContextPlan["ops"];
    if (b.onePaddrTarget && ops === "paddr" && sys.targets.nr > 1) return -Errno.EINVAL;
    const targets: ContextPlan["targets"] = [];
    for (const t of sys.targets.items) {
      if (ops !== "paddr" && !(t.pid > 0 && this.#hooks.sim.machine.task(t.pid))) return -Errno.EINVAL;
      const ranges: Array<{ start: bigint; end: bigint }> = [];
      for (const r of t.regions.items) {
        if (r.start > r.end) return -Errno.EINVAL;
        const prev = ranges[ranges.length - 1];
        if (prev && prev.end > r.start) return -Errno.EINVAL;
        ranges.push({ start: r.start, end: r.end });
      }
      targets.push({ pid: t.pid, ranges });
    }
    const schemes: DamosSpec[] = [];
    for (const s of sys.schemes.items) {
      const spec = this.#schemeSpec(s);
      if (typeof spec === "number") return spec;
      schemes.push(spec);
    }
    return {
      ops,
      attrs: { sampleUs: num(sampleUs), aggrUs: num(aggrUs), opsUpdateUs: num(updateUs), minNrRegions: num(min), maxNrRegions: num(max) },
      targets,
      schemes,
    };
  }

  // damon_sysfs_mk_scheme. A filter that cannot be made fails the scheme, which the kernel
  // reports as ENOMEM; the only memory cgroup of the simulated machine is the root, "/".
  #schemeSpec(s: SysfsScheme): DamosSpec | number {
    const filters: DamosFilter[] = [];
    for (const f of s.filters?.items ?? []) {
      // damon_sysfs_memcg_path_eq compares with sysfs_streq: "/\n" is the root too.
      if (f.type === "memcg" && !(f.memcgPath !== null && sysfsStreq(f.memcgPath, "/"))) return -Errno.ENOMEM;
      if (f.type === "addr" && f.addrEnd < f.addrStart) return -Errno.ENOMEM;
      const filter: DamosFilter = { type: f.type as DamosFilterType, matching: f.matching };
      if (f.type === "memcg") filter.memcgId = 1;
      if (f.type === "addr") filter.addrRange = { start: num(f.addrStart), end: num(f.addrEnd) };
      if (f.type === "target") filter.targetIdx = f.targetIdx;
      filters.push(filter);
    }
    const p = s.pattern;
    return {
      pattern: {
        minSzRegion: num(p.sz.min), maxSzRegion: num(p.sz.max),
        minNrAccesses: num(p.nrAccesses.min), maxNrAccesses: num(p.nrAccesses.max),
        minAgeRegion: num(p.age.min), maxAgeRegion: num(p.age.max),
      },
      action: coreAction(s.action),
      quota: {
        ms: num(s.quotas.ms), sz: num(s.quotas.bytes), resetIntervalMs: num(s.quotas.resetIntervalMs),
        weightSz: s.weights.sz, weightNrAccesses: s.weights.nrAccesses, weightAge: s.weights.age,
      },
      wmarks: {
        metric: s.wmarks.metric === "free_mem_rate" ? 1 : 0,
        intervalUs: num(s.wmarks.intervalUs), high: num(s.wmarks.high), mid: num(s.wmarks.mid), low: num(s.wmarks.low),
      },
      filters,
    };
  }

  /** Puts a plan into a context: before starting (fresh), or from a kdamond callback (online). */
  #install(ctx: DamonContext, plan: ContextPlan, online: boolean): void {
    if (online && this.#hooks.behaviour.rescalesOnline) rescaleRegions(ctx, plan.attrs);
    ctx.setAttrs(plan.attrs, { online });
    const physical = plan.ops === "paddr";
    const pids = plan.targets.map((t) => t.pid);
    const sameTargets = online && ctx.ops === (physical ? "paddr" : "vaddr") &&
      (physical ? ctx.targets.length === plan.targets.length : ctx.targets.map((t) => t.id).join() === pids.join());
    if (!sameTargets) {
      // No paddr target at all behaves like a context without targets: it stops at once.
      if (!physical || !plan.targets.length) ctx.setTargets(physical ? [] : pids, { online });
      else if (online) ctx.setTargets("paddr", { online }); // one target, from 5.19
      else ctx.setPhysicalTargets(plan.targets.map(() => 42));
    }
    if (!online) {
      const regions: InitRegion[] = [];
      plan.targets.forEach((t, target) => {
        for (const r of t.ranges) if (r.start < r.end) regions.push({ target, start: r.start, end: r.end });
      });
      if (regions.length) ctx.setInitRegions(regions);
    } else {
      // damon_sysfs_update_target: regions are reset only where the user gave some
      // (damon_set_regions keeps what intersects them); other targets keep theirs.
      plan.targets.forEach((t, target) => {
        const ranges = t.ranges.filter((r) => r.start < r.end).map((r) => ({ start: num(r.start), end: num(r.end) }));
        if (!ranges.length) return;
        ctx.regions.replace(target, setRegions(ctx.regions.list(target), ranges, ctx.minRegionSize, ctx.behaviour.fillHoles));
      });
      if (!sameTargets) ctx.initRegions();
      ctx.updateSizeLimit();
    }
    const old = ctx.schemes;
    ctx.setSchemes(plan.schemes, { online });
    // damon_sysfs_update_scheme keeps the statistics of schemes that stay.
    ctx.schemes.forEach((s, i) => {
      if (old[i]) Object.assign(s.stats, old[i].stats);
    });
  }

  // damon_sysfs_commit_input, from the after-aggregation callback. An error stops the kdamond.
  #commit(ctx: DamonContext): number {
    if (this.contexts.nr !== 1) return -Errno.EINVAL;
    const plan = this.#plan(this.contexts.items[0]);
    if (typeof plan === "number") return plan;
    this.#install(ctx, plan, true);
    return 0;
  }

  #forEachScheme(fn: (sys: SysfsScheme, damos: DamonContext["schemes"][number]) => void): void {
    const sysSchemes = this.contexts.items[0]?.schemes.items ?? [];
    const schemes = this.damonCtx?.schemes ?? [];
    // The kernel walks the context's schemes; a shorter sysfs list ends the walk.
    for (let i = 0; i < schemes.length && i < sysSchemes.length; i++) fn(sysSchemes[i], schemes[i]);
  }

  #updateStats(): void {
    this.#forEachScheme((sys, damos) => {
      const st = damos.stats;
      sys.stats.nrTried = BigInt(st.nrTried);
      sys.stats.szTried = BigInt(st.szTried);
      sys.stats.nrApplied = BigInt(st.nrApplied);
      sys.stats.szApplied = BigInt(st.szApplied);
      sys.stats.qtExceeds = BigInt(st.qtExceeds);
    });
  }

  /**
   * update_schemes_tried_regions (and _tried_bytes, without the directories): clears every
   * scheme's tried_regions, then records each region a scheme is about to act on (core's
   * before_damos_apply: past its pattern, quota and score checks) until every scheme has
   * tried some in one aggregation. Directory names count on across schemes in the order the
   * kdamond tries them (the kernel's damon_sysfs_schemes_region_idx).
   */
  #updateTriedRegions(ctx: DamonContext, sysCtx: SysfsContext, withDirs: boolean): void {
    this.#forEachScheme((s) => s.clearTriedRegions());
    const started = new Set<number>();
    const finished = new Set<number>();
    let index = 0;
    const offApply = ctx.onBeforeDamosApply((t, start, end, scheme) => {
      const i = ctx.schemes.indexOf(scheme);
      const sys = sysCtx.schemes.items[i];
      if (!sys || finished.has(i)) return;
      started.add(i);
      const r = ctx.regionsOf(t).find((x) => x.start === start);
      const region = { start: BigInt(start), end: BigInt(end), nrAccesses: r?.nrAccesses ?? 0, age: r?.age ?? 0 };
      sys.addTriedRegion(region, withDirs ? index++ : null);
    });
    // damon_sysfs_after_sampling marks the schemes that tried something as finished; the
    // next callback ends the update once every scheme has.
    let done = false;
    const offSampling = ctx.onAfterSampling(() => {
      for (const i of started) finished.add(i);
      done = sysCtx.schemes.items.every((_, i) => i >= ctx.schemes.length || finished.has(i));
      return false;
    });
    this.#runUntil(ctx, () => done);
    offApply();
    offSampling();
  }

  /**
   * Runs `step` from the kdamond's next after-aggregation callback; "stop" also stops the
   * kdamond (a callback's error ends it).
   */
  #atNextAggregation(ctx: DamonContext, step: () => "done" | "stop"): void {
    let done = false;
    const off = ctx.onAfterAggregation(() => {
      done = true;
      off();
      return step() === "stop";
    });
    this.#runUntil(ctx, () => done);
    off();
  }

  /**
   * Runs the simulation until `done()`, as the writer sleeps in the kernel until the kdamond
   * has handled its request. Gives up when the kdamond ends, or after two aggregation
   * intervals plus the longest watermark check interval of virtual time.
   */
  #runUntil(ctx: DamonContext, done: () => boolean): void {
    const sim = this.#hooks.sim;
    const waitUs = Math.max(...ctx.schemes.map((s) => s.wmarks.intervalUs), 0);
    const deadline = sim.now + 2 * Math.max(ctx.attrs.aggrUs, ctx.attrs.sampleUs, 1) + waitUs;
    while (!done() && ctx.running && sim.now <= deadline) {
      if (!sim.step()) break;
    }
  }
}

/**
 * damon_update_monitoring_results (6.3+): a running context's regions keep their access
 * rate and age in time, rescaled to new intervals; skipped if any interval is zero.
 */
function rescaleRegions(ctx: DamonContext, next: DamonAttrs): void {
  const old = ctx.attrs;
  if (!old.sampleUs || !old.aggrUs || !next.sampleUs || !next.aggrUs) return;
  for (let t = 0; t < ctx.targets.length; t++) {
    const regions = ctx.regions.list(t);
    for (const r of regions) updateMonitoringResult(r, old, next);
    ctx.regions.replace(t, regions);
  }
}

/** Core's actions; lru_prio/lru_deprio act only on paddr's LRU lists, so they count like stat. */
function coreAction(action: string): DamosAction {
  return action === "lru_prio" || action === "lru_deprio" ? "stat" : (action as DamosAction);
}
