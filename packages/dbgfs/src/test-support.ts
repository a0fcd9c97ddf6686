// Helpers shared by the dbgfs tests (not part of the published package).
import { SimKernel } from "./kernel.js";
import type { KernelVersion } from "./versions.js";

export const D = "/sys/kernel/debug/damon";

export async function boot(version: KernelVersion = "6.8") {
  const kernel = await SimKernel.create({ seed: 1, version });
  const vfs = kernel.vfs;
  const path = (p: string) => (p.startsWith("/") ? p : `${D}/${p}`);
  /** One open + write(2) + close: bytes written or -errno. */
  const write = (file: string, data: string | Uint8Array): number => vfs.writeFile(path(file), data);
  /** Reads the whole file with `count`-byte reads: text or -errno of the first failing read. */
  const read = (file: string, count?: number): string | number => vfs.readFile(path(file), count);
  /** A process with a mapped area, so it can be monitored. */
  const spawn = (comm = "work") => {
    const task = kernel.sim.machine.spawn(comm);
    task.mm!.mmap(64 << 20);
    return task.pid;
  };
  return { kernel, vfs, write, read, spawn, sim: kernel.sim, damon: kernel.damon };
}
