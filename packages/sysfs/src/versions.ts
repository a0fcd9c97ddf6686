import type { KernelBehaviour } from "@damon-sim/core";
import { dbgfsBehaviour, type KernelVersion } from "@damon-sim/dbgfs";

/**
 * Kernel versions whose DAMON sysfs files or rules differ. 5.18 introduced the interface;
 * each later entry is the first release with a visible change (mm/damon/sysfs*.c and
 * Documentation/ABI/testing/sysfs-kernel-mm-damon).
 */
export const SYSFS_VERSIONS = ["5.18", "5.19", "6.0", "6.1", "6.2", "6.3", "6.6", "6.7", "6.8", "6.9"] as const;
export type SysfsVersion = (typeof SYSFS_VERSIONS)[number];
export const DEFAULT_SYSFS_VERSION: SysfsVersion = "6.8";

export interface SysfsBehaviour {
  version: SysfsVersion;
  /** Keywords `state` accepts, in the kernel's order (damon_sysfs_cmd_strs). */
  stateCommands: readonly string[];
  /** Operations sets `operations` accepts, in enum damon_ops_id order. */
  operations: readonly string[];
  /** 5.19+: the read-only `avail_operations` file. */
  availOperations: boolean;
  /** DAMOS actions `action` accepts, in enum damos_action order. */
  actions: readonly string[];
  /**
   * 5.19+: commands other than on/off are handed to the running kdamond (EINVAL when it is
   * off); 5.18 answers update_schemes_stats from the last context even after it stopped.
   */
  commandsNeedRunning: boolean;
  /**
   * 6.9+: commands other than commit are handled from the kdamond's next sample, not only
   * from its next aggregation.
   */
  commandsEverySample: boolean;
  /** 5.19+: a paddr context with more than one target is EINVAL at 'on'. */
  onePaddrTarget: boolean;
  /** 6.1+: ranges, intervals, weights, watermarks and regions return kstrto*'s errno (ERANGE on overflow), EINVAL before. */
  storeReturnsKstrtoErr: boolean;
  /** 6.3+: an online attrs change rescales the regions' nr_accesses and age. */
  rescalesOnline: boolean;
  /** 6.2+: schemes/<S>/tried_regions/. */
  triedRegions: boolean;
  /** 6.6+: tried_regions/total_bytes. */
  triedBytes: boolean;
  /** DAMOS filter types (6.3+: anon memcg; 6.6+: addr target); empty before filters/. */
  filterTypes: readonly string[];
  /** 6.6+: addr_start, addr_end, damon_target_idx in each filter directory. */
  filterRangeFiles: boolean;
  /**
   * 6.7+ (v6.7-rc2, "check error from damon_sysfs_update_target()"): a `commit` whose pid or
   * regions for an already running target are invalid fails (and the kdamond stops); before,
   * mainline ignored the error and that target kept its pid and regions.
   */
  commitChecksTargetUpdate: boolean;
  /** 6.7+: schemes/<S>/apply_interval_us. */
  applyInterval: boolean;
  /**
   * 6.7+: update_schemes_tried_regions keeps one DAMON snapshot per scheme: a scheme is
   * finished after the sample following its first application, or once two of its apply
   * intervals (aggregation intervals without one) have passed (damos_tried_regions_init_upd_status).
   */
  triedRegionsOneSnapshot: boolean;
  /** 6.8+: quotas/goals/. */
  quotaGoals: boolean;
  /** 6.9+: goals/<G>/target_metric, quotas/effective_bytes. */
  goalMetric: boolean;
  /** The dbgfs preset whose algorithm switches this kernel shares. */
  coreVersion: KernelVersion;
  core: KernelBehaviour;
}

const order = (v: SysfsVersion) => SYSFS_VERSIONS.indexOf(v);

// The algorithm preset of each release: the nearest dbgfs preset at or before it, except that
// the 6.7 changes (sample counting, nr_accesses_bp) are dbgfs's 6.8 preset.
function coreVersionOf(version: SysfsVersion): KernelVersion {
  if (order(version) >= order("6.9")) return "6.9";
  if (order(version) >= order("6.7")) return "6.8";
  if (order(version) >= order("6.1")) return "6.1";
  if (order(version) >= order("6.0")) return "6.0";
  return "5.18";
}

export function sysfsBehaviour(version: SysfsVersion): SysfsBehaviour {
  if (!SYSFS_VERSIONS.includes(version)) throw new RangeError(`unknown kernel version ${version}`);
  const atLeast = (v: SysfsVersion) => order(version) >= order(v);
  const stateCommands = ["on", "off"];
  if (atLeast("5.19")) stateCommands.push("commit");
  if (atLeast("6.8")) stateCommands.push("commit_schemes_quota_goals");
  stateCommands.push("update_schemes_stats");
  if (atLeast("6.6")) stateCommands.push("update_schemes_tried_bytes");
  if (atLeast("6.2")) stateCommands.push("update_schemes_tried_regions", "clear_schemes_tried_regions");
  if (atLeast("6.9")) stateCommands.push("update_schemes_effective_quotas");
  const coreVersion = coreVersionOf(version);
  return {
    version,
    stateCommands,
    operations: atLeast("5.19") ? ["vaddr", "fvaddr", "paddr"] : ["vaddr", "paddr"],
    availOperations: atLeast("5.19"),
    actions: atLeast("6.0")
      ? ["willneed", "cold", "pageout", "hugepage", "nohugepage", "lru_prio", "lru_deprio", "stat"]
      : ["willneed", "cold", "pageout", "hugepage", "nohugepage", "stat"],
    commandsNeedRunning: atLeast("5.19"),
    commandsEverySample: atLeast("6.9"),
    onePaddrTarget: atLeast("5.19"),
    storeReturnsKstrtoErr: atLeast("6.1"),
    rescalesOnline: atLeast("6.3"),
    triedRegions: atLeast("6.2"),
    triedBytes: atLeast("6.6"),
    filterTypes: atLeast("6.6") ? ["anon", "memcg", "addr", "target"] : atLeast("6.3") ? ["anon", "memcg"] : [],
    filterRangeFiles: atLeast("6.6"),
    applyInterval: atLeast("6.7"),
    commitChecksTargetUpdate: atLeast("6.7"),
    triedRegionsOneSnapshot: atLeast("6.7"),
    quotaGoals: atLeast("6.8"),
    goalMetric: atLeast("6.9"),
    coreVersion,
    core: dbgfsBehaviour(coreVersion).core,
  };
}
