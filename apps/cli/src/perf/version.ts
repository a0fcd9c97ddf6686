import { DEFAULT_KERNEL } from "@damon-sim/dbgfs";

/**
 * The simulated kernel whose perf this is: $DAMON_SIM_KERNEL (set by `damon-sim run`), else
 * damon-sim's default kernel. perf ships with the kernel, so its version is the kernel's.
 */
export function simulatedKernel(env: NodeJS.ProcessEnv = process.env): string {
  return env.DAMON_SIM_KERNEL || DEFAULT_KERNEL;
}

/** `perf --version`'s line: the release `uname -r` prints inside `damon-sim run`. */
export function perfVersionLine(kernel: string): string {
  return `perf version ${kernel}.0-damon-sim`;
}

/** perf 6.5 widened `perf script`'s pid/tid columns from %5d to %7d. */
export function pidWidth(kernel: string): 5 | 7 {
  const m = /^(\d+)\.(\d+)/.exec(kernel);
  if (!m) return 5; // "seed": the interface's first commit, years before 6.5
  return Number(m[1]) * 1000 + Number(m[2]) >= 6005 ? 7 : 5;
}
