import type { Machine, Task } from "@damon-sim/core";
import { fail } from "./errno.js";
import { DirNode, FileNode, readSlice } from "./vfs.js";

const PAGE_SIZE = 4096;

const text = (render: () => string) => ({
  seekable: true,
  read: (count: number, pos: number) => readSlice(render(), count, pos),
});

/**
 * A small /proc: per-task comm, cmdline, maps, stat, statm and status, meminfo, iomem,
 * and ns_last_pid (to choose pids). Formats are fs/proc/array.c's and meminfo.c's.
 */
export function procfs(machine: Machine): DirNode {
  const root = new DirNode("proc", 0o555, (dir) => {
    for (const name of [...dir.children.keys()]) if (/^\d+$/.test(name) && !machine.task(Number(name))) dir.children.delete(name);
    for (const task of machine.tasks()) {
      if (dir.children.has(String(task.pid))) continue;
      dir.add(pidDir(task));
    }
  });
  root.add(new FileNode("meminfo", 0o444, text(() => formatMeminfo(machine))));
  // proc_create_seq_data("iomem", 0, ...): mode 0 means S_IRUGO (the kernel zeroes the
  // addresses for readers without CAP_SYS_ADMIN instead)
  root.add(new FileNode("iomem", 0o444, text(() => formatIomem(machine))));
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

/** /proc/PID: the files damo and ps read. */
export function pidDir(task: Task): DirNode {
  const dir = new DirNode(String(task.pid), 0o555);
  dir.add(new FileNode("comm", 0o644, text(() => `${task.comm}\n`)));
  // Kernel threads have an empty cmdline; a process's is its argv, NUL-terminated.
  dir.add(new FileNode("cmdline", 0o444, text(() => (task.mm ? `/usr/bin/${task.comm}\0` : ""))));
  dir.add(new FileNode("maps", 0o444, text(() => task.mm?.formatMaps() ?? "")));
  dir.add(new FileNode("stat", 0o444, text(() => formatStat(task))));
  dir.add(new FileNode("statm", 0o444, text(() => formatStatm(task))));
  dir.add(new FileNode("status", 0o444, text(() => formatStatus(task))));
  return dir;
}

/** What a process's memory looks like in pages: the numbers stat, statm and status share. */
function memoryPages(task: Task) {
  const mm = task.mm;
  if (!mm) return null;
  const vmas = mm.vmas;
  const image = `/usr/bin/${task.comm}`;
  const code = vmas.find((v) => v.name === image && v.perms === "r-xp");
  const imageVmas = vmas.filter((v) => v.name === image);
  const stack = vmas.find((v) => v.name === "[stack]");
  const heap = vmas.find((v) => v.name === "[heap]");
  const pages = (bytes: number) => Math.floor(bytes / PAGE_SIZE);
  // Private writable mappings count as data (VM_WRITE & ~VM_SHARED & ~VM_STACK), the stack apart.
  const data = vmas.filter((v) => v.perms[1] === "w" && v.name !== "[stack]").reduce((sum, v) => sum + v.end - v.start, 0);
  // File-backed resident pages are "shared" in statm; ours are all resident unless swapped.
  const file = vmas.filter((v) => v.name.startsWith("/")).reduce((sum, v) => sum + v.end - v.start, 0);
  const resident = pages(mm.residentBytes);
  return {
    size: pages(mm.size),
    resident,
    shared: Math.min(resident, pages(file)),
    text: code ? pages(code.end - code.start) : 0,
    data: pages(data),
    stack: stack ? pages(stack.end - stack.start) : 0,
    swap: mm.space.swappedPages,
    majorFaults: mm.majorFaults,
    startCode: code?.start ?? 0,
    endCode: code?.end ?? 0,
    startData: imageVmas.at(-1)?.start ?? 0,
    endData: imageVmas.at(-1)?.end ?? 0,
    startBrk: heap?.start ?? imageVmas.at(-1)?.end ?? 0,
    startStack: stack ? stack.end - 0x1000 : 0,
  };
}

// statm: "size resident shared text lib data dt" in pages; lib and dt are always 0.
function formatStatm(task: Task): string {
  const m = memoryPages(task);
  if (!m) return "0 0 0 0 0 0 0\n";
  return `${m.size} ${m.resident} ${m.shared} ${m.text} 0 ${m.data + m.stack} 0\n`;
}

// do_task_stat(): 52 fields. Simulated tasks sleep (S); kernel threads are kthreadd's children.
// rsslim is the RLIMIT_RSS every task inherits from init_task: RLIM_INFINITY, printed even
// without an mm. exit_signal is SIGCHLD (17) for what forks or kthread_create() make; init and
// kthreadd come from kernel_thread() without it, so theirs is 0.
const RLIM_INFINITY = "18446744073709551615";
const SIGCHLD = 17;

function formatStat(task: Task): string {
  const m = memoryPages(task);
  const kthread = task.kind === "kthread";
  const ppid = task.pid === 1 ? 0 : kthread && task.pid !== 2 ? 2 : task.pid === 2 ? 0 : 1;
  const flags = kthread ? 0x208040 : 0x400100; // PF_KTHREAD|PF_NOFREEZE|PF_FORKNOEXEC, PF_RANDOMIZE|PF_SUPERPRIV
  const fields: Array<number | string> = [
    task.pid, `(${task.comm})`, kthread ? "I" : "S", ppid, kthread ? 0 : task.pid, kthread ? 0 : task.pid, 0, -1, flags,
    0, 0, m?.majorFaults ?? 0, 0, // minflt cminflt majflt cmajflt
    0, 0, 0, 0, // utime stime cutime cstime
    20, 0, 1, 0, 0, // priority nice num_threads itrealvalue starttime
    (m?.size ?? 0) * PAGE_SIZE, m?.resident ?? 0, RLIM_INFINITY,
    m?.startCode ?? (kthread ? 0 : 1), m?.endCode ?? (kthread ? 0 : 1), m?.startStack ?? 0, 0, 0, // kstkesp/eip: 0 unless ptraced
    0, 0, kthread ? 0x7fffffff : 0, 0, // signal blocked sigignore sigcatch
    0, 0, 0, task.pid <= 2 ? 0 : SIGCHLD, 0, 0, 0, 0, 0, 0, // wchan 0 0 exit_signal processor rt_priority policy blkio gtime cgtime
    m?.startData ?? 0, m?.endData ?? 0, m?.startBrk ?? 0,
    m ? m.startStack + 0x100 : 0, m ? m.startStack + 0x110 : 0, m ? m.startStack + 0x110 : 0, m ? m.startStack + 0xfe0 : 0, 0,
  ];
  return `${fields.join(" ")}\n`;
}

// proc_pid_status(): the head and, for processes, task_mem()'s Vm* lines.
function formatStatus(task: Task): string {
  const m = memoryPages(task);
  const kb = (name: string, pages: number) => `${name}:\t${String(pages * 4).padStart(8)} kB`;
  const kthread = task.kind === "kthread";
  const lines = [
    `Name:\t${task.comm}`, "Umask:\t0022", `State:\t${kthread ? "I (idle)" : "S (sleeping)"}`, `Tgid:\t${task.pid}`, "Ngid:\t0",
    `Pid:\t${task.pid}`, `PPid:\t${task.pid === 1 ? 0 : kthread ? 2 : 1}`, "TracerPid:\t0", "Uid:\t0\t0\t0\t0", "Gid:\t0\t0\t0\t0",
    "FDSize:\t64", "Groups:\t",
  ];
  if (m) {
    lines.push(
      kb("VmPeak", m.size), kb("VmSize", m.size), kb("VmLck", 0), kb("VmPin", 0), kb("VmHWM", m.resident), kb("VmRSS", m.resident),
      kb("RssAnon", m.resident - m.shared), kb("RssFile", m.shared), kb("RssShmem", 0), kb("VmData", m.data), kb("VmStk", m.stack),
      kb("VmExe", m.text), kb("VmLib", 0), kb("VmPTE", Math.ceil(m.size / 512)), kb("VmSwap", m.swap),
    );
  }
  lines.push("Threads:\t1");
  return lines.join("\n") + "\n";
}

// meminfo_proc_show(): "Name:" padded to 16 columns, the value in kB right-aligned to 8.
function formatMeminfo(machine: Machine): string {
  const kb = (name: string, bytes: number) => `${`${name}:`.padEnd(16)}${String(Math.floor(bytes / 1024)).padStart(8)} kB\n`;
  let swapped = 0;
  for (const task of machine.tasks()) swapped += (task.mm?.space.swappedPages ?? 0) * PAGE_SIZE;
  const free = machine.freeBytes;
  const used = machine.ramBytes - free;
  return [
    kb("MemTotal", machine.ramBytes), kb("MemFree", free), kb("MemAvailable", free), kb("Buffers", 0), kb("Cached", 0),
    kb("SwapCached", 0), kb("Active", used), kb("Inactive", 0), kb("Active(anon)", used), kb("Inactive(anon)", 0),
    kb("Active(file)", 0), kb("Inactive(file)", 0), kb("Unevictable", 0), kb("Mlocked", 0),
    kb("SwapTotal", machine.ramBytes), kb("SwapFree", machine.ramBytes - swapped), kb("Dirty", 0), kb("Writeback", 0),
    kb("AnonPages", used), kb("Mapped", 0), kb("Shmem", 0),
  ].join("");
}

// r_show() for iomem_resource: "%08llx-%08llx : name", inclusive ends. The simulated physical
// address space is [0, ramBytes), all RAM but the first page (reserved, as on x86).
function formatIomem(machine: Machine): string {
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  return `${hex(0)}-${hex(0xfff)} : Reserved\n${hex(0x1000)}-${hex(machine.ramBytes - 1)} : System RAM\n`;
}
