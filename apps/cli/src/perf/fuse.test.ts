// perf record against the simulated tracefs served through FUSE: inside `damon-sim run`
// (private mount and pid namespaces), DAMON's debugfs monitors a stairs workload while the
// shim records damon:damon_aggregated; `perf script`'s output, read by packages/record, gives
// exactly the snapshots of the recorded tracepoint events. Required under CI=true; skipped
// elsewhere without FUSE.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkFuse } from "@damon-sim/fuse";
import { readAllSnapshots } from "@damon-sim/record";
import { describe, expect, it } from "vitest";
import { parsePerfData } from "./data-file.js";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const shim = fileURLToPath(new URL("../../bin/shims/perf", import.meta.url));
const fuse = checkFuse();
const hasUnshare = spawnSync("unshare", ["--version"]).status === 0;
const unavailable = !fuse.ok ? fuse.reason : !hasUnshare ? "unshare(1) is missing (util-linux)" : null;
if (unavailable && process.env.CI !== "true") {
  console.warn(`skipping the perf shim's FUSE test: ${unavailable}. It needs Linux, /dev/fuse and root.`);
}

// `perf` is the shim `damon-sim run` puts on PATH; the second recording uses bin/shims/perf.
const script = `
set -eu
D=/sys/kernel/debug/damon
echo $DAMON_SIM_PIDS > $D/target_ids
echo on > $D/monitor_on
perf record -a -e damon:damon_aggregated -o "$WORK/run.data" -- sleep 2 2> "$WORK/record.err"
${JSON.stringify(shim)} record -q -e damon:damon_aggregated -o "$WORK/shim.data" -- sleep 0.5
echo off > $D/monitor_on
perf script --force -i "$WORK/run.data" > "$WORK/run.script"
perf script -i "$WORK/shim.data" | wc -l > "$WORK/shim.count"
grep -c . /sys/kernel/debug/tracing/available_events > "$WORK/available.count"
cat /sys/kernel/debug/tracing/events/damon/damon_aggregated/enable > "$WORK/enable.after"
`;

describe.skipIf(unavailable !== null && process.env.CI !== "true")("perf shim on the simulated tracefs (FUSE)", () => {
  it("perf script's output reads back as the snapshots of the recorded events", async () => {
    if (unavailable) throw new Error(`FUSE is required under CI=true: ${unavailable}`);
    const work = mkdtempSync(join(tmpdir(), "damon-perf-fuse-"));
    try {
      const run = spawnSync("timeout", ["90", process.execPath, cli, "run", "--kernel", "6.8", "--spawn", "stairs", "--speed", "2", "--", "bash", "-c", script], {
        encoding: "utf8",
        env: { ...process.env, WORK: work },
      });
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      const read = (name: string) => readFileSync(join(work, name), "utf8");
      expect(read("record.err")).toMatch(/^\[ perf record: Woken up \d+ times to write data \]\n\[ perf record: Captured and wrote \d+\.\d{3} MB .*run\.data \(\d+ samples\) \]\n$/);
      expect(read("enable.after")).toBe("0\n"); // perf put it back
      expect(read("available.count")).toBe("1\n");
      expect(Number(read("shim.count"))).toBeGreaterThan(0);

      // The events as recorded (ftrace's lines), grouped into snapshots by nr_regions.
      const events = parsePerfData(read("run.data")).samples;
      const expected: Array<{ endNs: number; regions: number[][] }> = [];
      let nrRegions = 0;
      for (const e of events) {
        const m = /^target_id=0 nr_regions=(\d+) (\d+)-(\d+): (\d+) (\d+)$/.exec(e.fields)!;
        expect(m, e.fields).not.toBeNull();
        const last = expected.at(-1);
        const endNs = Number(e.secs) * 1e9 + Number(e.frac) * 1e3;
        const region = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
        if (last && last.regions.length < nrRegions) last.regions.push(region);
        else {
          expected.push({ endNs, regions: [region] });
          nrRegions = Number(m[1]);
        }
      }

      const { format, snapshots } = await readAllSnapshots(readFileSync(join(work, "run.script")));
      expect(format).toBe("perf_script");
      const got = snapshots.map((s) => ({ endNs: s.endNs, regions: s.targets[0].regions.map((r) => [r.start, r.end, r.nrAccesses, r.age!]) }));
      expect(got).toEqual(expected);

      // 2 s of wall time at 2x is about 40 aggregations of 100 ms, each a complete snapshot
      expect(snapshots.length).toBeGreaterThan(15);
      for (let i = 1; i < snapshots.length; i++) expect(snapshots[i].endNs - snapshots[i - 1].endNs).toBe(100_000_000);
      for (const s of got) expect(s.regions.length).toBeGreaterThanOrEqual(10);
      // the stairs workload is busy: some regions were found accessed
      expect(got.some((s) => s.regions.some((r) => r[2] > 0))).toBe(true);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
