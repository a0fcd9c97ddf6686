import { beforeAll, describe, expect, it } from "vitest";
import { LEAF_SPAN, PAGE_SIZE } from "./address-space.js";
import { Machine } from "./machine.js";
import { SimMemory } from "./memory.js";
import { threeRegions } from "./ops.js";

let mem: SimMemory;
beforeAll(async () => {
  mem = await SimMemory.create();
});

describe("a freshly booted machine", () => {
  it("has init at pid 1, kernel threads without memory at low pids, daemons after", () => {
    const machine = new Machine(mem);
    const tasks = machine.tasks();
    expect(tasks[0]).toMatchObject({ pid: 1, comm: "init", kind: "process" });
    expect(tasks[0].mm!.size).toBeLessThan(8 * 2 ** 20);
    expect(machine.task(2)).toMatchObject({ comm: "kthreadd", kind: "kthread", mm: null });
    for (let pid = 2; pid <= 20; pid++) expect(machine.task(pid)?.kind).toBe("kthread");
    expect(tasks.filter((t) => t.kind === "process").length).toBeGreaterThan(5);
    const workload = machine.spawn("masim");
    expect(workload.pid).toBeGreaterThan(Math.max(...tasks.map((t) => t.pid)));
  });

  it("allocates pids cyclically, skipping live ones and wrapping above 300", () => {
    const machine = new Machine(mem, { boot: false, pidMax: 310 });
    const first = machine.spawnKernelThread("a");
    expect(first.pid).toBe(1);
    const pids = Array.from({ length: 308 }, (_, i) => machine.spawnKernelThread(`k${i}`).pid);
    expect(pids[pids.length - 1]).toBe(309);
    machine.exit(305);
    expect(machine.spawnKernelThread("again").pid).toBe(305);
    expect(() => machine.spawnKernelThread("full")).toThrow();
  });
});

describe("a process's address space", () => {
  it("looks like a glibc program's: image and heap low, libraries below the mmap base, stack on top", () => {
    const machine = new Machine(mem, { boot: false });
    const mm = machine.spawn("prog").mm!;
    const vmas = mm.vmas;
    expect(vmas[0].start).toBe(0x555555554000);
    expect(vmas.find((v) => v.name === "[heap]")).toBeDefined();
    expect(vmas.find((v) => v.name === "[stack]")!.end).toBe(0x7ffffffff000);
    expect(vmas.some((v) => v.name.endsWith("libc.so.6") && v.perms === "r-xp")).toBe(true);
    expect(vmas.some((v) => v.name === "[vdso]")).toBe(true);
    for (let i = 1; i < vmas.length; i++) expect(vmas[i].start).toBeGreaterThanOrEqual(vmas[i - 1].end);
    // DAMON's three regions: image+heap, the mmap area, the stack
    const three = threeRegions(vmas, PAGE_SIZE)!;
    expect(three[0].start).toBe(0x555555554000);
    expect(three[1].end).toBeLessThanOrEqual(0x7ffff7fff000);
    expect(three[2]).toEqual({ start: 0x7ffffffde000, end: 0x7ffffffff000 });
    expect(mm.formatMaps()).toMatch(/^555555554000-555555555000 r--p 00000000 00:00 0 +\/usr\/bin\/prog$/m);
  });

  it("places mmaps top-down, splits VMAs on munmap, and only pays for mapped leaves", () => {
    const machine = new Machine(mem, { boot: false });
    const mm = machine.spawn("prog").mm!;
    const lowest = Math.min(...mm.vmas.filter((v) => v.start > 0x700000000000).map((v) => v.start));
    const a = mm.mmap(10 * 2 ** 20);
    expect(a + 10 * 2 ** 20).toBe(lowest);
    const b = mm.mmap(4096 * 3 + 1);
    expect(b + 4 * 4096).toBe(a);
    mm.munmap(a + 4096, 4096);
    expect(mm.find(a)!.end).toBe(a + 4096);
    expect(mm.find(a + 4096)).toBeUndefined();
    expect(mm.find(a + 8192)!.start).toBe(a + 8192);
    // a freed hole is reused by the next mmap that fits
    expect(mm.mmap(4096)).toBe(a + 4096);

    const before = mm.space.leaves;
    const big = mm.mmap(2 ** 40); // 1 TiB
    expect(mm.space.leaves - before).toBeGreaterThanOrEqual(2 ** 40 / LEAF_SPAN - 1); // ends may share leaves
    expect(mm.space.leaves - before).toBeLessThanOrEqual(2 ** 40 / LEAF_SPAN + 1);
    mm.munmap(big, 2 ** 40);
    expect(mm.space.leaves).toBeLessThanOrEqual(before + 1);
  });

  it("tracks Accessed bits per page; unmapping forgets them", () => {
    const machine = new Machine(mem, { boot: false });
    const mm = machine.spawn("prog").mm!;
    const a = mm.mmap(64 * PAGE_SIZE);
    expect(mm.space.touch(a + 5 * PAGE_SIZE + 17)).toBe(true);
    expect(mm.space.isAccessed(a + 5 * PAGE_SIZE)).toBe(true);
    expect(mm.space.isAccessed(a + 6 * PAGE_SIZE)).toBe(false);
    mm.space.touchRange(a + 10 * PAGE_SIZE + 1, a + 20 * PAGE_SIZE);
    expect(mm.space.countAccessed(a, a + 64 * PAGE_SIZE)).toBe(11);
    mm.munmap(a, 64 * PAGE_SIZE);
    expect(mm.space.touch(0x1000)).toBe(false); // never mapped
    const again = mm.mmap(64 * PAGE_SIZE, { fixed: a });
    expect(mm.space.countAccessed(again, again + 64 * PAGE_SIZE)).toBe(0);
  });

  it("moves the break like brk(2)", () => {
    const machine = new Machine(mem, { boot: false });
    const mm = machine.spawn("prog", { image: { heap: 0 } }).mm!;
    expect(mm.vmas.find((v) => v.name === "[heap]")).toBeUndefined();
    const start = mm.brk;
    expect(mm.setBrk(start + 100_000)).toBe(start + 100_000);
    expect(mm.find(start)!.name).toBe("[heap]");
    expect(mm.find(start)!.end).toBe(start + 102_400);
    mm.setBrk(start + 4096);
    expect(mm.find(start)!.end).toBe(start + 4096);
    expect(mm.setBrk(start - 1)).toBe(start + 4096);
  });

  it("exit frees the memory and the pid; init cannot exit", () => {
    const machine = new Machine(mem);
    const task = machine.spawn("short");
    const seen: number[] = [];
    machine.onExit((t) => void seen.push(t.pid));
    machine.exit(task.pid);
    expect(task.alive).toBe(false);
    expect(machine.task(task.pid)).toBeUndefined();
    expect(seen).toEqual([task.pid]);
    expect(() => machine.exit(task.pid)).toThrow(expect.objectContaining({ code: "ESRCH" }));
    expect(() => machine.exit(1)).toThrow(expect.objectContaining({ code: "EPERM" }));
  });

  it("a 128 TiB address space with a few GiB mapped costs little memory", () => {
    const machine = new Machine(mem, { boot: false });
    const mm = machine.spawn("sparse").mm!;
    const used = mem.used;
    for (let i = 0; i < 4; i++) mm.mmap(2 ** 30, { fixed: 0x100000000000 * (i + 1) }); // 4 GiB, 16 TiB apart
    expect(mem.used - used).toBeLessThan(200 * 1024); // 32 leaves + a few middle nodes
  });
});

describe("residency", () => {
  it("pageout swaps pages out, the next access is a major fault, willneed brings them back quietly", () => {
    const machine = new Machine(mem, { boot: false });
    const mm = machine.spawn("rss").mm!;
    const a = mm.mmap(1024 * PAGE_SIZE);
    const resident = mm.residentBytes;
    mm.space.touchRange(a, a + 1024 * PAGE_SIZE);
    expect(mm.space.pageOut(a, a + 512 * PAGE_SIZE)).toBe(512);
    expect(mm.space.pageOut(a, a + 512 * PAGE_SIZE)).toBe(0); // already out
    expect(mm.residentBytes).toBe(resident - 512 * PAGE_SIZE);
    expect(mm.space.isAccessed(a)).toBe(false); // no PTE, no young bit
    mm.space.touch(a + 3 * PAGE_SIZE);
    mm.space.touchRange(a + 10 * PAGE_SIZE, a + 20 * PAGE_SIZE);
    mm.space.touchPages([a + 30 * PAGE_SIZE, a + 30 * PAGE_SIZE + 8, a + 600 * PAGE_SIZE]);
    expect(mm.majorFaults).toBe(1 + 10 + 1);
    expect(mm.space.isSwapped(a + 3 * PAGE_SIZE)).toBe(false);
    expect(mm.space.pageIn(a, a + 100 * PAGE_SIZE)).toBe(100 - 12);
    mm.space.markUsed(a, a + 512 * PAGE_SIZE); // the fast engine's "all of it was used"
    expect(mm.majorFaults).toBe(12 + 512 - 100);
    expect(mm.residentBytes).toBe(resident);
    const free = machine.freeBytes;
    mm.space.pageOut(a, a + 1024 * PAGE_SIZE);
    expect(machine.freeBytes).toBe(free + 1024 * PAGE_SIZE);
    mm.munmap(a, 1024 * PAGE_SIZE);
    expect(mm.space.swappedPages).toBe(0);
  });
});
