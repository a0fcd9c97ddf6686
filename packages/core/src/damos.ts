import { REGION_AGE, REGION_NR_ACCESSES, REGION_NR_ACCESSES_BP } from "@damon-sim/wasm";
import { maxNrAccesses } from "./attrs.js";
import type { DamonContext } from "./context.js";
import { PAGE_SIZE } from "./address-space.js";
import { damosFilterOut, type DamosFilter } from "./damos-filter.js";

/** DAMOS actions, in debugfs's numbering (0..5). */
export const DAMOS_ACTIONS = ["willneed", "cold", "pageout", "hugepage", "nohugepage", "stat"] as const;
export type DamosAction = (typeof DAMOS_ACTIONS)[number];

/** Closed ranges a region must fall in (spec 1.14.1). */
export interface DamosAccessPattern {
  minSzRegion: number;
  maxSzRegion: number;
  minNrAccesses: number;
  maxNrAccesses: number;
  minAgeRegion: number;
  maxAgeRegion: number;
}

export interface DamosQuota {
  /** Time quota per charge window, in ms of action time (0: none). */
  ms: number;
  /** Size quota per charge window, in bytes (0: none). */
  sz: number;
  /** Charge window, in ms. */
  resetIntervalMs: number;
  weightSz: number;
  weightNrAccesses: number;
  weightAge: number;
}

export interface DamosWatermarks {
  /** 0: none (always active); 1: free memory rate in per mille. */
  metric: number;
  intervalUs: number;
  high: number;
  mid: number;
  low: number;
}

/** Statistics; 5.16 exposes only nrTried/szTried (as stat_count/stat_sz). */
export interface DamosStats {
  nrTried: number;
  szTried: number;
  nrApplied: number;
  szApplied: number;
  qtExceeds: number;
}

export interface DamosSpec {
  pattern: DamosAccessPattern;
  action: DamosAction;
  quota: DamosQuota;
  wmarks: DamosWatermarks;
  /** 6.3+ filters (sysfs only); core decides addr and target, the others never filter out. */
  filters?: readonly DamosFilter[];
  /** 6.7+ apply interval in µs (sysfs only); 0 or absent: every aggregation. */
  applyIntervalUs?: number;
  /** 6.8+ quota goals (sysfs only): the effective size quota follows them by feedback. */
  goals?: readonly DamosQuotaGoal[];
}

/** A quota auto-tuning goal (struct damos_quota_goal). */
export interface DamosQuotaGoal {
  /** 6.9+: "user_input" (values written by the user) or "some_mem_psi_us" (memory pressure stall time). */
  metric: "user_input" | "some_mem_psi_us";
  targetValue: number;
  currentValue: number;
}

/** What an action did to a process's memory, kept per target for users to inspect. */
export interface DamosEffect {
  timeUs: number;
  action: DamosAction;
  start: number;
  end: number;
  /** Bytes the action changed (pages reclaimed, swapped in, advised). */
  bytes: number;
}

/** A scheme with its live statistics and quota bookkeeping (struct damos). */
export class Damos {
  readonly pattern: Readonly<DamosAccessPattern>;
  readonly action: DamosAction;
  readonly quota: Readonly<DamosQuota>;
  readonly wmarks: Readonly<DamosWatermarks>;
  readonly filters: readonly DamosFilter[];
  readonly applyIntervalUs: number;
  /** @internal the sample count at which the scheme is next applied (6.7+) */
  nextApplySis = 0;
  /** Quota goals; their values can be replaced while running (commit_schemes_quota_goals). */
  goals: DamosQuotaGoal[];
  /** @internal the goal feedback loop's effective size quota in bp (esz_bp) */
  eszBp = 0;
  readonly stats: DamosStats = { nrTried: 0, szTried: 0, nrApplied: 0, szApplied: 0, qtExceeds: 0 };
  /** Watermark state: schemes start active. */
  activated = true;
  /** @internal quota state */
  esz = 0;
  /** @internal */
  chargedSz = 0;
  /** @internal null until the first charge window opens */
  chargedFromUs: number | null = null;
  /** @internal */
  totalChargedSz = 0;
  /** @internal */
  totalChargedNs = 0;
  /** @internal */
  minScore = 0;
  /** @internal the resume point after a quota ran out: target index, address */
  chargeTargetFrom: number | null = null;
  /** @internal */
  chargeAddrFrom = 0;

  constructor(spec: DamosSpec) {
    this.pattern = Object.freeze({ ...spec.pattern });
    this.action = spec.action;
    this.quota = Object.freeze({ ...spec.quota });
    this.wmarks = Object.freeze({ ...spec.wmarks });
    this.filters = Object.freeze([...(spec.filters ?? [])]);
    this.applyIntervalUs = spec.applyIntervalUs ?? 0;
    this.goals = (spec.goals ?? []).map((g) => ({ ...g }));
  }
}

const DAMOS_MAX_SCORE = 99;
const DAMON_MAX_SUBSCORE = 100;
const DAMON_MAX_AGE_IN_LOG = 32;

/**
 * Simulated cost of an action, in ns per page: what the time quota charges. Reclaim writes
 * to swap; advice only flips page flags.
 */
const ACTION_NS_PER_PAGE: Record<DamosAction, number> = {
  willneed: 1200,
  cold: 60,
  pageout: 2500,
  hugepage: 20,
  nohugepage: 20,
  stat: 0,
};

/**
 * damos_wmark_wait_us: 0 when the scheme is active, otherwise the time to wait before the
 * next check. `freeRate` is free memory in per mille.
 */
export function watermarkWaitUs(s: Damos, freeRate: number): number {
  if (s.wmarks.metric === 0) return 0; // DAMOS_WMARK_NONE
  const w = s.wmarks;
  // An unknown metric reads as -EINVAL cast to unsigned long: above any high watermark.
  const metric = s.wmarks.metric === 1 ? freeRate : 2 ** 64 - 22;
  if (metric > w.high || w.low > metric) {
    s.activated = false;
    return w.intervalUs;
  }
  if (w.high >= metric && metric >= w.mid && !s.activated) return w.intervalUs;
  s.activated = true;
  return 0;
}

/** damon_hot_score / damon_cold_score (6.x; same numbers as 5.16's prmtv score). */
export function coldScore(ctx: DamonContext, nrAccesses: number, age: number, s: Damos): number {
  const maxNr = maxNrAccesses(ctx.attrs) || 1;
  const freqSubscore = Math.floor((nrAccesses * DAMON_MAX_SUBSCORE) / maxNr);
  let ageInSec = Math.floor((age * ctx.attrs.aggrUs) / 1_000_000) >>> 0;
  let ageInLog = 0;
  for (; ageInLog < DAMON_MAX_AGE_IN_LOG && ageInSec; ageInLog++) ageInSec >>>= 1;
  if (freqSubscore === 0) ageInLog = -ageInLog;
  ageInLog += DAMON_MAX_AGE_IN_LOG;
  const ageSubscore = Math.trunc(Math.trunc((ageInLog * DAMON_MAX_SUBSCORE) / DAMON_MAX_AGE_IN_LOG) / 2);
  const { weightNrAccesses: fw, weightAge: aw } = s.quota;
  let hotness = fw * freqSubscore + aw * ageSubscore;
  if (fw + aw) hotness = Math.trunc(hotness / (fw + aw));
  hotness = Math.trunc((hotness * DAMOS_MAX_SCORE) / DAMON_MAX_SUBSCORE);
  return DAMOS_MAX_SCORE - hotness;
}

/** get_scheme_score: coldness for pageout, the maximum for every other action. */
function schemeScore(ctx: DamonContext, i: number, s: Damos): number {
  if (s.action !== "pageout") return DAMOS_MAX_SCORE;
  return coldScore(ctx, ctx.regions.nrAccesses(i), ctx.regions.age(i), s);
}

// __damos_valid_target: 6.7+ matches nr_accesses_bp / 10000, older kernels nr_accesses.
function matchesPattern(ctx: DamonContext, i: number, s: Damos): boolean {
  const table = ctx.regions;
  const u32 = ctx.sim.mem.u32;
  const p = table.ptr(i);
  const sz = table.end(i) - table.start(i);
  const nr = ctx.behaviour.accessBp
    ? Math.floor(u32[(p + REGION_NR_ACCESSES_BP) >>> 2] / 10000)
    : u32[(p + REGION_NR_ACCESSES) >>> 2];
  const age = u32[(p + REGION_AGE) >>> 2];
  const pat = s.pattern;
  return pat.minSzRegion <= sz && sz <= pat.maxSzRegion && pat.minNrAccesses <= nr && nr <= pat.maxNrAccesses &&
    pat.minAgeRegion <= age && age <= pat.maxAgeRegion;
}

/**
 * damos_quota_score: the highest goal achievement in bp (current / target × 10000). The
 * simulated machine has no memory stalls, so some_mem_psi_us reads 0. Goals with a zero
 * target (a division by zero in the kernel) are skipped.
 */
function quotaScore(s: Damos): number {
  let highest = 0;
  for (const g of s.goals) {
    if (g.metric === "some_mem_psi_us") g.currentValue = 0;
    if (!g.targetValue) continue;
    highest = Math.max(highest, Math.floor((g.currentValue * 10000) / g.targetValue));
  }
  return highest;
}

/** damon_feed_loop_next_input: raise the input while the score is under the goal, else lower it. */
export function feedLoopNextInput(lastInput: number, score: number): number {
  const goal = 10000;
  const diffBp = Math.floor(((Math.max(goal, score) - Math.min(goal, score)) * 10000) / goal);
  const compensation = Math.floor((lastInput * diffBp) / 10000);
  const minInput = 10000;
  if (goal > score) return lastInput + compensation;
  if (lastInput > compensation + minInput) return lastInput - compensation;
  return minInput;
}

/** damos_set_effective_quota (with 6.8's goals). */
function setEffectiveQuota(s: Damos): void {
  const q = s.quota;
  if (!q.ms && !s.goals.length) {
    s.esz = q.sz;
    return;
  }
  let esz = 0;
  if (s.goals.length) {
    s.eszBp = feedLoopNextInput(Math.max(s.eszBp, 10000), quotaScore(s));
    esz = Math.floor(s.eszBp / 10000);
  }
  if (q.ms) {
    const throughput = s.totalChargedNs ? Math.floor((s.totalChargedSz * 1_000_000) / s.totalChargedNs) : PAGE_SIZE * 1024;
    esz = s.goals.length ? Math.min(throughput * q.ms, esz) : throughput * q.ms;
  }
  if (q.sz && q.sz < esz) esz = q.sz;
  s.esz = esz;
}

/** damos_adjust_quota: charge windows, effective size quota, and the minimum score to apply. */
function adjustQuota(ctx: DamonContext, s: Damos, nowUs: number): void {
  const q = s.quota;
  if (!q.ms && !q.sz && !s.goals.length) return;
  if (s.chargedFromUs === null || nowUs >= s.chargedFromUs + q.resetIntervalMs * 1000) {
    if (ctx.behaviour.age && s.esz && s.chargedSz >= s.esz) s.stats.qtExceeds++;
    s.totalChargedSz += s.chargedSz;
    s.chargedFromUs = nowUs;
    s.chargedSz = 0;
    setEffectiveQuota(s);
  }
  const histogram = new Float64Array(DAMOS_MAX_SCORE + 1);
  let maxScore = 0;
  for (let i = 0; i < ctx.regions.count; i++) {
    if (!matchesPattern(ctx, i, s)) continue;
    const score = schemeScore(ctx, i, s);
    histogram[score] += ctx.regions.end(i) - ctx.regions.start(i);
    if (score > maxScore) maxScore = score;
  }
  let score = maxScore;
  for (let cumulated = 0; ; score--) {
    cumulated += histogram[score];
    if (cumulated >= s.esz || !score) break;
  }
  s.minScore = score;
}

/**
 * damos_skip_charged_region: after a quota ran out, the next window resumes where it stopped.
 * Returns the index to act on (maybe a split-off tail), or -1 to skip the region.
 */
function skipCharged(ctx: DamonContext, t: number, i: number, s: Damos, last: number): number {
  if (s.chargeTargetFrom === null) return i;
  const minRegion = ctx.minRegionSize;
  if (t !== s.chargeTargetFrom) return -1;
  if (i === last) {
    s.chargeTargetFrom = null;
    s.chargeAddrFrom = 0;
    return -1;
  }
  const table = ctx.regions;
  if (s.chargeAddrFrom && table.end(i) <= s.chargeAddrFrom) return -1;
  if (s.chargeAddrFrom && table.start(i) < s.chargeAddrFrom) {
    let skip = Math.floor((s.chargeAddrFrom - table.start(i)) / minRegion) * minRegion;
    if (!skip) {
      if (table.end(i) - table.start(i) <= minRegion) return -1;
      skip = minRegion;
    }
    table.splitAt(i, skip, splitCarry(ctx));
    i++;
  }
  s.chargeTargetFrom = null;
  s.chargeAddrFrom = 0;
  return i;
}

function splitCarry(ctx: DamonContext) {
  return { age: ctx.behaviour.splitKeepsAge, accesses: ctx.behaviour.splitKeepsAccesses };
}

/** The operations layer's part: what an action does to the target's memory. Returns bytes applied. */
export type ApplyAction = (ctx: DamonContext, t: number, start: number, end: number, s: Damos) => number;

/**
 * kdamond_apply_schemes for one aggregation: quotas, then every region of every target
 * against every active scheme, in the kernel's order (a region split while being processed
 * leaves its tail for the next pass, as the kernel's safe iteration does).
 */
export function applySchemes(ctx: DamonContext, schemes: readonly Damos[], nowUs: number, apply: ApplyAction): void {
  if (!schemes.some((s) => s.activated)) return;
  for (const s of schemes) if (s.activated) adjustQuota(ctx, s, nowUs);
  const table = ctx.regions;
  for (let t = 0; t < ctx.targets.length; t++) {
    let i = table.firstOf(t);
    let end = i + table.countOf(t); // one past the target's last region
    while (i < end) {
      const before = table.count;
      let r = i;
      for (const s of schemes) {
        if (!s.activated) continue;
        if (s.esz && s.chargedSz >= s.esz) continue;
        const inserted = table.count - before;
        const next = skipCharged(ctx, t, r, s, end - 1 + inserted);
        if (next < 0) continue;
        r = next;
        if (!matchesPattern(ctx, r, s)) continue;
        if (s.esz && schemeScore(ctx, r, s) < s.minScore) continue;
        applyToRegion(ctx, t, r, s, apply);
      }
      // The kernel's safe iteration took `next` before any split: tails made here wait a pass.
      const inserted = table.count - before;
      end += inserted;
      i += 1 + inserted;
    }
  }
}

// damos_apply_scheme.
function applyToRegion(ctx: DamonContext, t: number, r: number, s: Damos, apply: ApplyAction): void {
  const table = ctx.regions;
  let sz = table.end(r) - table.start(r);
  let applied = 0;
  if (s.esz && s.chargedSz + sz > s.esz) {
    sz = Math.floor((s.esz - s.chargedSz) / ctx.minRegionSize) * ctx.minRegionSize;
    if (!sz) {
      updateStats(s, 0, 0);
      return;
    }
    table.splitAt(r, sz, splitCarry(ctx));
  }
  // damos_filter_out: a filtered-out region is neither tried nor charged.
  for (const filter of s.filters) if (damosFilterOut(ctx, t, r, filter)) return;
  applied = apply(ctx, t, table.start(r), table.end(r), s);
  s.totalChargedNs += (sz / PAGE_SIZE) * ACTION_NS_PER_PAGE[s.action];
  s.chargedSz += sz;
  if (s.esz && s.chargedSz >= s.esz) {
    s.chargeTargetFrom = t;
    s.chargeAddrFrom = table.end(r) + 1;
  }
  if (s.action !== "stat") ctx.sim.mem.u32[(table.ptr(r) + REGION_AGE) >>> 2] = 0;
  updateStats(s, sz, applied);
}

function updateStats(s: Damos, szTried: number, szApplied: number): void {
  s.stats.nrTried++;
  s.stats.szTried += szTried;
  if (szApplied) s.stats.nrApplied++;
  s.stats.szApplied += szApplied;
}
