import type { KernelBehaviour } from "@damon-sim/core";

/**
 * Kernel versions whose debugfs behaviour differs (spec kernel-damon.md §2). "seed" is the
 * commit that introduced the interface: attrs, target_ids and monitor_on only.
 */
export const KERNEL_VERSIONS = ["seed", "5.15", "5.16", "5.17", "5.18", "6.0", "6.1", "6.8", "6.9"] as const;
export type KernelVersion = (typeof KERNEL_VERSIONS)[number];
export const DEFAULT_KERNEL: KernelVersion = "6.8";

export interface DbgfsBehaviour {
  version: KernelVersion;
  /** Files of each context directory, in creation order. */
  contextFiles: readonly string[];
  /** Files only in the root directory, in creation order. */
  rootFiles: readonly string[];
  /** The name of the on/off file (monitor_on_DEPRECATED from 6.9). */
  monitorOn: string;
  /** 5.16/5.17: paddr accepted, "42    " trick; 5.18+: one target; none before. */
  paddr: "none" | "5.16" | "5.18";
  /** 5.18+: target_ids are signed ints and a missing pid is ENOMEM (EINVAL before). */
  signedPids: boolean;
  /** 5.17+: init_regions name targets by index (by id in 5.16). */
  initRegionsByIndex: boolean;
  /** 5.17+: schemes' ranges and watermarks are validated; 5 statistics instead of 2. */
  schemesValidated: boolean;
  /** 5.16+: "on" with a context that has no target is EINVAL. */
  onRequiresTargets: boolean;
  /** 6.0+: rm_contexts of a non-directory is EINVAL (corrupts the context array before). */
  rmNonDirEinval: boolean;
  /** 6.1+: mk_contexts reports EEXIST and VFS name errors (a broken context before). */
  mkChecksNames: boolean;
  /** 6.3+: the first open of any file logs a deprecation warning once. */
  warnsDeprecation: boolean;
  /** 5.16+: the damon_aggregated tracepoint prints the region's age. */
  traceHasAge: boolean;
  /** 5.18+: the tracepoint prints the target's index (an opaque id before). */
  traceTargetIndex: boolean;
  /** The algorithm's version switches for core. */
  core: KernelBehaviour;
}

const order = (v: KernelVersion) => KERNEL_VERSIONS.indexOf(v);

export function dbgfsBehaviour(version: KernelVersion): DbgfsBehaviour {
  if (!KERNEL_VERSIONS.includes(version)) throw new RangeError(`unknown kernel version ${version}`);
  const atLeast = (v: KernelVersion) => order(version) >= order(v);
  const v516 = atLeast("5.16");
  return {
    version,
    contextFiles: version === "seed"
      ? ["attrs", "target_ids"]
      : v516
        ? ["attrs", "schemes", "target_ids", "init_regions", "kdamond_pid"]
        : ["attrs", "target_ids", "kdamond_pid"],
    rootFiles: version === "seed"
      ? ["monitor_on"]
      : atLeast("6.9")
        ? ["mk_contexts", "rm_contexts", "monitor_on_DEPRECATED", "DEPRECATED"]
        : ["mk_contexts", "rm_contexts", "monitor_on"],
    monitorOn: atLeast("6.9") ? "monitor_on_DEPRECATED" : "monitor_on",
    paddr: atLeast("5.18") ? "5.18" : v516 ? "5.16" : "none",
    signedPids: atLeast("5.18"),
    initRegionsByIndex: atLeast("5.17"),
    schemesValidated: atLeast("5.17"),
    onRequiresTargets: v516,
    rmNonDirEinval: atLeast("6.0"),
    mkChecksNames: atLeast("6.1"),
    warnsDeprecation: atLeast("6.8"), // 6.3/6.4 in practice; 6.8 is the first preset after it
    traceHasAge: v516,
    traceTargetIndex: atLeast("5.18"),
    core: {
      age: v516,
      splitKeepsAge: v516,
      splitKeepsAccesses: atLeast("6.8"),
      accessBp: atLeast("6.8"),
      // The merge-until-max fix came late 2024; stable trees got it, the releases here did not.
      mergeUntilMax: false,
      fillHoles: atLeast("6.1"),
      rejectSampleOverAggr: atLeast("6.8"),
      sampleCountTiming: atLeast("6.8"),
    },
  };
}

/** The text of the DEPRECATED file and of the 6.3+ warning. */
export const DEPRECATION_NOTICE =
  "DAMON debugfs interface is deprecated, so users should move to DAMON_SYSFS. If you cannot, please report your usecase to damon@lists.linux.dev and linux-mm@kvack.org.\n";
