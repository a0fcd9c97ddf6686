// Every row of the tables in spec kernel-damon.md §2, per kernel version.
import { describe, expect, it } from "vitest";
import { Errno } from "./errno.js";
import { D, boot } from "./test-support.js";
import { KERNEL_VERSIONS, type KernelVersion } from "./versions.js";
import { encode, O_RDONLY, O_WRONLY } from "./vfs.js";

const { EINVAL, EBUSY, ENOMEM, EPERM, ENOENT, EEXIST, EACCES, ESPIPE, ENAMETOOLONG } = Errno;
const ALL = KERNEL_VERSIONS.filter((v) => v !== "seed");
const since = (v: KernelVersion) => ALL.filter((x) => KERNEL_VERSIONS.indexOf(x) >= KERNEL_VERSIONS.indexOf(v));
const before = (v: KernelVersion) => ALL.filter((x) => KERNEL_VERSIONS.indexOf(x) < KERNEL_VERSIONS.indexOf(v));

/** Starts monitoring one process from the default context. */
async function running(version: KernelVersion) {
  const t = await boot(version);
  const pid = t.spawn();
  expect(t.write("target_ids", `${pid}`)).toBeGreaterThan(0);
  expect(t.write(t.damon.behaviour.monitorOn, "on")).toBe(2);
  return { ...t, pid };
}

describe("directory layout", () => {
  it.each(KERNEL_VERSIONS)("%s: files, order and modes", async (version) => {
    const { vfs, damon } = await boot(version);
    const names = vfs.readdir(D) as string[];
    const expected = {
      seed: ["attrs", "target_ids", "monitor_on"],
      "5.15": ["attrs", "target_ids", "kdamond_pid", "mk_contexts", "rm_contexts", "monitor_on"],
      "6.9": ["attrs", "schemes", "target_ids", "init_regions", "kdamond_pid", "mk_contexts", "rm_contexts", "monitor_on_DEPRECATED", "DEPRECATED"],
    }[version as string] ?? ["attrs", "schemes", "target_ids", "init_regions", "kdamond_pid", "mk_contexts", "rm_contexts", "monitor_on"];
    expect(names).toEqual(expected);
    for (const name of names) expect((vfs.stat(`${D}/${name}`) as { mode: number }).mode).toBe(name === "DEPRECATED" ? 0o400 : 0o600);
    expect(damon.behaviour.version).toBe(version);
  });

  it("6.9's DEPRECATED file holds the notice; 6.8+ warns once in dmesg", async () => {
    const t = await boot("6.9");
    expect(t.read("DEPRECATED")).toBe(
      "DAMON debugfs interface is deprecated, so users should move to DAMON_SYSFS. If you cannot, please report your usecase to damon@lists.linux.dev and linux-mm@kvack.org.\n",
    );
    t.read("attrs");
    expect(t.damon.log.filter((l) => l.text.includes("deprecated"))).toHaveLength(1);
    const old = await boot("5.18");
    old.read("attrs");
    expect(old.damon.log).toHaveLength(0);
  });
});

describe.each(ALL)("common rules (%s)", (version) => {
  it("a second write(2) on the same open file is EINVAL (no continuous write)", async () => {
    const { vfs } = await boot(version);
    const fd = vfs.open(`${D}/attrs`, O_WRONLY);
    expect(vfs.write(fd, encode("1 2 3 4 5\n"))).toBe(10);
    expect(vfs.write(fd, encode("1 2 3 4 5\n"))).toBe(-EINVAL);
  });

  it("writes of 4 MiB or more are ENOMEM before anything is parsed", async () => {
    const { write, read } = await boot(version);
    expect(write("attrs", new Uint8Array(4 * 1024 * 1024))).toBe(-ENOMEM);
    expect(write("attrs", new Uint8Array(4 * 1024 * 1024 - 1))).toBe(-EINVAL);
    expect(read("attrs")).toBe("5000 100000 60000000 10 1000\n");
  });

  it("context files are not seekable; root files are; missing methods are EINVAL", async () => {
    const { vfs, damon } = await boot(version);
    const fd = vfs.open(`${D}/attrs`, O_RDONLY);
    expect(vfs.pread(fd, 10, 0)).toBe(-ESPIPE);
    expect(vfs.lseek(fd, 0, 0)).toBe(-ESPIPE);
    const on = vfs.open(`${D}/${damon.behaviour.monitorOn}`, O_RDONLY);
    expect(new TextDecoder().decode(vfs.pread(on, 10, 1) as Uint8Array)).toBe("ff\n");
    const pid = vfs.open(`${D}/kdamond_pid`, O_WRONLY);
    expect(vfs.write(pid, encode("1"))).toBe(-EINVAL);
    const mk = vfs.open(`${D}/mk_contexts`, O_RDONLY);
    expect(vfs.read(mk, 10)).toBe(-EINVAL);
  });

  it("creating a file in the directory is EACCES", async () => {
    const { vfs } = await boot(version);
    expect(vfs.open(`${D}/new`, O_WRONLY | 0o100)).toBe(-EACCES);
  });
});

describe.each(ALL)("attrs (%s)", (version) => {
  it("reads the defaults, reads back what was written, in small reads too", async () => {
    const { write, read } = await boot(version);
    expect(read("attrs")).toBe("5000 100000 60000000 10 1000\n");
    expect(write("attrs", "5000 100000 1000000 10 1000")).toBe(27);
    expect(read("attrs")).toBe("5000 100000 1000000 10 1000\n");
    expect(read("attrs", 3)).toBe("5000 100000 1000000 10 1000\n");
  });

  it.each([
    ["1 2 3 4", -EINVAL],
    ["-1 2 3 4 5", -EINVAL],
    ["abc", -EINVAL],
    ["", -EINVAL],
    ["1 2 3 2 5", -EINVAL],
    ["1 2 3 6 5", -EINVAL],
    ["1 2 3 4 5", 9],
    ["1\n2\n3\n4\n5 trailing garbage", 26],
    ["0 0 0 3 3", 9],
  ])("%j → %d", async (input, result) => {
    const { write, read } = await boot(version);
    expect(write("attrs", input)).toBe(result);
    if (result < 0) expect(read("attrs")).toBe("5000 100000 60000000 10 1000\n");
  });

  it("numbers wrap modulo 2^64", async () => {
    const { write, read } = await boot(version);
    expect(write("attrs", "18446744073709551617 18446744073709551618 3 4 5")).toBeGreaterThan(0);
    expect(read("attrs")).toBe("1 2 3 4 5\n");
  });

  it("sample > aggr is EINVAL from 6.7, accepted before", async () => {
    const { write } = await boot(version);
    expect(write("attrs", "10 5 1 3 4")).toBe(version >= "6.7" ? -EINVAL : 10);
  });

  it("while monitoring: parse errors first, then EBUSY; reading is allowed", async () => {
    const { write, read } = await running(version);
    expect(write("attrs", "1 2 3 4")).toBe(-EINVAL);
    expect(write("attrs", "1 2 3 4 5")).toBe(-EBUSY);
    expect(write("attrs", "1 2 3 2 5")).toBe(-EBUSY);
    expect(read("attrs")).toBe("5000 100000 60000000 10 1000\n");
  });
});

describe("target_ids", () => {
  it.each(ALL)("%s: pids, parse stops at garbage, at most 32, read back", async (version) => {
    const { write, read, kernel } = await boot(version);
    expect(write("target_ids", "1 2 abc 4")).toBe(9);
    expect(read("target_ids")).toBe("1 2\n");
    expect(write("target_ids", "abc 2 3")).toBe(7);
    expect(read("target_ids")).toBe("\n");
    const many = Array.from({ length: 40 }, (_, i) => i + 2).join(" ");
    expect(write("target_ids", many)).toBe(many.length);
    expect((read("target_ids") as string).trim().split(" ")).toHaveLength(32);
    expect(kernel.damon.contexts[0].ctx.targets).toHaveLength(32);
  });

  it.each(ALL)("%s: a missing pid fails (EINVAL until 5.17, ENOMEM after) before EBUSY", async (version) => {
    const { write, read } = await running(version);
    const missing = version >= "5.18" ? -ENOMEM : -EINVAL;
    expect(write("target_ids", "31999")).toBe(missing);
    expect(write("target_ids", "0")).toBe(missing);
    expect(write("target_ids", "1")).toBe(-EBUSY);
    expect(read("target_ids")).not.toBe("\n");
  });

  it.each(["5.15", "5.16", "5.17"] as const)("%s: -1 is not a number (%%lu)", async (version) => {
    const { write, read } = await boot(version);
    expect(write("target_ids", "-1")).toBe(2);
    expect(read("target_ids")).toBe("\n");
  });

  it.each(since("5.18"))("%s: -1 is a pid that does not exist (%%d)", async (version) => {
    const { write } = await boot(version);
    expect(write("target_ids", "-1")).toBe(-ENOMEM);
  });

  it("5.15 has no paddr: the word is parsed as pids", async () => {
    const { write, read, damon } = await boot("5.15");
    expect(write("target_ids", "paddr\n")).toBe(6);
    expect(read("target_ids")).toBe("\n");
    expect(damon.contexts[0].ctx.ops).toBe("vaddr");
  });

  it.each(["5.16", "5.17"] as const)("%s: paddr is a prefix match; the id comes from \"42    \" cut to count - 1", async (version) => {
    const { write, read, damon } = await boot(version);
    const ctx = damon.contexts[0].ctx;
    for (const [input, ids] of [
      ["paddr\n", "42\n"],
      ["paddr", "42\n"],
      ["pad", "42\n"],
      ["pa", "4\n"],
      ["p", "\n"],
      ["", "\n"],
    ] as const) {
      expect(write("target_ids", input)).toBe(input.length);
      expect(read("target_ids")).toBe(ids);
      expect(ctx.ops).toBe("paddr");
    }
    expect(write("target_ids", "paddr \n")).toBe(7);
    expect(ctx.ops).toBe("vaddr");
    expect(write("target_ids", "paddr x")).toBe(7);
    expect(read("target_ids")).toBe("\n");
  });

  it.each(since("5.18"))("%s: paddr makes exactly one target, even for an empty write; no pids keeps the ops", async (version) => {
    const { write, read, damon } = await boot(version);
    const ctx = damon.contexts[0].ctx;
    for (const input of ["paddr\n", "p", ""]) {
      expect(write("target_ids", input)).toBe(input.length);
      expect(read("target_ids")).toBe("42\n");
    }
    expect(write("target_ids", "abc")).toBe(3);
    expect(read("target_ids")).toBe("\n");
    expect(ctx.ops).toBe("paddr");
  });

  it.each(ALL)("%s: vaddr targets are dropped when monitoring ends; the pid of an exited process still shows", async (version) => {
    const t = await boot(version);
    const a = t.spawn();
    const b = t.spawn();
    t.write("target_ids", `${a} ${b}`);
    t.write(t.damon.behaviour.monitorOn, "on");
    t.sim.runFor(200_000);
    t.sim.machine.exit(a);
    t.sim.runFor(200_000);
    expect(t.read("target_ids")).toBe(`${a} ${b}\n`);
    t.sim.machine.exit(b);
    t.sim.runFor(200_000);
    expect(t.read(t.damon.behaviour.monitorOn)).toBe("off\n");
    expect(t.read("target_ids")).toBe("\n");
  });
});

describe("monitor_on", () => {
  it.each(ALL)("%s: tokens compared over the written length", async (version) => {
    const { write, read, spawn, damon } = await boot(version);
    const file = damon.behaviour.monitorOn;
    const pid = spawn();
    write("target_ids", `${pid}`);
    const cases: Array<[string, number | "on" | "off"]> = [
      ["", -EINVAL],
      ["   \n", -EINVAL],
      ["onx", -EINVAL],
      ["of\n", -EINVAL],
      ["o\n", -EINVAL],
      ["off", -EPERM],
      ["o", "on"],
      ["on", -EBUSY],
      ["of", "off"],
      [" on \n", "on"],
      ["off\n", "off"],
      ["on whatever", "on"],
      ["off", "off"],
    ];
    for (const [input, expected] of cases) {
      const n = write(file, input);
      if (typeof expected === "number") expect([input, n]).toEqual([input, expected]);
      else {
        expect([input, n]).toEqual([input, input.length]);
        expect(read(file)).toBe(`${expected}\n`);
      }
      if (input === "on whatever") damon.sim.runFor(100_000);
      // stopping drops vaddr targets (before_terminate): give the next "on" one again
      if (expected === "off") write("target_ids", `${pid}`);
    }
  });

  it.each(since("5.16"))("%s: on with a context that has no target is EINVAL", async (version) => {
    const { write, read, damon } = await boot(version);
    expect(write(damon.behaviour.monitorOn, "on")).toBe(-EINVAL);
    expect(read(damon.behaviour.monitorOn)).toBe("off\n");
  });

  it("5.15: on with no targets succeeds and the kdamond exits at once", async () => {
    const { write, read } = await boot("5.15");
    expect(write("monitor_on", "on")).toBe(2);
    expect(read("monitor_on")).toBe("off\n");
  });

  it.each(since("5.15"))("%s: off stops contexts in order and fails at the first one already finished", async (version) => {
    const t = await boot(version);
    const a = t.spawn();
    const b = t.spawn();
    t.write("target_ids", `${a}`);
    t.write("mk_contexts", "second");
    t.write("second/target_ids", `${b}`);
    t.write(t.damon.behaviour.monitorOn, "on");
    t.sim.machine.exit(a);
    t.sim.runFor(100_000); // the first context's kdamond finishes, the second runs on
    expect(t.read(t.damon.behaviour.monitorOn)).toBe("on\n");
    expect(t.read("kdamond_pid")).toBe("none\n");
    expect(t.write("attrs", "1 2 3 4 5")).toBe(9); // its own files are writable again
    expect(t.write("mk_contexts", "third")).toBe(-EBUSY); // global checks still see a kdamond
    expect(t.write(t.damon.behaviour.monitorOn, "off")).toBe(-EPERM);
    expect(t.read(t.damon.behaviour.monitorOn)).toBe("on\n"); // the second was not stopped
  });
});

describe("kdamond_pid", () => {
  it.each(ALL)("%s: none, then the kdamond's pid; count 0 reads nothing; huge counts are ENOMEM", async (version) => {
    const t = await boot(version);
    expect(t.read("kdamond_pid")).toBe("none\n");
    t.write("target_ids", `${t.spawn()}`);
    t.write(t.damon.behaviour.monitorOn, "on");
    const kdamond = t.damon.contexts[0].ctx.kdamond!;
    expect(t.read("kdamond_pid")).toBe(`${kdamond.pid}\n`);
    expect(kdamond.comm).toBe("kdamond.0");
    const fd = t.vfs.open(`${D}/kdamond_pid`, O_RDONLY);
    expect(t.vfs.read(fd, 0)).toEqual(new Uint8Array());
    expect(t.vfs.read(fd, 5 * 1024 * 1024)).toBe(-ENOMEM);
    expect(t.read("kdamond_pid", 3)).toBe(`${kdamond.pid}`.slice(0, 2));
  });
});

describe("init_regions", () => {
  it.each(since("5.16"))("%s: EBUSY while running, for writes (before parsing) and reads", async (version) => {
    const { write, read } = await running(version);
    expect(write("init_regions", "garbage")).toBe(-EBUSY);
    expect(read("init_regions")).toBe(-EBUSY);
  });

  it.each(since("5.17"))("%s: any error clears every region; values are kept as written", async (version) => {
    const { write, read, spawn } = await boot(version);
    write("target_ids", `${spawn()} ${spawn()}`);
    expect(write("init_regions", "0 1 100\n1 200 300\n0 100 200")).toBe(27);
    expect(read("init_regions")).toBe("0 1 100\n0 100 200\n1 200 300\n");
    expect(write("init_regions", "0 10 20\n-1 30 40")).toBe(-EINVAL);
    expect(read("init_regions")).toBe("");
    expect(write("init_regions", "0 10 10")).toBe(-EINVAL);
    expect(write("init_regions", "1 0 18446744073709551615")).toBe(24);
    expect(read("init_regions")).toBe("1 0 18446744073709551615\n");
    expect(write("init_regions", "")).toBe(0);
    expect(read("init_regions")).toBe("");
  });

  it("5.16 matches vaddr targets by pid but prints the struct pid address", async () => {
    const { write, read, spawn } = await boot("5.16");
    const pid = spawn();
    write("target_ids", `${pid}`);
    expect(write("init_regions", `${pid} 4096 8192`)).toBeGreaterThan(0);
    const [id, start, end] = (read("init_regions") as string).trim().split(" ");
    expect(BigInt(id)).toBeGreaterThan(0xffff000000000000n);
    expect([start, end]).toEqual(["4096", "8192"]);
  });

  it("reads into small buffers: a cut line, then ENOMEM when another line remains", async () => {
    const { write, vfs } = await boot("6.8");
    write("target_ids", "paddr");
    write("init_regions", "0 10 20\n0 30 40\n");
    const fd = vfs.open(`${D}/init_regions`, O_RDONLY);
    expect(vfs.read(fd, 8)).toBe(-ENOMEM);
    write("init_regions", "0 10 20\n");
    const one = vfs.open(`${D}/init_regions`, O_RDONLY);
    expect(new TextDecoder().decode(vfs.read(one, 5) as Uint8Array)).toBe("0 10");
    expect(vfs.read(one, 5)).toEqual(new Uint8Array());
  });
});

describe("schemes", () => {
  const scheme = "4096 8192 0 5 10 20 2 10 1073741824 1000 0 0 100 1 5000000 600 500 300";

  it.each(since("5.16"))("%s: reads back the fields and the version's statistics", async (version) => {
    const { write, read } = await boot(version);
    expect(write("schemes", scheme)).toBe(scheme.length);
    const stats = version >= "5.17" ? " 0 0 0 0 0" : " 0 0";
    expect(read("schemes")).toBe(`${scheme}${stats}\n`);
    expect(write("schemes", "")).toBe(0);
    expect(read("schemes")).toBe("");
  });

  it.each(since("5.16"))("%s: action out of range is EINVAL; a partial trailing group is ignored", async (version) => {
    const { write, read } = await boot(version);
    expect(write("schemes", scheme.replace(" 2 10 ", " 6 10 "))).toBe(-EINVAL);
    expect(write("schemes", `${scheme} 1 2 3`)).toBeGreaterThan(0);
    expect((read("schemes") as string).split("\n")).toHaveLength(2);
  });

  it.each(since("5.16"))("%s: inverted ranges and watermarks: EINVAL from 5.17, accepted by 5.16", async (version) => {
    const { write } = await boot(version);
    const inverted = "8192 4096 0 5 10 20 2 10 1073741824 1000 0 0 100 1 5000000 600 500 300";
    const badWmarks = "4096 8192 0 5 10 20 2 10 1073741824 1000 0 0 100 1 5000000 400 500 300";
    const expected = version === "5.16" ? inverted.length : -EINVAL;
    expect(write("schemes", inverted)).toBe(expected);
    expect(write("schemes", badWmarks)).toBe(version === "5.16" ? badWmarks.length : -EINVAL);
  });

  it.each(since("5.16"))("%s: EBUSY after parsing; statistics read live while running", async (version) => {
    const t = await boot(version);
    const pid = t.spawn();
    const stat = "0 18446744073709551615 0 4294967295 0 4294967295 5 0 0 0 0 0 0 0 0 0 0 0";
    t.write("schemes", stat);
    t.write("target_ids", `${pid}`);
    t.write(t.damon.behaviour.monitorOn, "on");
    expect(t.write("schemes", stat.replace(" 5 0 ", " 9 0 "))).toBe(-EINVAL);
    expect(t.write("schemes", stat)).toBe(-EBUSY);
    t.sim.runFor(1_000_000);
    const fields = (t.read("schemes") as string).trim().split(" ").map(Number);
    expect(fields[18]).toBeGreaterThan(0); // nr_tried
    expect(fields[19]).toBeGreaterThan(0); // sz_tried
  });

  it("action and metric print as signed ints", async () => {
    const { write, read } = await boot("5.16");
    write("schemes", "0 1 0 1 0 1 5 0 0 0 0 0 0 4294967295 0 0 0 0");
    expect(read("schemes")).toBe("0 1 0 1 0 1 5 0 0 0 0 0 0 -1 0 0 0 0 0 0\n");
  });

  it("a read smaller than the content: cut line, ENOMEM if more lines follow", async () => {
    const { write, vfs } = await boot("6.8");
    write("schemes", `${scheme}\n${scheme}`);
    const fd = vfs.open(`${D}/schemes`, O_RDONLY);
    expect(vfs.read(fd, 20)).toBe(-ENOMEM);
    expect(vfs.read(fd, 5 * 1024 * 1024)).toBe(-ENOMEM);
  });
});

describe("mk_contexts and rm_contexts", () => {
  it.each(since("5.15"))("%s: make, use and remove a context", async (version) => {
    const t = await boot(version);
    expect(t.write("mk_contexts", "foo\n")).toBe(4);
    expect(t.vfs.readdir(`${D}/foo`)).toEqual(t.damon.behaviour.contextFiles);
    expect(t.write("foo/attrs", "1 2 3 4 5")).toBe(9);
    expect(t.read("foo/attrs")).toBe("1 2 3 4 5\n");
    expect(t.read("attrs")).toBe("5000 100000 60000000 10 1000\n");
    expect(t.write("rm_contexts", "foo")).toBe(3);
    expect(t.vfs.stat(`${D}/foo`)).toBe(-ENOENT);
    expect(t.damon.contexts).toHaveLength(1);
  });

  it.each(since("5.15"))("%s: token errors, EBUSY while running, ENOENT for missing names", async (version) => {
    const t = await running(version);
    expect(t.write("mk_contexts", "")).toBe(-EINVAL);
    expect(t.write("mk_contexts", "foo")).toBe(-EBUSY);
    expect(t.write("rm_contexts", "")).toBe(-EINVAL);
    expect(t.write("rm_contexts", "foo")).toBe(-EBUSY);
    t.write(t.damon.behaviour.monitorOn, "off");
    expect(t.write("rm_contexts", "foo")).toBe(-ENOENT);
    expect(t.write("rm_contexts", ".")).toBe(-ENOENT);
  });

  it.each(since("6.1"))("%s: duplicate and invalid names fail", async (version) => {
    const t = await boot(version);
    t.write("mk_contexts", "foo");
    expect(t.write("mk_contexts", "foo")).toBe(-EEXIST);
    expect(t.write("mk_contexts", "attrs")).toBe(-EEXIST);
    expect(t.write("mk_contexts", "a/b")).toBe(-EACCES);
    expect(t.write("mk_contexts", "..")).toBe(-EACCES);
    expect(t.write("mk_contexts", "  ")).toBe(-EACCES);
    expect(t.write("mk_contexts", "x".repeat(256))).toBe(-ENAMETOOLONG);
    expect(t.damon.contexts).toHaveLength(2);
  });

  it.each(before("6.1"))("%s: duplicate names 'succeed' with a broken context", async (version) => {
    const t = await boot(version);
    if (version === "5.15" || version >= "5.15") {
      t.write("mk_contexts", "foo");
      expect(t.write("mk_contexts", "foo")).toBe(3);
      expect(t.damon.contexts).toHaveLength(3);
      expect(t.damon.contexts[2].dir).toBeNull();
    }
  });

  it.each(since("6.0"))("%s: rm_contexts of a file is EINVAL", async (version) => {
    const t = await boot(version);
    expect(t.write("rm_contexts", "attrs")).toBe(-EINVAL);
    expect(t.damon.contexts).toHaveLength(1);
  });

  it.each(before("6.0"))("%s: rm_contexts of a file corrupts the context array (KASAN in dmesg)", async (version) => {
    const t = await boot(version);
    t.write("mk_contexts", "foo");
    expect(t.write("rm_contexts", "attrs")).toBe(5);
    expect(t.damon.contexts).toHaveLength(1);
    expect(t.damon.log.some((l) => l.text.startsWith("BUG: KASAN"))).toBe(true);
  });
});

describe("tracing", () => {
  it("damon_aggregated lines stream through trace_pipe while enabled", async () => {
    const t = await boot("6.8");
    const pid = t.spawn();
    t.write("target_ids", `${pid}`);
    t.write("/sys/kernel/debug/tracing/events/damon/damon_aggregated/enable", "1\n");
    expect(t.write("/sys/kernel/debug/tracing/events/damon/damon_aggregated/enable", "2")).toBe(-EINVAL);
    t.write("monitor_on", "on");
    t.sim.runFor(300_000);
    const lines = (t.read("/sys/kernel/debug/tracing/trace_pipe") as string).trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(10);
    expect(lines[0]).toMatch(/^ +kdamond\.0-\d+ +\[000\] \.\.\.\.\. +0\.\d{6}: damon_aggregated: target_id=0 nr_regions=\d+ \d+-\d+: \d+ \d+$/);
    expect(t.read("/sys/kernel/debug/tracing/trace_pipe")).toBe(""); // consumed
  });
});
