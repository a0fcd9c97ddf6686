// contexts/<C>/schemes/: the DAMOS part of the tree (mm/damon/sysfs-schemes.c).
import type { DirNode } from "@damon-sim/dbgfs";
import { attr, kdir, line, NumberedDirs, type Numbered } from "./attr.js";
import {
  boolFile, field, intFile, keywordFile, nrFile, uintFile, ulFile, ulReadOnly, type UlRange,
} from "./values.js";
import type { SysfsBehaviour } from "./versions.js";

export const WMARK_METRICS = ["none", "free_mem_rate"] as const;
export const GOAL_METRICS = ["user_input", "some_mem_psi_us"] as const;

function rangeDir(name: string, range: UlRange, b: SysfsBehaviour): DirNode {
  const dir = kdir(name);
  dir.add(ulFile("min", field(range, "min"), b.storeReturnsKstrtoErr));
  dir.add(ulFile("max", field(range, "max"), b.storeReturnsKstrtoErr));
  return dir;
}

/** quotas/goals/<G> (6.8+). */
export class SysfsGoal implements Numbered {
  readonly dir: DirNode;
  targetMetric = "user_input";
  targetValue = 0n;
  currentValue = 0n;

  constructor(index: number, b: SysfsBehaviour) {
    this.dir = kdir(String(index));
    if (b.goalMetric) this.dir.add(keywordFile("target_metric", GOAL_METRICS, field(this, "targetMetric")));
    this.dir.add(ulFile("target_value", field(this, "targetValue"), true));
    this.dir.add(ulFile("current_value", field(this, "currentValue"), true));
  }
}

/** filters/<F> (6.3+). */
export class SysfsFilter implements Numbered {
  readonly dir: DirNode;
  type = "anon";
  matching = false;
  /** As written, newline included (the kernel keeps the buffer); null until written. */
  memcgPath: string | null = null;
  addrStart = 0n;
  addrEnd = 0n;
  targetIdx = 0;

  constructor(index: number, b: SysfsBehaviour) {
    this.dir = kdir(String(index));
    this.dir.add(keywordFile("type", b.filterTypes, field(this, "type")));
    this.dir.add(boolFile("matching", field(this, "matching")));
    this.dir.add(attr("memcg_path", () => line(this.memcgPath ?? ""), (buf, count) => {
      this.memcgPath = buf;
      return count;
    }));
    if (b.filterRangeFiles) {
      this.dir.add(ulFile("addr_start", field(this, "addrStart"), true));
      this.dir.add(ulFile("addr_end", field(this, "addrEnd"), true));
      this.dir.add(intFile("damon_target_idx", field(this, "targetIdx"), true));
    }
  }
}

/** tried_regions/<R> (6.2+): a region some scheme tried, read-only. */
export class SysfsTriedRegion implements Numbered {
  readonly dir: DirNode;

  constructor(index: number, region: { start: bigint; end: bigint; nrAccesses: number; age: number }) {
    this.dir = kdir(String(index));
    this.dir.add(ulReadOnly("start", () => region.start));
    this.dir.add(ulReadOnly("end", () => region.end));
    this.dir.add(attr("nr_accesses", () => line(region.nrAccesses), null));
    this.dir.add(attr("age", () => line(region.age), null));
  }
}

export interface SchemeStats {
  nrTried: bigint;
  szTried: bigint;
  nrApplied: bigint;
  szApplied: bigint;
  qtExceeds: bigint;
}

/** schemes/<S>: what the user staged for one scheme, plus the statistics last copied in. */
export class SysfsScheme implements Numbered {
  readonly dir: DirNode;
  action = "stat";
  applyIntervalUs = 0n;
  readonly pattern: { sz: UlRange; nrAccesses: UlRange; age: UlRange } = {
    sz: { min: 0n, max: 0n },
    nrAccesses: { min: 0n, max: 0n },
    age: { min: 0n, max: 0n },
  };
  readonly quotas = { ms: 0n, bytes: 0n, resetIntervalMs: 0n, effectiveBytes: 0n };
  readonly weights = { sz: 0, nrAccesses: 0, age: 0 };
  readonly goals: NumberedDirs<SysfsGoal> | null = null;
  readonly wmarks = { metric: "none", intervalUs: 0n, high: 0n, mid: 0n, low: 0n };
  readonly filters: NumberedDirs<SysfsFilter> | null = null;
  readonly stats: SchemeStats = { nrTried: 0n, szTried: 0n, nrApplied: 0n, szApplied: 0n, qtExceeds: 0n };
  readonly triedRegions: NumberedDirs<SysfsTriedRegion> | null = null;
  triedTotalBytes = 0n;

  constructor(index: number, b: SysfsBehaviour) {
    const dir = (this.dir = kdir(String(index)));
    dir.add(keywordFile("action", b.actions, field(this, "action")));
    if (b.applyInterval) dir.add(ulFile("apply_interval_us", field(this, "applyIntervalUs"), true));

    const pattern = dir.add(kdir("access_pattern"));
    pattern.add(rangeDir("sz", this.pattern.sz, b));
    pattern.add(rangeDir("nr_accesses", this.pattern.nrAccesses, b));
    pattern.add(rangeDir("age", this.pattern.age, b));

    const quotas = dir.add(kdir("quotas"));
    quotas.add(ulFile("ms", field(this.quotas, "ms"), false));
    quotas.add(ulFile("bytes", field(this.quotas, "bytes"), false));
    quotas.add(ulFile("reset_interval_ms", field(this.quotas, "resetIntervalMs"), false));
    if (b.goalMetric) quotas.add(ulReadOnly("effective_bytes", () => this.quotas.effectiveBytes));
    const weights = quotas.add(kdir("weights"));
    weights.add(uintFile("sz_permil", field(this.weights, "sz"), b.storeReturnsKstrtoErr));
    weights.add(uintFile("nr_accesses_permil", field(this.weights, "nrAccesses"), b.storeReturnsKstrtoErr));
    weights.add(uintFile("age_permil", field(this.weights, "age"), b.storeReturnsKstrtoErr));
    if (b.quotaGoals) {
      const goalsDir = quotas.add(kdir("goals"));
      this.goals = new NumberedDirs(goalsDir, (i) => new SysfsGoal(i, b));
      goalsDir.add(nrFile("nr_goals", this.goals));
    }

    const wmarks = dir.add(kdir("watermarks"));
    wmarks.add(keywordFile("metric", WMARK_METRICS, field(this.wmarks, "metric")));
    wmarks.add(ulFile("interval_us", field(this.wmarks, "intervalUs"), b.storeReturnsKstrtoErr));
    wmarks.add(ulFile("high", field(this.wmarks, "high"), b.storeReturnsKstrtoErr));
    wmarks.add(ulFile("mid", field(this.wmarks, "mid"), b.storeReturnsKstrtoErr));
    wmarks.add(ulFile("low", field(this.wmarks, "low"), b.storeReturnsKstrtoErr));

    if (b.filterTypes.length) {
      const filtersDir = dir.add(kdir("filters"));
      this.filters = new NumberedDirs(filtersDir, (i) => new SysfsFilter(i, b));
      filtersDir.add(nrFile("nr_filters", this.filters));
    }

    const stats = dir.add(kdir("stats"));
    stats.add(ulReadOnly("nr_tried", () => this.stats.nrTried));
    stats.add(ulReadOnly("sz_tried", () => this.stats.szTried));
    stats.add(ulReadOnly("nr_applied", () => this.stats.nrApplied));
    stats.add(ulReadOnly("sz_applied", () => this.stats.szApplied));
    stats.add(ulReadOnly("qt_exceeds", () => this.stats.qtExceeds));

    if (b.triedRegions) {
      const tried = dir.add(kdir("tried_regions"));
      if (b.triedBytes) tried.add(ulReadOnly("total_bytes", () => this.triedTotalBytes));
      this.triedRegions = new NumberedDirs(tried, () => {
        throw new Error("tried regions are added by the kdamond");
      });
    }
  }

  /** damon_sysfs_schemes_clear_regions for this scheme. */
  clearTriedRegions(): void {
    this.triedRegions?.clear();
    this.triedTotalBytes = 0n;
  }

  /** Adds a region's size to total_bytes and, given a directory name, its directory. */
  addTriedRegion(region: { start: bigint; end: bigint; nrAccesses: number; age: number }, index: number | null): void {
    const dirs = this.triedRegions;
    if (!dirs) return;
    this.triedTotalBytes += region.end - region.start;
    if (index === null) return;
    const item = new SysfsTriedRegion(index, region);
    dirs.parent.add(item.dir);
    dirs.items.push(item);
  }
}
