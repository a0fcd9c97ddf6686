import type { Machine } from "@damon-sim/core";
import { fail } from "./errno.js";
import { DirNode, FileNode, readSlice } from "./vfs.js";

const text = (render: () => string) => ({
  seekable: true,
  read: (count: number, pos: number) => readSlice(render(), count, pos),
});

/** A small /proc: per-task comm, maps and status, meminfo, and ns_last_pid (to choose pids). */
export function procfs(machine: Machine): DirNode {
  const root = new DirNode("proc", 0o555, (dir) => {
    for (const name of [...dir.children.keys()]) if (/^\d+$/.test(name) && !machine.task(Number(name))) dir.children.delete(name);
    for (const task of machine.tasks()) {
      if (dir.children.has(String(task.pid))) continue;
      const pidDir = new DirNode(String(task.pid), 0o555);
      pidDir.add(new FileNode("comm", 0o644, text(() => `${task.comm}\n`)));
      pidDir.add(new FileNode("maps", 0o444, text(() => task.mm?.formatMaps() ?? "")));
      pidDir.add(
        new FileNode("status", 0o444, text(() => {
          const kb = (bytes: number) => `${Math.floor(bytes / 1024)} kB`.padStart(12);
          const mm = task.mm;
          return [`Name:\t${task.comm}`, `Pid:\t${task.pid}`, ...(mm ? [`VmSize:\t${kb(mm.size)}`, `VmRSS:\t${kb(mm.residentBytes)}`, `VmSwap:\t${kb(mm.space.swappedPages * 4096)}`] : [])]
            .join("\n") + "\n";
        })),
      );
      dir.add(pidDir);
    }
  });
  root.add(
    new FileNode("meminfo", 0o444, text(() => {
      const kb = (bytes: number) => `${Math.floor(bytes / 1024)} kB`.padStart(16);
      return `MemTotal:${kb(machine.ramBytes)}\nMemFree:${kb(machine.freeBytes)}\n`;
    })),
  );
  const kernel = root.add(new DirNode("sys", 0o555)).add(new DirNode("kernel", 0o555));
  kernel.add(
    new FileNode("ns_last_pid", 0o666, {
      seekable: true,
      read: (count, pos) => readSlice(`${machine.lastPid}\n`, count, pos),
      write: (data) => {
        const value = new TextDecoder().decode(data).trim();
        if (!/^\d+$/.test(value)) return fail("EINVAL");
        try {
          machine.lastPid = Number(value);
        } catch {
          return fail("EINVAL");
        }
        return data.length;
      },
    }),
  );
  return root;
}
