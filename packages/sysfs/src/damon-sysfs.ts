import type { DamonContext, Simulation } from "@damon-sim/core";
import type { DirNode, SimKernel } from "@damon-sim/dbgfs";
import { kdir, NumberedDirs } from "./attr.js";
import { SysfsKdamond } from "./kdamond.js";
import { nrFile } from "./values.js";
import { DEFAULT_SYSFS_VERSION, sysfsBehaviour, type SysfsBehaviour, type SysfsVersion } from "./versions.js";

export interface DamonSysfsOptions {
  /** Which kernel's sysfs files and rules to present (default 6.8). */
  version?: SysfsVersion;
}

/**
 * The kernel's DAMON sysfs interface: `dir` is <sysfs>/kernel/mm/damon, holding
 * admin/kdamonds/. Mount it with `vfs.mkdirp("/sys/kernel/mm").add(sysfs.dir)`.
 */
export class DamonSysfs {
  readonly sim: Simulation;
  readonly behaviour: SysfsBehaviour;
  readonly dir: DirNode = kdir("damon");
  readonly kdamonds: NumberedDirs<SysfsKdamond>;
  /** Told about every DAMON context a kdamond starts (to watch its tracepoint, say). */
  onContextStarted?: (ctx: DamonContext) => void;

  constructor(sim: Simulation, options: DamonSysfsOptions = {}) {
    this.sim = sim;
    this.behaviour = sysfsBehaviour(options.version ?? DEFAULT_SYSFS_VERSION);
    const kdamondsDir = this.dir.add(kdir("admin")).add(kdir("kdamonds"));
    const hooks = {
      sim,
      behaviour: this.behaviour,
      contextStarted: (ctx: DamonContext) => this.onContextStarted?.(ctx),
    };
    this.kdamonds = new NumberedDirs(kdamondsDir, (i) => new SysfsKdamond(i, hooks));
    // damon_sysfs_kdamonds_busy: no directory goes away while its kdamond runs.
    kdamondsDir.add(nrFile("nr_kdamonds", this.kdamonds, { busy: () => this.kdamonds.items.some((k) => k.running) }));
  }
}

/**
 * Adds the sysfs interface to a simulated machine: /sys/kernel/mm/damon in its file tree,
 * and the damon_aggregated tracepoint (tracing/) for every context a kdamond starts.
 */
export function attachSysfs(kernel: SimKernel, options: DamonSysfsOptions = {}): DamonSysfs {
  const sysfs = new DamonSysfs(kernel.sim, options);
  kernel.vfs.mkdirp("/sys/kernel/mm").add(sysfs.dir);
  sysfs.onContextStarted = (ctx) => kernel.tracing.watch(ctx);
  return sysfs;
}
