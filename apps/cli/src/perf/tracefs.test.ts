import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunError, UsageError } from "../errors.js";
import { parseMounts } from "../proc-mounts.js";
import { availableTracepoints, resolveTracepoints, tracefsCandidates } from "./tracefs.js";

const work = mkdtempSync(join(tmpdir(), "damon-sim-tracefs-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fakeTracefs(name: string, events: string[]): string {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "trace_pipe"), "");
  writeFileSync(join(dir, "available_events"), events.map((e) => `${e}\n`).join(""));
  for (const e of events) {
    const [system, event] = e.split(":");
    mkdirSync(join(dir, "events", system, event), { recursive: true });
    writeFileSync(join(dir, "events", system, event, "enable"), "0\n");
  }
  return dir;
}

describe("finding tracefs", () => {
  it("$DAMON_SIM_TRACEFS alone; else tracefs and debugfs mount points, then the usual paths", () => {
    const mounts = parseMounts("sysfs /sys sysfs rw 0 0\ndebugfs /mnt/my\\040debug debugfs rw 0 0\ntracefs /t tracefs rw 0 0\n");
    expect(mounts).toContainEqual({ point: "/mnt/my debug", type: "debugfs" });
    expect(tracefsCandidates({}, mounts)).toEqual(["/t", "/mnt/my debug/tracing", "/sys/kernel/tracing", "/sys/kernel/debug/tracing"]);
    expect(tracefsCandidates({ DAMON_SIM_TRACEFS: "/x" }, mounts)).toEqual(["/x"]);
    expect(tracefsCandidates({}, [])).toEqual(["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]);
  });

  it("picks the first tracing directory that has every requested tracepoint; globs expand", () => {
    const host = fakeTracefs("host", ["sched:sched_switch"]);
    const sim = fakeTracefs("sim", ["damon:damon_aggregated", "damon:damos_before_apply"]);
    expect(resolveTracepoints(["damon:damon_aggregated"], [join(work, "none"), host, sim])).toEqual({
      tracefs: sim,
      tracepoints: [{ system: "damon", name: "damon_aggregated" }],
    });
    expect(resolveTracepoints(["damon:*", "damon:damon_aggregated"], [sim]).tracepoints.map((t) => t.name)).toEqual(["damon_aggregated", "damos_before_apply"]);
    expect(availableTracepoints([join(work, "none"), sim])).toEqual(["damon:damon_aggregated", "damon:damos_before_apply"]);
  });

  it("an unknown tracepoint or a missing tracefs fails on one line naming the path", () => {
    const sim = join(work, "sim");
    expect(() => resolveTracepoints(["damon:nope"], [sim])).toThrow(RunError);
    expect(() => resolveTracepoints(["damon:nope"], [sim])).toThrow(`${sim}/events/damon/nope: unknown tracepoint 'damon:nope'`);
    expect(() => resolveTracepoints(["damon:damon_aggregated"], [join(work, "none")])).toThrow(/none: no tracefs here/);
    expect(() => resolveTracepoints(["not an event"], [sim])).toThrow(UsageError);
  });
});
