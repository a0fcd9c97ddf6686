import type { Simulation } from "@damon-sim/core";
import type { Workload } from "./workload.js";

export interface RunWorkloadOptions {
  /** Stop here (virtual µs); default: when the workload ends. */
  untilUs?: number;
  /** Virtual time per step between prefetches and progress reports (default 1 s). */
  chunkUs?: number;
  /** Called after each step with the time reached; return true to stop. May be async (e.g. to yield to a UI). */
  onProgress?: (nowUs: number) => boolean | void | Promise<boolean | void>;
}

/**
 * Runs the simulation alongside its workloads: prefetch every input up to the next step, run
 * the simulation to where all are ready, repeat. Streamed traces are read as they are
 * replayed, so memory stays bounded whatever their size. Models need no prefetch; this still
 * steps and reports. Without `untilUs`, runs until every workload is done.
 */
export async function runWorkload(sim: Simulation, workloads: Workload | readonly Workload[], options: RunWorkloadOptions = {}): Promise<void> {
  const list = Array.isArray(workloads) ? (workloads as readonly Workload[]) : [workloads as Workload];
  const chunk = options.chunkUs ?? 1_000_000;
  if (!(chunk > 0)) throw new RangeError(`chunkUs must be positive, got ${chunk}`);
  for (;;) {
    const end = options.untilUs ?? Math.max(...list.map((w) => w.endUs));
    if (sim.now >= end || (options.untilUs === undefined && list.every((w) => w.done))) return;
    const step = Math.min(end, sim.now + chunk);
    const ready = await Promise.all(list.map((w) => w.prefetch(step)));
    sim.runUntil(Math.min(...ready));
    if (await options.onProgress?.(sim.now)) return;
  }
}
