// damo v3.3.0, unmodified, records a simulated workload inside `damon-sim run`: damo record
// runs `perf record -e damon:damon_aggregated` (the damon-sim perf shim on PATH), converts
// with `perf script`, and its reports read the result; damon-sim's own reports read damo's
// file and print the same bytes as damo's.
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { mustSkip, runInSim, sections, type Section, type SimRunResult } from "./harness.js";

const skip = mustSkip();
const shim = fileURLToPath(new URL("../../../apps/cli/bin/shims/perf", import.meta.url));

const MiB = 2 ** 20;
const WSS = "--raw_number --exclude_samples 0 -r 0 101 25";

const script = `
P=$DAMON_SIM_PIDS
sim() { "$DAMON_SIM_NODE" "$DAMON_SIM_CLI" "$@"; }
check perf sh -c 'command -v perf >/dev/null && perf --version'
check events cat /sys/kernel/tracing/available_events
check record damo record $P --timeout 3
check files sh -c 'ls damon.data damon.data.kdamonds && file -b damon.data'
check wss damo report wss ${WSS}
check sim-wss sim report wss ${WSS}
check heatmap damo report heatmap --resol 10 40
check raw sh -c 'python3 "$DAMO_PY" report access --raw_form > damo.raw && "$DAMON_SIM_NODE" "$DAMON_SIM_CLI" report raw > sim.raw && cmp damo.raw sim.raw && grep -c "^monitoring_start" sim.raw'

# Ctrl-C, the debugfs interface, damo's perf_data output and --perf_path with bin/shims/perf.
# Only 'access': damo's other recorders read /proc/PID/* inside bare 'except:' blocks, which
# swallow the SystemExit its SIGINT handler raises, and damo then records on forever (a damo
# race that the slower simulated /proc makes likely).
python3 "$DAMO_PY" record $P --damon_interface_DEPRECATED debugfs --output_type perf_data --do_record access -o dbg.data --perf_path "$SHIM" > ctrlc.log 2>&1 &
D=$!
# damo ignores SIGINT until its handler is installed (bash starts background jobs with SIGINT
# ignored): wait for its perf to be recording first
for i in $(seq 150); do ls .dbg.data.*.tmp > /dev/null 2>&1 && break; sleep 0.1; done
sleep 2
kill -INT $D
wait $D
echo "=== ctrl-c"; cat ctrlc.log; echo "rc=$?"
check dbg-file sh -c 'file -b dbg.data; head -c 21 dbg.data; echo'
check dbg-script sh -c 'perf script -i dbg.data > dbg.script && head -1 dbg.script'
check dbg-wss damo report wss -i dbg.data ${WSS}
# damo turns perf's timestamps into ns through a float (int(float(t) * 1e9)), damon-sim exactly:
# their snapshot times may differ by 1 ns, so the times are left out of the comparison
check dbg-raw sh -c 'python3 "$DAMO_PY" report access --raw_form -i dbg.data | grep -v -e ^monitoring_ -e ^base_time > dbg.damo.raw && "$DAMON_SIM_NODE" "$DAMON_SIM_CLI" report raw -i dbg.script | grep -v -e ^monitoring_ -e ^base_time > dbg.sim.raw && cmp dbg.damo.raw dbg.sim.raw && echo same'
check monitor-off cat /sys/kernel/debug/damon/monitor_on

# damo report trace, live: perf trace -e damon:damon_aggregated until Ctrl-C
damo start $P
check trace timeout -s INT 4 python3 "$DAMO_PY" report trace --event damon:damon_aggregated
damo stop
`;

/** damo's wss table with --raw_number: [percentile, bytes] rows (each followed by a bar). */
function wssRows(out: string): Array<[number, number]> {
  return out
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(\d+) \|\**\s*\|$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => [Number(m[1]), Number(m[2])]);
}

describe.skipIf(skip)("damo record on a simulated kernel, through the perf shim", () => {
  let run: SimRunResult;
  let s: Record<string, Section>;
  beforeAll(async () => {
    run = await runInSim(script, { kernel: "6.8", spawn: ["stairs"], env: { SHIM: shim } });
    s = sections(run.stdout);
  });

  it("the run ends cleanly", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("damo finds perf and the damon tracepoints, records for its --timeout, and writes json_compressed", () => {
    expect(s.perf).toEqual({ out: "perf version 6.8.0-damon-sim", rc: 0 });
    expect(s.events).toEqual({ out: "damon:damon_aggregated", rc: 0 });
    expect(s.record.rc).toBe(0);
    // damo's own message, then the shim's two lines for the tracepoint recording
    expect(s.record.out).toMatch(/^Press Ctrl\+C to stop\n\[ perf record: Woken up \d+ times to write data \]\n\[ perf record: Captured and wrote \d+\.\d{3} MB damon\.data \(\d+ samples\) \]/);
    expect(s.files).toEqual({ out: "damon.data\ndamon.data.kdamonds\nzlib compressed data", rc: 0 });
  });

  it("damo report wss: the stairs workload's working set, 16 to 128 MiB, as damon-sim reports it too", () => {
    expect(s.wss.rc).toBe(0);
    const rows = wssRows(s.wss.out);
    expect(rows.map(([p]) => p)).toEqual([0, 25, 50, 75, 100]);
    const sizes = rows.map(([, size]) => size);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeGreaterThanOrEqual(sizes[i - 1]);
    // 8 buffers of 16 MiB: at least one is being written; never more than the whole process (130.2 MiB)
    expect(sizes[0]).toBeGreaterThan(0);
    expect(sizes[4]).toBeGreaterThanOrEqual(16 * MiB);
    expect(sizes[4]).toBeLessThanOrEqual(131 * MiB);
    expect(s["sim-wss"]).toEqual(s.wss);
  });

  it("damo report heatmap: 10 rows of 40 heat digits over the workload's ~130 MiB", () => {
    expect(s.heatmap.rc).toBe(0);
    const lines = s.heatmap.out.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
    // blank where DAMON had no region at that time (the first row starts before the first snapshot)
    const rows = lines.filter((l) => /^[\d ]{40}$/.test(l));
    expect(rows).toHaveLength(10);
    expect(rows.join("")).toMatch(/[1-9]/);
    const space = /^# x-axis: space \[.+\) \(([\d.]+) MiB\)$/.exec(lines.find((l) => l.startsWith("# x-axis"))!);
    expect(Number(space![1])).toBeGreaterThanOrEqual(128);
    expect(Number(space![1])).toBeLessThan(136);
    const time = /^# y-axis: time \[.+\) \(([\d.]+) s\)$/.exec(lines.find((l) => l.startsWith("# y-axis"))!);
    expect(Number(time![1])).toBeGreaterThan(1);
    expect(Number(time![1])).toBeLessThan(10);
    expect(lines.find((l) => l.startsWith("# resolution"))).toMatch(/^# resolution: 40x10 \([\d.]+ MiB and \d+ ms for each character\)$/);
  });

  it("damon-sim report raw prints what damo report access --raw_form prints for damo's file", () => {
    expect(s.raw.rc).toBe(0);
    expect(Number(s.raw.out)).toBeGreaterThan(10); // snapshots: ~30 at 100 ms each
  });

  it("Ctrl-C stops damo record; perf stops with it and its perf_data converts through perf script", () => {
    expect(s["ctrl-c"].out).toMatch(/^Press Ctrl\+C to stop\n\nsignal 2 received\n\[ perf record: Woken up \d+ times to write data \]\n\[ perf record: Captured and wrote \d+\.\d{3} MB dbg\.data \(\d+ samples\) \]/);
    // the shim's own file; file(1) calls it data, so damo's reports run `perf script` on it
    expect(s["dbg-file"]).toEqual({ out: "data\ndamon-sim perf.data 1", rc: 0 });
    expect(s["dbg-script"].out).toMatch(/^ {7}kdamond\.0 +\d+ \[000\] +\d+\.\d{6}: damon:damon_aggregated: target_id=0 nr_regions=\d+ \d+-\d+: \d+ \d+$/);
    expect(s["dbg-wss"].rc).toBe(0);
    expect(wssRows(s["dbg-wss"].out)).toHaveLength(5);
    expect(s["dbg-raw"]).toEqual({ out: "same", rc: 0 });
    expect(s["monitor-off"]).toEqual({ out: "off", rc: 0 });
  });

  it("damo report trace follows the tracepoint live through perf trace, until Ctrl-C", () => {
    expect(s.trace.rc).toBe(124); // timeout(1)'s status when it had to send the signal
    const lines = s.trace.out.split("\n");
    expect(lines.at(-1)).toBe("signal 2 received");
    // "<ms since the first event> kdamond.0/<pid> damon:damon_aggregated <target> <i>/<nr_regions> <start> (<size>) <nr_accesses> <age>"
    const events = lines.slice(0, -1).map((l) => /^([\d.]+) kdamond\.0\/\d+ damon:damon_aggregated 0 (\d+)\/(\d+) [\d.]+ [KMGT]?i?B \([\d.]+ [KMGT]?i?B\) \d+ \d+$/.exec(l));
    expect(events.every((m) => m !== null), s.trace.out.slice(0, 300)).toBe(true);
    expect(events[0]![1]).toBe("0.000");
    // whole snapshots, each region numbered 0..nr_regions-1, 100 ms apart
    expect(events.length).toBeGreaterThan(40);
    const firstSnapshot = events.slice(0, Number(events[0]![3]));
    expect(firstSnapshot.map((m) => Number(m![2]))).toEqual(firstSnapshot.map((_, i) => i));
    expect(events.map((m) => Number(m![1])).filter((t, i, all) => i === 0 || t !== all[i - 1]).slice(0, 3)).toEqual([0, 100, 200]);
  });
});

// Linux 5.15: debugfs only, a tracepoint without the age field that names targets by a kernel
// pointer, and perf before 6.5. damo record ends by itself when its target process exits.
const script515 = `
P=$DAMON_SIM_PIDS
check perf perf --version
python3 "$DAMO_PY" record $P -o k.data > rec.log 2>&1 &
D=$!
for i in $(seq 150); do ls .k.data.*.tmp > /dev/null 2>&1 && break; sleep 0.1; done
sleep 2
kill $P
wait $D
echo "=== record"; cat rec.log; echo "rc=$?"
check monitor-on cat /sys/kernel/debug/damon/monitor_on
# (damo v3.3.0's own report access fails on age-less regions: TypeError in add_unset_unit)
check raw sh -c '"$DAMON_SIM_NODE" "$DAMON_SIM_CLI" report raw -i k.data > sim.raw && grep -m1 "^target_id" sim.raw && grep -m1 -A2 "^# start_addr" sim.raw'
check wss damo report wss -i k.data ${WSS}
check sim-wss "$DAMON_SIM_NODE" "$DAMON_SIM_CLI" report wss -i k.data ${WSS}
`;

describe.skipIf(skip)("damo record on Linux 5.15 (debugfs), until the target exits", () => {
  let run: SimRunResult;
  let s: Record<string, Section>;
  beforeAll(async () => {
    run = await runInSim(script515, { kernel: "5.15", spawn: ["stairs"] });
    s = sections(run.stdout);
  });

  it("killing the workload ends damo record, which turns DAMON off and converts the recording", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(s.perf).toEqual({ out: "perf version 5.15.0-damon-sim", rc: 0 });
    expect(s.record.out).toMatch(/^Press Ctrl\+C to stop\n\[ perf record: Woken up \d+ times to write data \]\n\[ perf record: Captured and wrote \d+\.\d{3} MB k\.data \(\d+ samples\) \]/);
    expect(s["monitor-on"]).toEqual({ out: "off", rc: 0 });
  });

  it("the record has the kernel's pointer target id and no ages; damo and damon-sim report the same working set", () => {
    expect(s.raw.rc).toBe(0);
    const [id, header, region] = s.raw.out.split("\n");
    expect(id).toMatch(/^target_id: 18446\d{15}$/); // a struct pid * above 0xffff800000000000
    expect(header).toBe("# start_addr     end_addr        length  nr_accesses   age");
    expect(region).toMatch(/ -1$/); // 5.15's damon_aggregated has no age
    const sizes = wssRows(s.wss.out).map(([, size]) => size);
    expect(sizes).toHaveLength(5);
    expect(sizes[4]).toBeGreaterThanOrEqual(16 * MiB);
    expect(sizes[4]).toBeLessThanOrEqual(131 * MiB);
    expect(s["sim-wss"]).toEqual(s.wss);
  });
});
