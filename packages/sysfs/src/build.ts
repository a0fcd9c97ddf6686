// damon_sysfs_build_ctx and damon_sysfs_apply_inputs: from a context directory to a DAMON
// context, checked in the kernel's order, installed fresh ('on') or online ('commit').
import {
  setRegions, updateMonitoringResult, type DamonAttrs, type DamonContext, type DamosAction, type DamosFilter,
  type DamosFilterType, type DamosQuotaGoal, type DamosSpec, type InitRegion, type Machine,
} from "@damon-sim/core";
import { Errno, sysfsStreq } from "@damon-sim/dbgfs";
import type { SysfsContext } from "./context.js";
import type { SysfsScheme } from "./schemes.js";
import type { SysfsBehaviour } from "./versions.js";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** u64 values beyond 2^53 are kept exactly in the files; core takes the nearest safe number. */
const num = (v: bigint) => Number(v > MAX_SAFE ? MAX_SAFE : v);

/** What damon_sysfs_build_ctx makes of a context directory, checked in the kernel's order. */
export interface ContextPlan {
  ops: "vaddr" | "fvaddr" | "paddr";
  attrs: { sampleUs: number; aggrUs: number; opsUpdateUs: number; minNrRegions: number; maxNrRegions: number };
  targets: Array<{ pid: number; ranges: Array<{ start: bigint; end: bigint }> }>;
  schemes: DamosSpec[];
}

/**
 * damon_sysfs_build_ctx's checks, in order: attributes (damon_set_attrs), then targets
 * (one paddr target from 5.19, pids that exist, regions in order), then schemes (filters).
 */
export function planContext(sys: SysfsContext, b: SysfsBehaviour, machine: Machine, runningPids?: number[]): ContextPlan | number {
  const { sampleUs, aggrUs, updateUs } = sys.intervals;
  const { min, max } = sys.nrRegions;
  if (min < 3n || min > max) return -Errno.EINVAL;
  if (b.core.rejectSampleOverAggr && sampleUs > aggrUs) return -Errno.EINVAL;
  const ops = sys.operations as ContextPlan["ops"];
  if (b.onePaddrTarget && ops === "paddr" && sys.targets.nr > 1) return -Errno.EINVAL;
  const targets: ContextPlan["targets"] = [];
  for (const [i, t] of sys.targets.items.entries()) {
    // Before 6.7 a commit's damon_sysfs_update_target error was ignored: a running target
    // with an invalid pid keeps its pid and regions; with invalid regions, its regions.
    const lenient = runningPids !== undefined && i < runningPids.length && !b.commitChecksTargetUpdate;
    if (ops !== "paddr" && !(t.pid > 0 && machine.task(t.pid))) {
      if (!lenient) return -Errno.EINVAL;
      targets.push({ pid: runningPids[i], ranges: [] });
      continue;
    }
    const ranges = rangesOf(t.regions.items);
    if (typeof ranges === "number" && !lenient) return ranges;
    targets.push({ pid: t.pid, ranges: typeof ranges === "number" ? [] : ranges });
  }
  const schemes: DamosSpec[] = [];
  for (const s of sys.schemes.items) {
    const spec = schemeSpec(s);
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

/** damon_sysfs_set_regions' checks: no region ends before it starts, none overlaps the previous. */
function rangesOf(regions: ReadonlyArray<{ start: bigint; end: bigint }>): Array<{ start: bigint; end: bigint }> | number {
  const ranges: Array<{ start: bigint; end: bigint }> = [];
  for (const r of regions) {
    if (r.start > r.end) return -Errno.EINVAL;
    const prev = ranges[ranges.length - 1];
    if (prev && prev.end > r.start) return -Errno.EINVAL;
    ranges.push({ start: r.start, end: r.end });
  }
  return ranges;
}

// damon_sysfs_mk_scheme. A filter that cannot be made fails the scheme, which the kernel
// reports as ENOMEM; the only memory cgroup of the simulated machine is the root, "/".
function schemeSpec(s: SysfsScheme): DamosSpec | number {
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
    applyIntervalUs: num(s.applyIntervalUs),
    goals: goalsOf(s),
  };
}

/** Puts a plan into a context: before starting (fresh), or from a kdamond callback (online). */
export function installPlan(ctx: DamonContext, plan: ContextPlan, online: boolean, b: SysfsBehaviour): void {
  if (online && b.rescalesOnline) rescaleRegions(ctx, plan.attrs);
  ctx.setAttrs(plan.attrs, { online });
  const physical = plan.ops === "paddr";
  // damon_select_ops comes first: fvaddr drops ops.update (no layout refits), vaddr brings it back.
  if (online && !physical) ctx.fixedRegions = plan.ops === "fvaddr";
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
  // damon_sysfs_update_scheme rewrites the parameters of schemes that stay and keeps their
  // statistics, quota charging, watermark state and apply schedule.
  ctx.schemes.forEach((s, i) => {
    const prev = old[i];
    if (!prev) return;
    Object.assign(s.stats, prev.stats);
    s.activated = prev.activated;
    s.esz = prev.esz;
    s.eszBp = prev.eszBp;
    s.chargedSz = prev.chargedSz;
    s.chargedFromUs = prev.chargedFromUs;
    s.totalChargedSz = prev.totalChargedSz;
    s.totalChargedNs = prev.totalChargedNs;
    s.minScore = prev.minScore;
    s.chargeTargetFrom = prev.chargeTargetFrom;
    s.chargeAddrFrom = prev.chargeAddrFrom;
    s.nextApplySis = prev.nextApplySis;
  });
}

/** A scheme directory's quota goals (6.8+), as damos_sysfs_set_quota_scores makes them. */
export function goalsOf(s: SysfsScheme): DamosQuotaGoal[] {
  return (s.goals?.items ?? []).map((g) => ({
    metric: g.targetMetric as DamosQuotaGoal["metric"],
    targetValue: num(g.targetValue),
    currentValue: num(g.currentValue),
  }));
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
