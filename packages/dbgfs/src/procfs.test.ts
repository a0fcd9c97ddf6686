import { describe, expect, it } from "vitest";
import { SimKernel } from "./kernel.js";

describe("/proc", () => {
  const kernel = SimKernel.createSync({ seed: 0 });
  const task = kernel.sim.machine.spawn("stairs");
  const read = (path: string) => {
    const fd = kernel.vfs.open(path);
    let out = "";
    for (;;) {
      const chunk = kernel.vfs.read(fd, 4096);
      if (typeof chunk === "number") throw new Error(`${path}: ${chunk}`);
      if (chunk.length === 0) break;
      out += new TextDecoder().decode(chunk);
    }
    kernel.vfs.close(fd);
    return out;
  };

  it("stat has do_task_stat's 52 fields, comm in parentheses", () => {
    const fields = read(`/proc/${task.pid}/stat`).trimEnd().split(" ");
    expect(fields).toHaveLength(52);
    expect(fields.slice(0, 5)).toEqual([String(task.pid), "(stairs)", "S", "1", String(task.pid)]);
    expect(Number(fields[22])).toBe(task.mm!.size); // vsize in bytes
    expect(Number(fields[23])).toBe(task.mm!.residentBytes / 4096); // rss in pages
    expect(Number(fields[25])).toBe(0x555555555000); // start_code: the image's r-xp mapping
  });

  it("a kernel thread's stat is idle, child of kthreadd, without memory", () => {
    const fields = read("/proc/3/stat").trimEnd().split(" ");
    expect(fields).toHaveLength(52);
    expect(fields.slice(2, 4)).toEqual(["I", "2"]);
    expect(fields[22]).toBe("0");
    // as on a kernel: rsslim is RLIM_INFINITY without an mm too; kthread_create()'s
    // exit_signal is SIGCHLD, while kthreadd and init (kernel_thread() without it) have 0
    expect(fields[24]).toBe("18446744073709551615");
    expect(fields[37]).toBe("17");
    expect(read(`/proc/${task.pid}/stat`).split(" ")[37]).toBe("17");
    expect(read("/proc/2/stat").split(" ")[37]).toBe("0");
    expect(read("/proc/1/stat").split(" ")[37]).toBe("0");
  });

  it("statm is seven page counts that agree with maps", () => {
    const statm = read(`/proc/${task.pid}/statm`).trimEnd().split(" ").map(Number);
    expect(statm).toHaveLength(7);
    const mapped = read(`/proc/${task.pid}/maps`)
      .trim()
      .split("\n")
      .map((line) => line.split(" ")[0].split("-").map((a) => parseInt(a, 16)))
      .reduce((sum, [s, e]) => sum + e - s, 0);
    expect(statm[0]).toBe(mapped / 4096);
    expect(statm[3]).toBe(4); // 16 KiB of text
    expect([statm[4], statm[6]]).toEqual([0, 0]);
  });

  it("status prints Vm* values as the kernel does: tab, 8 columns, kB", () => {
    const status = read(`/proc/${task.pid}/status`);
    expect(status).toMatch(/^Name:\tstairs\n/);
    expect(status).toContain(`\nVmSize:\t${String(task.mm!.size / 1024).padStart(8)} kB\n`);
  });

  it("meminfo: name padded to 16 columns, value to 8, in kB", () => {
    const lines = read("/proc/meminfo").split("\n");
    expect(lines[0]).toBe("MemTotal:       16777216 kB");
    expect(lines[1]).toMatch(/^MemFree: {7} *\d+ kB$/);
    expect(lines[1]).toHaveLength(27);
    expect(lines[2]).toMatch(/^MemAvailable: +\d+ kB$/);
  });

  it("iomem: the physical address space as System RAM, which damo takes as paddr's default region", () => {
    expect(read("/proc/iomem")).toBe("00000000-00000fff : Reserved\n00001000-3ffffffff : System RAM\n");
    // proc_create_seq_data("iomem", 0, ...): mode 0 is S_IRUGO, as for meminfo
    expect(kernel.vfs.stat("/proc/iomem")).toMatchObject({ kind: "file", mode: 0o444 });
    expect(kernel.vfs.stat("/proc/meminfo")).toMatchObject({ kind: "file", mode: 0o444 });
  });
});
