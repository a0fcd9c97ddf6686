// damo v3.3.0, unmodified, drives the simulated kernel's debugfs interface inside
// `damon-sim run`: start on a simulated workload's pid, status, tune, stop; and the files
// damo wrote read back with cat, as a user would check them.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectOpensServed, mustSkip, runInSim, sections, type Section, type SimRunResult } from "./harness.js";

const skip = mustSkip();

/** Some of what damo opens (pids as N), to show the audit sees it. */
const EXPECTED_OPENS = [
  "r /proc/mounts",
  "r /sys/kernel/tracing/available_events",
  "w /sys/kernel/debug/damon/target_ids",
  "w /sys/kernel/debug/damon/monitor_on",
  "r /sys/kernel/debug/damon/schemes",
];

const script = `
P=$DAMON_SIM_PIDS; D=/sys/kernel/debug/damon; I="--damon_interface_DEPRECATED debugfs"
check pid sh -c 'ps -o comm= -p $DAMON_SIM_PIDS; pidof stairs'
check mounts sh -c 'grep -E " (debugfs|tracefs) " /proc/mounts | cut -d" " -f2,3'
check start damo start $P $I --damos_action stat --damos_access_rate 0% 0% --damos_age 5s max
check files sh -c "cat $D/attrs $D/target_ids $D/monitor_on $D/schemes"
check kdamond cat $D/kdamond_pid
check status damo report damon $I
check tune damo tune $P $I --sample 10000
check stop damo stop $I
check after-stop cat $D/monitor_on
check stop-again damo stop $I
`;

describe.skipIf(skip)("damo on the debugfs interface", () => {
  let run: SimRunResult;
  let s: Record<string, Section>;
  beforeAll(async () => {
    run = await runInSim(script, { kernel: "6.8", spawn: ["stairs"], auditOpens: true });
    s = sections(run.stdout);
  });

  it("every file damo opened under /proc and /sys is there: the simulation serves all it reads", () => {
    expectOpensServed(run, EXPECTED_OPENS);
  });

  it("the run ends with the script's status and leaves nothing mounted", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(readFileSync("/proc/self/mounts", "utf8")).not.toContain("damon_sim");
  });

  it("the workload is a live process with the simulated pid, as ps and pidof see it", () => {
    expect(s.pid).toEqual({ out: "stairs\n369", rc: 0 });
    // damo finds both through /proc/mounts by type; the simulated files are bind-mounted over them
    expect(s.mounts.out).toBe("/sys/kernel/debug debugfs\n/sys/kernel/tracing tracefs");
  });

  it("damo start writes attrs, target_ids and schemes, then turns monitor_on on", () => {
    expect(s.start).toEqual({ out: "", rc: 0 });
    const [attrs, targets, on, schemes] = s.files.out.split("\n");
    expect([attrs, targets, on]).toEqual(["5000 100000 1000000 10 1000", "369", "on"]);
    // min_sz max_sz min_nr_accesses max_nr_accesses min_age(50 x 100 ms = 5 s) max_age action(5 = stat) ...
    expect(schemes.split(" ").slice(0, 7)).toEqual(["0", "18446744073709551615", "0", "0", "50", expect.stringMatching(/^\d+$/), "5"]);
    expect(s.files.rc).toBe(0);
  });

  it("damo report damon shows the running kdamond, its target and scheme", () => {
    expect(s.kdamond.out).toMatch(/^\d+$/);
    expect(s.status.rc).toBe(0);
    expect(s.status.out).toContain(`kdamond 0\n    state: on, pid: ${s.kdamond.out}\n    context 0\n        ops: vaddr\n        target 0\n            pid: 369\n`);
    expect(s.status.out).toContain("intervals: sample 5 ms, aggr 100 ms, update 1 s\n        nr_regions: [10, 1,000]\n");
    expect(s.status.out).toContain("scheme 0\n            action: stat per aggr interval\n");
  });

  it("damo tune fails as on a real kernel: debugfs cannot change a running kdamond", () => {
    expect(s.tune).toEqual({
      out: "tuning failed (cannot commit kdamonds (staging updates failed (DAMON debugfs doesn't support online staging)))",
      rc: 1,
    });
  });

  it("damo stop turns monitor_on off; stopping again says DAMON is not on", () => {
    expect(s.stop).toEqual({ out: "", rc: 0 });
    expect(s["after-stop"]).toEqual({ out: "off", rc: 0 });
    expect(s["stop-again"]).toEqual({ out: "DAMON is not turned on", rc: 1 });
  });
});

describe.skipIf(skip)("damo on a kernel without the sysfs interface (5.15)", () => {
  it("finds debugfs by itself: /sys/kernel/mm/damon is empty, start and stop go through monitor_on", async () => {
    const run = await runInSim(
      `
check sysfs ls -A /sys/kernel/mm/damon
check start damo start $DAMON_SIM_PIDS
check on cat /sys/kernel/debug/damon/monitor_on /sys/kernel/debug/damon/target_ids
check stop damo stop
check off cat /sys/kernel/debug/damon/monitor_on
`,
      { kernel: "5.15", spawn: ["zipf"] },
    );
    expect(run.stderr).toBe("");
    expect(sections(run.stdout)).toEqual({
      sysfs: { out: "", rc: 0 },
      start: { out: "", rc: 0 },
      on: { out: "on\n369", rc: 0 },
      stop: { out: "", rc: 0 },
      off: { out: "off", rc: 0 },
    });
  });
});
