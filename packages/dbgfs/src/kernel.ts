import { Simulation, type SimulationOptions } from "@damon-sim/core";
import { DamonDir } from "./damon-dir.js";
import { procfs } from "./procfs.js";
import { Tracing } from "./tracing.js";
import { DEFAULT_KERNEL, type KernelVersion } from "./versions.js";
import { DirNode, Vfs } from "./vfs.js";

export interface SimKernelOptions extends SimulationOptions {
  /** Which kernel's debugfs to present (default 6.8). */
  version?: KernelVersion;
}

/**
 * A simulated machine as user space sees it: the simulation, and a file system with the
 * debugfs root (damon/, tracing/) at /sys/kernel/debug and a small /proc.
 */
export class SimKernel {
  readonly sim: Simulation;
  readonly damon: DamonDir;
  readonly tracing: Tracing;
  /** The debugfs root, as `mount -t debugfs` shows it. */
  readonly debugfs: DirNode;
  /** The whole tree (/, /sys/kernel/debug, /proc). */
  readonly vfs: Vfs;

  private constructor(sim: Simulation, version: KernelVersion) {
    this.sim = sim;
    this.damon = new DamonDir(sim, { version });
    this.tracing = new Tracing(sim, this.damon.behaviour);
    for (const c of this.damon.contexts) this.tracing.watch(c.ctx);
    this.damon.onContextCreated = (c) => this.tracing.watch(c.ctx);
    this.debugfs = new DirNode("debug", 0o700);
    this.debugfs.add(this.damon.dir);
    this.debugfs.add(this.tracing.dir);
    this.vfs = new Vfs();
    this.vfs.mkdirp("/sys/kernel").add(this.debugfs);
    this.vfs.root.add(procfs(sim.machine));
    this.vfs.mkdirp("/tmp");
  }

  static async create(options: SimKernelOptions = {}): Promise<SimKernel> {
    return new SimKernel(await Simulation.create(options), options.version ?? DEFAULT_KERNEL);
  }

  static createSync(options: SimKernelOptions = {}): SimKernel {
    return new SimKernel(Simulation.createSync(options), options.version ?? DEFAULT_KERNEL);
  }

  get version(): KernelVersion {
    return this.damon.behaviour.version;
  }
}
