// Helpers shared by the sysfs tests (not part of the published package).
import { SimKernel } from "@damon-sim/dbgfs";
import { attachSysfs } from "./damon-sysfs.js";
import { sysfsBehaviour, type SysfsVersion } from "./versions.js";

export const K = "/sys/kernel/mm/damon/admin/kdamonds";

export async function boot(version: SysfsVersion = "6.8") {
  const kernel = await SimKernel.create({ seed: 1, version: sysfsBehaviour(version).coreVersion });
  const sysfs = attachSysfs(kernel, { version });
  const vfs = kernel.vfs;
  const path = (p: string) => (p.startsWith("/") ? p : `${K}/${p}`);
  /** One open + write(2) + close: bytes written or -errno. */
  const write = (file: string, data: string | Uint8Array): number => vfs.writeFile(path(file), data);
  /** Reads the whole file with `count`-byte reads: text or -errno of the first failing read. */
  const read = (file: string, count?: number): string | number => vfs.readFile(path(file), count);
  /** Writes each "file value" pair in order, expecting every write to succeed. */
  const setup = (...pairs: Array<[string, string]>) => {
    for (const [file, value] of pairs) {
      const n = write(file, value);
      if (n !== value.length) throw new Error(`write ${JSON.stringify(value)} to ${file}: ${n}`);
    }
  };
  /** A process with a mapped area, so it can be monitored. */
  const spawn = (comm = "work") => {
    const task = kernel.sim.machine.spawn(comm);
    task.mm!.mmap(64 << 20);
    return task.pid;
  };
  const ls = (dir: string) => vfs.readdir(path(dir)) as string[];
  return { kernel, sysfs, vfs, sim: kernel.sim, write, read, setup, spawn, ls };
}

/** One kdamond, one context monitoring a new process, ready to turn on. */
export async function staged(version: SysfsVersion = "6.8") {
  const t = await boot(version);
  const pid = t.spawn();
  t.setup(
    ["nr_kdamonds", "1"],
    ["0/contexts/nr_contexts", "1"],
    ["0/contexts/0/targets/nr_targets", "1"],
    ["0/contexts/0/targets/0/pid_target", `${pid}`],
  );
  return { ...t, pid, C: "0/contexts/0" };
}
