// `damon-sim run`: usage errors anywhere; the namespaces, mounts, shims and exit status where
// FUSE is available (required under CI=true, skipped with a message elsewhere).
import { spawn, spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkFuse } from "@damon-sim/fuse";
import { describe, expect, it } from "vitest";
import type { Task } from "@damon-sim/core";
import { childPids, ProcessMirror, removeWorkDir, type MirrorSystem, type Placeholder } from "./commands/run.js";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const fixtures = fileURLToPath(new URL("../../../../shared/fixtures/masim", import.meta.url));
const run = (args: string[], timeout = 60_000) =>
  spawnSync(process.execPath, [cli, "run", ...args], { encoding: "utf8", timeout });

describe("damon-sim run: usage", () => {
  it("documents the command, its options and what the command sees", () => {
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: damon-sim run \[options\] <command\.\.\.>/);
    for (const option of ["--kernel", "--spawn", "--speed", "--seed", "DAMON_SIM_PIDS", "uname -r"]) expect(help.stdout).toContain(option);
  });

  it.each([
    [["--spawn", "nosuch", "--", "true"], "--spawn must name a built-in workload (stairs, zigzag, hotcold, random, seqscan, zipf, phases); got 'nosuch'"],
    [["--kernel", "4.1", "--", "true"], "--kernel must be one of"],
    [[], "missing required argument 'command'"],
  ])("%j is a usage error: exit 2, before anything is mounted", (args, message) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toMatch(/\(see 'damon-sim run --help'\)\n$/);
  });
});

const fuse = checkFuse();
const hasUnshare = spawnSync("unshare", ["--version"]).status === 0;
const unavailable = !fuse.ok ? fuse.reason : !hasUnshare ? "unshare(1) is missing (util-linux)" : null;
if (unavailable && process.env.CI !== "true") {
  console.warn(`skipping the damon-sim run tests: ${unavailable}. They need Linux, /dev/fuse and root.`);
}

describe.skipIf(unavailable !== null && process.env.CI !== "true")("damon-sim run (FUSE, namespaces)", () => {
  it("the command sees the simulated kernel: shims, environment, mounts and /proc", () => {
    if (unavailable) throw new Error(`FUSE is required under CI=true: ${unavailable}`);
    const script = [
      'echo "$DAMON_SIM_KERNEL|$DAMON_SIM_PIDS|$(uname -r)|$(uname -s)"',
      'test "$(command -v perf)" = "$DAMON_SIM_SHIMS/perf" && echo perf-shim',
      'grep -E " (/sys/kernel/mm/damon|/proc/meminfo|/sys/kernel/debug) " /proc/mounts | cut -d" " -f2,3',
      "head -1 /proc/meminfo",
      "grep -c /usr/bin/zipf /proc/$DAMON_SIM_PIDS/maps",
      "cat /proc/$DAMON_SIM_PIDS/comm",
      "ls /sys/kernel/debug/damon",
      "exit 7",
    ].join("\n");
    const result = run(["--kernel", "5.15", "--spawn", "zipf", "--", "bash", "-c", script]);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(7);
    expect(result.stdout.split("\n")).toEqual([
      "5.15|369|5.15.0-damon-sim|Linux",
      "perf-shim",
      "/sys/kernel/debug debugfs",
      "/sys/kernel/debug fuse.damon_sim",
      "/sys/kernel/mm/damon fuse.damon_sim", // never the host's own DAMON
      "/proc/meminfo fuse.damon_sim",
      "MemTotal:       16777216 kB",
      "5",
      "zipf",
      "attrs\nkdamond_pid\nmk_contexts\nmonitor_on\nrm_contexts\ntarget_ids", // 5.15: no schemes nor init_regions yet
      "",
    ].join("\n").split("\n"));
    expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain("damon_sim");
  });

  it("a workload's process ends with it (--once), and kill PID ends the simulated process", () => {
    const script = [
      "set -- $DAMON_SIM_PIDS",
      'ps -o comm= -p "$1,$2"',
      "D=/sys/kernel/debug/damon; echo $2 > $D/target_ids; echo on > $D/monitor_on; K=$(cat $D/kdamond_pid)",
      "kill $2; sleep 0.5",
      'cat $D/monitor_on; ps -p $K > /dev/null || echo "kdamond $K gone"', // its only target exited
      'ps -p $2 > /dev/null || echo "$2 killed"',
      "cat $D/target_ids; echo $2 > $D/target_ids || echo 'no such simulated pid'",
      'while ps -p $1 > /dev/null; do sleep 0.1; done; echo "$1 exited"', // zigzag: 20 s at 10x
    ].join("\n");
    const result = run(["--once", "--speed", "10", "--spawn", "zigzag", "--spawn", "stairs", "--", "bash", "-c", script]);
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("zigzag\nstairs\noff\nkdamond 371 gone\n370 killed\n\nno such simulated pid\n369 exited\n");
    expect(result.stderr).toMatch(/^bash: line 7: echo: write error: \w[\w ]+\n$/);
  });

  it.each([
    ["6.6", "6.6.0-damon-sim\ndamon\ntracing\nnr_kdamonds"], // both: debugfs went only after 6.9
    ["seed", "5.15.0-rc1-damon-sim\ndamon\ntracing\n0"], // debugfs only: an empty mm/damon
  ])("--kernel %s presents the interfaces that kernel had", (kernel, expected) => {
    const script = "uname -r; ls /sys/kernel/debug; ls /sys/kernel/mm/damon/admin/kdamonds 2>/dev/null || ls -A /sys/kernel/mm/damon | wc -l";
    const result = run(["--kernel", kernel, "--", "sh", "-c", script]);
    expect(result).toMatchObject({ status: 0, stdout: `${expected}\n`, stderr: "" });
  });

  it("masim CONFIG makes its own process a simulated one, as damo start \"masim ...\" needs", () => {
    const script = [
      "masim zigzag & P=$!; sleep 0.3",
      'ps -o comm=,ppid= -p $P | tr -s " "; echo "parent $$"',
      "grep -c /usr/bin/masim /proc/$P/maps", // the simulated layout
      "ps --ppid $P -o pid= || echo 'no children'", // damo would take them for targets
      "kill $P; wait $P; echo \"killed: $?\"",
      "sleep 0.1; echo $P > /sys/kernel/debug/damon/target_ids || echo 'simulated process gone'",
      `masim ${fixtures}/stairs.cfg & Q=$!; sleep 0.3; grep -c '^[0-9a-f-]* rw-p 00000000 00:00 0 *$' /proc/$Q/maps; kill $Q`,
      "masim nope; echo \"nope: $?\"",
      "masim zipf & R=$!; wait $R; echo \"zipf ended: $?\"", // 20 s at 20x
    ].join("\n");
    const result = run(["--speed", "20", "--", "bash", "-c", script]);
    const parent = /parent (\d+)/.exec(result.stdout)?.[1];
    // (the shim ends with status 0 on SIGTERM, as on the simulated process's end)
    const lines = result.stdout.split("\n");
    expect(lines.slice(0, 6)).toEqual([`masim ${parent}`, `parent ${parent}`, "5", "no children", "killed: 0", "simulated process gone"]);
    expect(Number(lines[6])).toBeGreaterThan(5); // stairs.cfg's malloc()ed buffers: more anonymous mappings
    expect(lines.slice(7)).toEqual(["nope: 1", "zipf ended: 0", ""]);
    expect(result.stderr).toMatch(/^bash: line \d+: echo: write error: .+\nmasim: cannot run nope in the simulation\n$/);
    expect(result.status).toBe(0);
  });

  it("ends with the command even if it left a process behind inside a mount", () => {
    const started = performance.now();
    const result = run(["--", "sh", "-c", "cd /sys/kernel/mm/damon && (sleep 100 &); echo left"], 20_000);
    expect(result).toMatchObject({ status: 0, stdout: "left\n", stderr: "" });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("exits 127 for a command that does not exist", () => {
    const result = run(["--", "/nonexistent/command"]);
    expect(result.status).toBe(127);
    expect(result.stderr).toBe("damon-sim run: /nonexistent/command: command not found\n");
  });

  it("SIGTERM reaches the command; its status (143) is run's, and nothing stays behind", async () => {
    const tmp = mkdtempSync(join(tmpdir(), "damon-sim-run-test-"));
    const child = spawn(process.execPath, [cli, "run", "--spawn", "stairs", "--", "sh", "-c", "echo ready; exec sleep 30"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, TMPDIR: tmp },
    });
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    // outer run -> unshare -> inner run (pid 1 inside) -> the placeholder named stairs
    const [inner] = childrenOf(childrenOf(child.pid!)[0]);
    const placeholders = childrenOf(inner).filter((pid) => readFileSync(`/proc/${pid}/comm`, "utf8") === "stairs\n");
    expect(placeholders).toHaveLength(1);
    const started = performance.now();
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(143);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain("damon_sim");
    // the placeholder lived in the run's pid namespace, and died with it
    expect(existsSync(`/proc/${placeholders[0]}`)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]); // the run's temporary directory is gone too
    rmdirSync(tmp);
  });

  it.each([0, 100, 300])("SIGTERM %i ms after the start, maybe before the command runs: 143, nothing left", async (delay) => {
    const tmp = mkdtempSync(join(tmpdir(), "damon-sim-run-test-"));
    const child = spawn(process.execPath, [cli, "run", "--spawn", "stairs", "--", "sleep", "30"], { stdio: "ignore", env: { ...process.env, TMPDIR: tmp } });
    await new Promise((resolve) => setTimeout(resolve, delay));
    const started = performance.now();
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("close", (c, signal) => resolve(c ?? (signal ? 128 + 15 : -1))));
    expect(code).toBe(143);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(readdirSync(tmp)).toEqual([]);
    rmdirSync(tmp);
  });
});

describe("damon-sim run: finding the inner half to pass SIGTERM to", () => {
  it("reads /proc/PID/task/PID/children, or without CONFIG_PROC_CHILDREN each process's ppid", () => {
    const proc = mkdtempSync(join(tmpdir(), "damon-sim-proc-"));
    const stat = (pid: number, comm: string, ppid: number) => {
      mkdirSync(join(proc, String(pid)));
      writeFileSync(join(proc, String(pid), "stat"), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1 4194560 107 0 0 0\n`);
    };
    stat(100, "unshare", 1);
    stat(101, "node", 100);
    stat(102, "a) S 100 (odd", 7); // a comm that looks like fields
    stat(103, "sleep", 101);
    writeFileSync(join(proc, "meminfo"), "");
    expect(childPids(100, proc)).toEqual([101]);
    expect(childPids(101, proc)).toEqual([103]);
    mkdirSync(join(proc, "100/task/100"), { recursive: true });
    writeFileSync(join(proc, "100/task/100/children"), "101 ");
    expect(childPids(100, proc)).toEqual([101]);
    // the real /proc: this process is its parent's child
    expect(childPids(process.ppid)).toContain(process.pid);
  });
});

/**
 * A pid namespace in miniature: ns_last_pid is a file, a fork takes the next free pid after
 * it (as alloc_pid does), `taken` are pids real processes hold, and mounts are only logged.
 */
function fakeSystem() {
  const dir = mkdtempSync(join(tmpdir(), "damon-sim-mirror-"));
  mkdirSync(join(dir, "comm"));
  const nsLastPid = join(dir, "ns_last_pid");
  writeFileSync(nsLastPid, "10000");
  const taken = new Set<number>();
  const log: string[] = [];
  let hold: Promise<void> | undefined; // mounts wait for it
  const system: MirrorSystem = {
    nsLastPid,
    spawnPlaceholder(): Placeholder {
      let pid = Number(readFileSync(nsLastPid, "utf8")) + 1;
      while (taken.has(pid)) pid++;
      writeFileSync(nsLastPid, String(pid));
      taken.add(pid);
      log.push(`fork ${pid}`);
      const child = Object.assign(new EventEmitter(), {
        pid,
        kill: () => {
          taken.delete(pid);
          log.push(`kill ${pid}`);
          setImmediate(() => child.emit("exit"));
          return true;
        },
      });
      return child;
    },
    async exec(command, args) {
      await hold;
      log.push(`${command} ${args.at(-1)} (ns_last_pid ${readFileSync(nsLastPid, "utf8")})`);
      return { code: 0, stderr: "" };
    },
  };
  const mirror = new ProcessMirror(dir, join(dir, "fs"), system);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
  return { mirror, system, taken, log, settle, holdMounts: (p: Promise<void> | undefined) => (hold = p) };
}

const kdamond = (pid: number) => ({ pid, comm: "kdamond.0", kind: "kthread", alive: true }) as unknown as Task;

describe("damon-sim run's placeholders (ProcessMirror)", () => {
  it("starts a placeholder with the task's pid and puts ns_last_pid back before any mount", async () => {
    const { mirror, log, settle, system } = fakeSystem();
    mirror.sync([kdamond(371)]);
    await settle();
    expect(log[0]).toBe("fork 371");
    // the command's forks must not run with the counter among the simulated pids meanwhile
    expect(log.slice(1)).toEqual(["maps", "stat", "statm", "status", "comm", "cmdline"].map((f) => `mount /proc/371/${f} (ns_last_pid 10000)`));
    expect(readFileSync(system.nsLastPid, "utf8")).toBe("10000");
  });

  it("never moves ns_last_pid backwards past the command's own forks", () => {
    const { mirror, system } = fakeSystem();
    const spawnPlaceholder = system.spawnPlaceholder;
    // the command forks 50 times right after our placeholder: the counter ends past `saved`
    system.spawnPlaceholder = (exe) => {
      const child = spawnPlaceholder(exe);
      writeFileSync(system.nsLastPid, "10050");
      return child;
    };
    mirror.sync([kdamond(371)]);
    expect(readFileSync(system.nsLastPid, "utf8")).toBe("10050");
  });

  it("tries a pid a real process held again on a later tick, a bounded number of times", async () => {
    const { mirror, taken, log, settle } = fakeSystem();
    taken.add(372); // the command forked into the kdamond's pid
    mirror.sync([kdamond(372)]);
    await settle();
    expect(log.filter((l) => l.startsWith("fork"))).toHaveLength(5);
    taken.delete(372); // ... and that process ended
    for (let tick = 0; tick < 3 && !log.includes("mount /proc/372/maps (ns_last_pid 10000)"); tick++) {
      mirror.sync([kdamond(372)]);
      await settle();
    }
    expect(log).toContain("mount /proc/372/maps (ns_last_pid 10000)");

    const other = fakeSystem();
    other.taken.add(373); // held for good: given up after a bounded number of tries
    for (let tick = 0; tick < 1000; tick++) other.mirror.sync([kdamond(373)]);
    const forks = other.log.filter((l) => l.startsWith("fork")).length;
    expect(forks).toBeGreaterThan(5);
    expect(forks).toBeLessThanOrEqual(5 * 8);
  });

  it("a sync still mounting when stop() comes leaves no placeholder nor mount behind", async () => {
    const { mirror, log, settle, holdMounts } = fakeSystem();
    let release!: () => void;
    holdMounts(new Promise<void>((resolve) => (release = resolve)));
    mirror.sync([kdamond(371), kdamond(372)]);
    const stopped = mirror.stop();
    release();
    holdMounts(undefined);
    await stopped;
    mirror.sync([kdamond(374)]); // a tick after the end: nothing happens
    await settle();
    // the mount under way is undone, no other is made, and both placeholders end
    expect(log).toEqual([
      "fork 371",
      "fork 372",
      "mount /proc/371/maps (ns_last_pid 10000)",
      "umount /proc/371/maps (ns_last_pid 10000)",
      "kill 371",
      "kill 372",
    ]);
  });
});

describe.skipIf(unavailable !== null && process.env.CI !== "true")("damon-sim run's cleanup", () => {
  it("removes its temporary directory even while the FUSE mount point is still mounted", async () => {
    const work = mkdtempSync(join(tmpdir(), "damon-sim-run-test-"));
    const fuseDir = join(work, "fs");
    for (const dir of ["bin", "comm", "fs"]) mkdirSync(join(work, dir));
    writeFileSync(join(work, "bin/perf"), "#!/bin/sh\n");
    symlinkSync("/bin/sleep", join(work, "comm/stairs"));
    // a mount that did not go (as a hung FUSE unmount leaves it): rmdir fails with EBUSY
    expect(spawnSync("mount", ["-t", "tmpfs", "none", fuseDir]).status).toBe(0);
    try {
      await removeWorkDir(work, fuseDir);
      expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain(fuseDir);
      expect(existsSync(work)).toBe(false);
    } finally {
      spawnSync("umount", ["-l", fuseDir]);
    }
  });
});

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}
