import { AddressSpace, PAGE_SIZE } from "./address-space.js";
import { DamonError } from "./errors.js";
import { IntervalMap } from "./interval-map.js";
import type { SimMemory } from "./memory.js";

/** One mapping of a process, as /proc/PID/maps shows it. */
export interface Vma {
  readonly start: number;
  readonly end: number;
  /** rwxp flags, e.g. "rw-p". */
  readonly perms: string;
  /** Backing file or pseudo name ("[heap]", "[stack]"), "" for anonymous memory. */
  readonly name: string;
}

export interface MmapOptions {
  perms?: string;
  name?: string;
  /** MAP_FIXED: map exactly here, replacing what was there. */
  fixed?: number;
}

// x86-64 with ASLR off (setarch -R), as a debugger or a reproducible benchmark sees it.
const TASK_SIZE = 0x7ffffffff000;
const STACK_TOP = TASK_SIZE;
const MMAP_BASE = 0x7ffff7fff000; // TASK_SIZE - 128 MiB gap
const PIE_BASE = 0x555555554000;
const MMAP_MIN = 0x10000;

/** The memory of a process: its VMAs and the page table of their Accessed bits. */
export class Mm {
  readonly space: AddressSpace;
  /** THP advice per range (MADV_HUGEPAGE / MADV_NOHUGEPAGE), as DAMOS left it. */
  readonly hugepageAdvice = new IntervalMap<"hugepage" | "nohugepage">();
  /** Ranges DAMOS deactivated (MADV_COLD), with the virtual time it did. */
  readonly coldSince = new IntervalMap<number>();
  #vmas: Vma[] = [];
  #brkStart = 0;
  #brk = 0;

  constructor(mem: SimMemory) {
    this.space = new AddressSpace(mem);
  }

  get vmas(): readonly Vma[] {
    return this.#vmas;
  }

  /** Page-table root pointer, as the monitor's target table stores it. */
  get root(): number {
    return this.space.root;
  }

  /** Bytes mapped. */
  get size(): number {
    let total = 0;
    for (const vma of this.#vmas) total += vma.end - vma.start;
    return total;
  }

  /** Bytes mapped and not swapped out (mappings count as populated). */
  get residentBytes(): number {
    return this.size - this.space.swappedPages * PAGE_SIZE;
  }

  /** Accesses that found their page swapped out. */
  get majorFaults(): number {
    return this.space.majorFaults;
  }

  get brk(): number {
    return this.#brk;
  }

  /** Maps `length` bytes (rounded up to pages) top-down below the mmap base; returns the address. */
  mmap(length: number, options: MmapOptions = {}): number {
    if (!Number.isSafeInteger(length) || length <= 0) throw new DamonError("EINVAL", `mmap: bad length ${length}`);
    const size = roundUp(length, PAGE_SIZE);
    let start: number;
    if (options.fixed !== undefined) {
      start = options.fixed;
      if (start % PAGE_SIZE !== 0 || start < MMAP_MIN || start + size > TASK_SIZE) {
        throw new DamonError("EINVAL", `mmap: bad fixed address 0x${start.toString(16)}`);
      }
      this.munmap(start, size);
    } else {
      start = this.#findTopDown(size);
    }
    this.#insert({ start, end: start + size, perms: options.perms ?? "rw-p", name: options.name ?? "" });
    return start;
  }

  /** Unmaps every page of [addr, addr + length), splitting VMAs as Linux does. */
  munmap(addr: number, length: number): void {
    if (addr % PAGE_SIZE !== 0 || !Number.isSafeInteger(length) || length <= 0) {
      throw new DamonError("EINVAL", `munmap: bad range 0x${addr.toString(16)}+${length}`);
    }
    const end = roundUp(addr + length, PAGE_SIZE);
    const kept: Vma[] = [];
    for (const vma of this.#vmas) {
      if (vma.end <= addr || vma.start >= end) {
        kept.push(vma);
        continue;
      }
      if (vma.start < addr) kept.push({ ...vma, end: addr });
      if (vma.end > end) kept.push({ ...vma, start: end });
    }
    this.#vmas = kept;
    this.space.unmap(addr, end, (s, e) => this.#overlaps(s, e));
    this.hugepageAdvice.clear(addr, end);
    this.coldSince.clear(addr, end);
  }

  /** Moves the program break (heap end); returns the new break, or the old one on failure. */
  setBrk(brk: number): number {
    const newEnd = roundUp(brk, PAGE_SIZE);
    const oldEnd = roundUp(this.#brk, PAGE_SIZE);
    if (brk < this.#brkStart) return this.#brk;
    if (newEnd > oldEnd) {
      if (this.#vmas.some((v) => v.start < newEnd && v.end > oldEnd)) return this.#brk;
      const heap = this.#vmas.find((v) => v.name === "[heap]");
      if (heap) this.#replace(heap, { ...heap, end: newEnd });
      else this.#insert({ start: this.#brkStart, end: newEnd, perms: "rw-p", name: "[heap]" });
      this.space.map(oldEnd, newEnd);
    } else if (newEnd < oldEnd) {
      this.munmap(newEnd, oldEnd - newEnd);
      if (newEnd > this.#brkStart && !this.#vmas.some((v) => v.name === "[heap]")) {
        this.#insert({ start: this.#brkStart, end: newEnd, perms: "rw-p", name: "[heap]" });
      }
    }
    this.#brk = brk;
    return brk;
  }

  /** Where the heap starts (end of the program's bss). */
  initBrk(start: number): void {
    this.#brkStart = this.#brk = start;
  }

  /** Whether every page of [start, end) is mapped (madvise fails with ENOMEM on holes). */
  covers(start: number, end: number): boolean {
    let at = start;
    for (const v of this.#vmas) {
      if (v.end <= at) continue;
      if (v.start > at) return false;
      at = v.end;
      if (at >= end) return true;
    }
    return at >= end;
  }

  /** The mapping holding `addr`, if any. */
  find(addr: number): Vma | undefined {
    return this.#vmas.find((v) => v.start <= addr && addr < v.end);
  }

  destroy(): void {
    this.space.destroy();
    this.#vmas = [];
  }

  /** /proc/PID/maps text. */
  formatMaps(): string {
    return this.#vmas
      .map((v) => `${hex(v.start)}-${hex(v.end)} ${v.perms} 00000000 00:00 0${v.name ? " ".repeat(19) + v.name : ""}\n`)
      .join("");
  }

  #insert(vma: Vma): void {
    if (this.#overlaps(vma.start, vma.end)) throw new DamonError("EINVAL", "mapping overlaps an existing one");
    const at = this.#vmas.findIndex((v) => v.start > vma.start);
    this.#vmas.splice(at < 0 ? this.#vmas.length : at, 0, vma);
    this.space.map(vma.start, vma.end);
  }

  #replace(old: Vma, next: Vma): void {
    this.#vmas[this.#vmas.indexOf(old)] = next;
  }

  #overlaps(start: number, end: number): boolean {
    return this.#vmas.some((v) => v.start < end && v.end > start);
  }

  // unmapped_area_topdown: the highest gap below the mmap base that fits.
  #findTopDown(size: number): number {
    let ceiling = MMAP_BASE;
    for (let i = this.#vmas.length - 1; i >= -1; i--) {
      const vma = this.#vmas[i];
      const floor = vma ? vma.end : MMAP_MIN;
      if (vma && vma.start >= ceiling) continue;
      if (ceiling - floor >= size) return ceiling - size;
      if (vma) ceiling = Math.min(ceiling, vma.start);
    }
    throw new DamonError("ENOMEM", `mmap: no room for ${size} bytes`);
  }
}

export type TaskKind = "process" | "kthread";

/** A task as the pid namespace sees it: a process with memory, or a kernel thread without. */
export class Task {
  #alive = true;
  constructor(
    readonly pid: number,
    readonly comm: string,
    readonly kind: TaskKind,
    readonly mm: Mm | null,
  ) {}

  get alive(): boolean {
    return this.#alive;
  }

  /** @internal */
  markDead(): void {
    this.#alive = false;
  }
}

/** The size of a program image, for building a process's layout. */
export interface ProgramImage {
  /** Bytes of code (r-xp). Default 16 KiB. */
  text?: number;
  /** Bytes of read-only data (r--p). Default 8 KiB. */
  rodata?: number;
  /** Bytes of initialised data + bss (rw-p). Default 8 KiB. */
  data?: number;
  /** Initial heap bytes (glibc's first sbrk is 132 KiB). Default 132 KiB; 0 for none. */
  heap?: number;
}

export interface SpawnOptions {
  /** "glibc" (default): a dynamically linked x86-64 program; "empty": no mappings at all. */
  layout?: "glibc" | "empty";
  image?: ProgramImage;
}

export interface MachineOptions {
  /** Build a freshly booted system's task table (default true). */
  boot?: boolean;
  /** Physical memory in bytes (default 16 GiB). */
  ramBytes?: number;
  /** /proc/sys/kernel/pid_max (default 32768, the kernel's default on small machines). */
  pidMax?: number;
}

// A freshly booted two-CPU Debian system: pid 1, then kernel threads, then a few daemons.
const BOOT_KTHREADS = [
  "kthreadd", "pool_workqueue_release", "kworker/R-rcu_g", "kworker/R-sync_", "kworker/R-slub_",
  "kworker/R-netns", "kworker/0:0", "kworker/0:0H", "kworker/0:1", "kworker/u8:0", "kworker/R-mm_pe",
  "rcu_tasks_kthread", "rcu_tasks_rude_kthread", "rcu_tasks_trace_kthread", "ksoftirqd/0", "rcu_preempt",
  "rcu_exp_par_gp_kthread_worker/0", "rcu_exp_gp_kthread_worker", "migration/0", "idle_inject/0",
  "cpuhp/0", "cpuhp/1", "idle_inject/1", "migration/1", "ksoftirqd/1", "kworker/1:0", "kworker/1:0H",
  "kdevtmpfs", "kworker/R-inet_", "kauditd", "khungtaskd", "oom_reaper", "kworker/R-write", "kcompactd0",
  "ksmd", "khugepaged", "kworker/R-kinte", "kworker/R-kbloc", "kworker/R-blkcg", "irq/9-acpi",
  "kworker/R-tpm_d", "kworker/R-md", "kworker/R-edac-", "kworker/R-devfr", "watchdogd", "kswapd0",
  "kworker/R-kthro", "kworker/R-acpi_", "kworker/R-mld", "kworker/R-ipv6_", "kworker/R-kstrp",
  "kworker/u9:0", "kworker/R-charg", "jbd2/vda1-8", "kworker/R-ext4-",
];
const BOOT_DAEMONS: Array<[string, ProgramImage]> = [
  ["systemd-journal", { text: 0x40000, rodata: 0x20000, data: 0x4000, heap: 0x200000 }],
  ["systemd-udevd", { text: 0x30000, rodata: 0x10000, data: 0x4000, heap: 0x100000 }],
  ["systemd-timesyn", { text: 0x10000, rodata: 0x8000, data: 0x2000, heap: 0x21000 }],
  ["dbus-daemon", { text: 0x20000, rodata: 0x10000, data: 0x2000, heap: 0x21000 }],
  ["systemd-logind", { text: 0x20000, rodata: 0x10000, data: 0x2000, heap: 0x21000 }],
  ["agetty", { text: 0x8000, rodata: 0x4000, data: 0x1000, heap: 0x21000 }],
  ["sshd", { text: 0x90000, rodata: 0x30000, data: 0x4000, heap: 0x21000 }],
  ["bash", { text: 0xc0000, rodata: 0x30000, data: 0xc000, heap: 0x21000 }],
];

/**
 * A simulated Linux machine: a pid namespace of tasks, processes with x86-64 glibc-style
 * address spaces, and page tables whose Accessed bits live in simulation memory.
 */
export class Machine {
  readonly mem: SimMemory;
  readonly ramBytes: number;
  readonly pidMax: number;
  readonly #tasks = new Map<number, Task>();
  readonly #exitListeners = new Set<(task: Task) => void>();
  #lastPid = 0;

  constructor(mem: SimMemory, options: MachineOptions = {}) {
    this.mem = mem;
    this.ramBytes = options.ramBytes ?? 16 * 2 ** 30;
    this.pidMax = options.pidMax ?? 32768;
    if (options.boot ?? true) this.#boot();
  }

  /** Starts a process (fork + exec of a program) and returns it. */
  spawn(comm: string, options: SpawnOptions = {}): Task {
    const mm = new Mm(this.mem);
    if ((options.layout ?? "glibc") === "glibc") buildGlibcLayout(mm, comm, options.image ?? {});
    const task = new Task(this.#allocPid(), comm.slice(0, 15), "process", mm);
    this.#tasks.set(task.pid, task);
    return task;
  }

  /** Starts a kernel thread (no address space). */
  spawnKernelThread(comm: string): Task {
    const task = new Task(this.#allocPid(), comm.slice(0, 15), "kthread", null);
    this.#tasks.set(task.pid, task);
    return task;
  }

  /** Ends a task: its memory is freed and its pid becomes reusable. */
  exit(pid: number): void {
    const task = this.#tasks.get(pid);
    if (!task) throw new DamonError("ESRCH", `no task with pid ${pid}`);
    if (pid === 1) throw new DamonError("EPERM", "init cannot exit");
    this.#tasks.delete(pid);
    task.markDead();
    task.mm?.destroy();
    for (const listener of this.#exitListeners) listener(task);
  }

  /** find_get_pid(): the live task with this pid number. */
  task(pid: number): Task | undefined {
    return this.#tasks.get(pid);
  }

  /** Live tasks in pid order. */
  tasks(): Task[] {
    return [...this.#tasks.values()].sort((a, b) => a.pid - b.pid);
  }

  /** /proc/sys/kernel/ns_last_pid: the last pid handed out; set it to choose the next one. */
  get lastPid(): number {
    return this.#lastPid;
  }

  set lastPid(pid: number) {
    if (!Number.isSafeInteger(pid) || pid < 0 || pid >= this.pidMax) throw new DamonError("EINVAL", `pid ${pid} is out of range`);
    this.#lastPid = pid;
  }

  /** Bytes of RAM not used by any process's resident memory (the watermarks' free memory). */
  get freeBytes(): number {
    let used = 0;
    for (const task of this.#tasks.values()) used += task.mm?.residentBytes ?? 0;
    return Math.max(0, this.ramBytes - used);
  }

  /** Called after a task exits; returns a function that unsubscribes. */
  onExit(listener: (task: Task) => void): () => void {
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  // alloc_pid: cyclic, skipping live pids, wrapping to RESERVED_PIDS (300).
  #allocPid(): number {
    for (let tries = 0; tries < this.pidMax; tries++) {
      let pid = this.#lastPid + 1;
      if (pid >= this.pidMax) pid = 300;
      this.#lastPid = pid;
      if (!this.#tasks.has(pid)) return pid;
    }
    throw new DamonError("EINVAL", "no free pid (EAGAIN)");
  }

  #boot(): void {
    this.spawn("init", { image: { text: 0x2000, rodata: 0x1000, data: 0x1000, heap: 0x21000 } });
    for (const name of BOOT_KTHREADS) this.spawnKernelThread(name);
    // Early userspace went through a few hundred short-lived pids (udev workers, scripts).
    this.#lastPid = 200;
    for (const [name, image] of BOOT_DAEMONS) {
      this.spawn(name, { image });
      this.#lastPid += 20;
    }
  }
}

// The layout of a dynamically linked PIE program under ASLR-off Linux: the image at
// 0x555555554000 with the heap right after it, ld.so, vdso and libc below the mmap base,
// the stack at the top of the user address space.
function buildGlibcLayout(mm: Mm, comm: string, image: ProgramImage): void {
  const text = roundUp(image.text ?? 0x4000, PAGE_SIZE);
  const rodata = roundUp(image.rodata ?? 0x2000, PAGE_SIZE);
  const data = roundUp(image.data ?? 0x2000, PAGE_SIZE);
  const heap = roundUp(image.heap ?? 0x21000, PAGE_SIZE);
  const path = `/usr/bin/${comm}`;
  let at = PIE_BASE;
  for (const [size, perms] of [
    [0x1000, "r--p"], [text, "r-xp"], [rodata, "r--p"], [0x1000, "r--p"], [data, "rw-p"],
  ] as const) {
    mm.mmap(size, { fixed: at, perms, name: path });
    at += size;
  }
  mm.initBrk(at);
  if (heap) mm.setBrk(at + heap);
  const ld = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
  const libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  // Mapped in the order the kernel and ld.so map them; each lands below the previous one.
  for (const [size, perms, name] of [
    [0x2000, "rw-p", ld], [0x2000, "r--p", ld], [0xa000, "r--p", ld], [0x25000, "r-xp", ld], [0x1000, "r--p", ld],
  ] as const) {
    mm.mmap(size, { perms, name });
  }
  mm.mmap(0x2000, { perms: "r-xp", name: "[vdso]" });
  mm.mmap(0x4000, { perms: "r--p", name: "[vvar]" });
  mm.mmap(0x2000, { perms: "rw-p" });
  // libc and its bss, then glibc's first anonymous mapping.
  for (const [size, perms, name] of [
    [0xd000, "rw-p", ""], [0x2000, "rw-p", libc], [0x4000, "r--p", libc], [0x53000, "r--p", libc],
    [0x155000, "r-xp", libc], [0x26000, "r--p", libc], [0x3000, "rw-p", ""],
  ] as const) {
    mm.mmap(size, { perms, name });
  }
  const stackSize = 0x21000;
  mm.mmap(stackSize, { fixed: STACK_TOP - stackSize, perms: "rw-p", name: "[stack]" });
}

function roundUp(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}

function hex(value: number): string {
  return value.toString(16).padStart(12, "0");
}
