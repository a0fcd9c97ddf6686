// damo v3.3.0, unmodified, drives the simulated kernel's sysfs interface
// (/sys/kernel/mm/damon/admin) inside `damon-sim run`: start on a simulated workload's pid,
// status with scheme statistics, tune while running, stop; and the files damo wrote read
// back with cat.
import { beforeAll, describe, expect, it } from "vitest";
import { expectOpensServed, mustSkip, runInSim, sections, type Section, type SimRunResult } from "./harness.js";

const skip = mustSkip();

/** Some of what damo opens (pids as N), to show the audit sees it. */
const EXPECTED_OPENS = [
  "r /proc/mounts", // how damo finds sysfs, debugfs and tracefs
  "r /sys/kernel/tracing/available_events", // which damon tracepoints exist
  "r /proc/iomem", // paddr's default region: the System RAM lines
  "listdir /sys/kernel/mm/damon/admin/kdamonds",
  "w /sys/kernel/mm/damon/admin/kdamonds/N/state",
  "r /sys/kernel/mm/damon/admin/kdamonds/N/contexts/N/avail_operations",
  "w /sys/kernel/mm/damon/admin/kdamonds/N/contexts/N/schemes/N/quotas/goals/nr_goals",
];

const scheme = "--damos_action stat --damos_access_rate 0% 100% --damos_age 0 max";
const script = `
P=$DAMON_SIM_PIDS; K=/sys/kernel/mm/damon/admin/kdamonds; C=$K/0/contexts/0; I="--damon_interface_DEPRECATED sysfs"
check start damo start $P $I ${scheme}
check files sh -c "cd $K; cat nr_kdamonds 0/state 0/contexts/nr_contexts $C/operations $C/targets/nr_targets $C/targets/0/pid_target \\
  $C/monitoring_attrs/intervals/sample_us $C/monitoring_attrs/intervals/aggr_us $C/monitoring_attrs/intervals/update_us \\
  $C/monitoring_attrs/nr_regions/min $C/monitoring_attrs/nr_regions/max $C/schemes/nr_schemes $C/schemes/0/action"
check kdamond sh -c "cat $K/0/pid; ps -o comm= -p \\$(cat $K/0/pid)"
sleep 1
check status damo report damon $I
check tune damo tune $P $I --sample 10000 --aggr 200000 ${scheme}
check after-tune cat $C/monitoring_attrs/intervals/sample_us $C/monitoring_attrs/intervals/aggr_us $K/0/state
check stop damo stop $I
check after-stop cat $K/0/state $K/0/pid
check paddr sh -c "damo start && cat $C/operations $C/targets/0/regions/nr_regions $C/targets/0/regions/0/start $C/targets/0/regions/0/end && damo stop"
check cmd sh -c 'damo start "masim zigzag" && M=$(pgrep -x masim) && cat '$C'/targets/0/pid_target | grep -cx $M && damo report damon | grep -c "pid: $M$" && damo stop && kill $M'
check auto sh -c "damo start $P && cat $K/0/state /sys/kernel/debug/damon/kdamond_pid /sys/kernel/debug/damon/monitor_on && damo stop"
`;

describe.skipIf(skip)("damo on the sysfs interface", () => {
  let run: SimRunResult;
  let s: Record<string, Section>;
  beforeAll(async () => {
    run = await runInSim(script, { kernel: "6.8", spawn: ["stairs"], auditOpens: true });
    s = sections(run.stdout);
  });

  it("every file damo opened under /proc and /sys is there: the simulation serves all it reads", () => {
    expectOpensServed(run, EXPECTED_OPENS);
  });

  it("the run succeeds", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("damo start builds kdamond 0's directories and turns it on", () => {
    expect(s.start).toEqual({ out: "", rc: 0 });
    expect(s.files).toEqual({ out: ["1", "on", "1", "vaddr", "1", "369", "5000", "100000", "1000000", "10", "1000", "1", "stat"].join("\n"), rc: 0 });
  });

  it("the kdamond's pid is a process ps knows, named as the kernel thread", () => {
    const [pid, comm] = s.kdamond.out.split("\n");
    expect(pid).toMatch(/^\d+$/);
    expect(comm).toBe("kdamond.0");
  });

  it("damo report damon shows the kdamond, its target and the scheme's statistics after a second", () => {
    const pid = s.kdamond.out.split("\n")[0];
    expect(s.status.rc).toBe(0);
    expect(s.status.out).toContain(`kdamond 0\n    state: on, pid: ${pid}\n    context 0\n        ops: vaddr\n        target 0\n            pid: 369\n`);
    expect(s.status.out).toContain("scheme 0\n            action: stat per aggr interval\n");
    // update_schemes_stats was written: a stat scheme on every region was tried ~10 times per region
    const tried = /tried (\d+) times \(([\d.]+ [KMG]i?B)\)/.exec(s.status.out);
    expect(Number(tried?.[1])).toBeGreaterThan(10);
  });

  it("damo tune commits new intervals to the running kdamond", () => {
    expect(s.tune).toEqual({ out: "", rc: 0 });
    expect(s["after-tune"]).toEqual({ out: "10000\n200000\non", rc: 0 });
  });

  it("damo stop turns it off: state off, pid -1", () => {
    expect(s.stop).toEqual({ out: "", rc: 0 });
    expect(s["after-stop"]).toEqual({ out: "off\n-1", rc: 0 });
  });

  it("without --damon_interface_DEPRECATED damo picks sysfs; debugfs's own context stays idle", () => {
    // monitor_on counts every running context, whichever interface started it (as the kernel's does)
    expect(s.auto).toEqual({ out: "on\nnone\non", rc: 0 });
  });

  it("damo start without a pid monitors the physical address space: System RAM from /proc/iomem", () => {
    // [0x1000, 16 GiB): the simulated machine's RAM, not the host's
    expect(s.paddr).toEqual({ out: "paddr\n1\n4096\n17179869184", rc: 0 });
  });

  it('damo start "masim zigzag" starts the command: the masim shim makes it a simulated process', () => {
    // damo ran `masim zigzag` itself and took its pid as the target
    expect(s.cmd).toEqual({ out: "1\n1", rc: 0 });
  });
});
