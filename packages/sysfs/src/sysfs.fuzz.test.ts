// Every sysfs file, for every kernel version: random sequences of writes (numbers, keywords,
// garbage; the pids of live and dead processes) and of virtual time. A write returns its byte
// count or -errno, never throws; a refused write to a value file leaves its content as it
// was; and the tree stays coherent: nr_* files count their directories, `state` is on or
// off, and `pid` is -1 exactly when it is off.
import { Errno, O_RDONLY, O_WRONLY, SimKernel, type Vfs } from "@damon-sim/dbgfs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzz } from "../../../tools/test-runner/src/fuzz.js";
import { attachSysfs } from "./damon-sysfs.js";
import { SYSFS_VERSIONS, type SysfsVersion } from "./versions.js";

const K = "/sys/kernel/mm/damon/admin/kdamonds";
const ERRNOS = new Set<number>(Object.values(Errno));
const enc = new TextEncoder();
const dec = new TextDecoder();

const WORDS = [
  "on", "off", "commit", "commit_schemes_quota_goals", "update_schemes_stats", "update_schemes_tried_regions",
  "update_schemes_tried_bytes", "clear_schemes_tried_regions", "update_schemes_effective_quotas", "update_tuned_intervals",
  "vaddr", "fvaddr", "paddr", "stat", "pageout", "lru_prio", "hugepage", "none", "free_mem_rate", "anon", "memcg",
  "addr", "target", "young", "Y", "N", "yes", "/", "user_input", "some_mem_psi_us",
  "0", "1", "3", "10", "100", "4096", "65536", "5000", "100000", "-1", "0x1000", "017", "08", "+7",
  "18446744073709551615", "18446744073709551616", "2147483648", "", " ", "abc",
];
const SMALL = ["0", "1", "2", "3", "-1", "x", "2147483648", "524289", "", "1\n"];

/** The files that count numbered directories (not nr_accesses and the like). */
const isNrFile = (name: string) => /^nr_(kdamonds|contexts|targets|regions|schemes|filters|goals)$/.test(name);

type Op = { kind: "write"; file: number; word: number; newline: boolean; pid: number } | { kind: "run"; us: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("write" as const), file: fc.nat(), word: fc.nat(), newline: fc.boolean(), pid: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("run" as const), us: fc.integer({ min: 0, max: 400_000 }) }) },
);

function files(vfs: Vfs, dir: string, out: string[] = []): string[] {
  for (const name of vfs.readdir(dir) as string[]) {
    const path = `${dir}/${name}`;
    if ((vfs.stat(path) as { kind: string }).kind === "dir") files(vfs, path, out);
    else out.push(path);
  }
  return out;
}

function read(vfs: Vfs, path: string): string {
  const fd = vfs.open(path, O_RDONLY);
  const r = vfs.read(fd, 65536);
  vfs.close(fd);
  if (typeof r === "number") throw new Error(`reading ${path}: ${r}`);
  return dec.decode(r);
}

function write(vfs: Vfs, path: string, data: string): number {
  const fd = vfs.open(path, O_WRONLY);
  const n = vfs.write(fd, enc.encode(data));
  vfs.close(fd);
  return n;
}

function coherent(vfs: Vfs): void {
  for (const path of files(vfs, K)) {
    const text = read(vfs, path);
    const name = path.slice(path.lastIndexOf("/") + 1);
    const dir = path.slice(0, path.lastIndexOf("/"));
    if (isNrFile(name)) {
      const numbered = (vfs.readdir(dir) as string[]).filter((n) => /^\d+$/.test(n));
      expect(text).toBe(`${numbered.length}\n`);
    }
    if (name === "state") {
      expect(["on\n", "off\n"]).toContain(text);
      expect(read(vfs, `${dir}/pid`) === "-1\n").toBe(text === "off\n");
    }
  }
}

function runCase(version: SysfsVersion, ops: Op[]): void {
  const kernel = SimKernel.createSync({ seed: 1 });
  attachSysfs(kernel, { version });
  const vfs = kernel.vfs;
  const spawn = () => {
    const task = kernel.sim.machine.spawn("work");
    task.mm!.mmap(16 << 20);
    return task.pid;
  };
  const pids = [spawn(), spawn(), spawn(), 99999];
  kernel.sim.machine.exit(pids[2]);
  // Start from a small staged tree, so that most writes land somewhere meaningful.
  for (const [f, v] of [["nr_kdamonds", "1"], ["0/contexts/nr_contexts", "1"], ["0/contexts/0/targets/nr_targets", "1"],
    ["0/contexts/0/targets/0/pid_target", `${pids[0]}`], ["0/contexts/0/schemes/nr_schemes", "1"]]) {
    expect(write(vfs, `${K}/${f}`, v)).toBe(v.length);
  }
  for (const op of ops) {
    if (op.kind === "run") {
      kernel.sim.runFor(op.us);
      continue;
    }
    const all = files(vfs, K);
    const path = all[op.file % all.length];
    const name = path.slice(path.lastIndexOf("/") + 1);
    let word = isNrFile(name) ? SMALL[op.word % SMALL.length] : WORDS[op.word % WORDS.length];
    if (name === "pid_target") word = `${pids[op.pid]}`;
    const data = op.newline ? `${word}\n` : word;
    const before = read(vfs, path);
    const n = write(vfs, path, data);
    if (n < 0) {
      expect(ERRNOS.has(-n)).toBe(true);
      // Kernel-exact exceptions: 'state' commands act before failing; nr_* files remove the
      // old directories before kmalloc_array fails.
      const changes = name === "state" || (isNrFile(name) && n === -Errno.ENOMEM);
      if (!changes) expect([path, data, n, read(vfs, path)]).toEqual([path, data, n, before]);
    } else {
      expect(n).toBe(enc.encode(data).length);
    }
    coherent(vfs);
  }
}

describe.each(SYSFS_VERSIONS)("sysfs fuzz (%s)", (version) => {
  it("writes return a count or -errno, refused writes change nothing, the tree stays coherent", async () => {
    await fuzz(`sysfs ${version}`, fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => runCase(version, ops)), { ci: 20, weight: 0.02 });
  });
});
