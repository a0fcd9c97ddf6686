// kdamonds/<K>/state: turning kdamonds on and off, and the commands handed to them.
import { Errno } from "@damon-sim/dbgfs";
import { describe, expect, it } from "vitest";
import { staged } from "./test-support.js";
import { SYSFS_VERSIONS, type SysfsVersion } from "./versions.js";

const { EINVAL, EBUSY, EPERM, ENOMEM } = Errno;
const atLeast = (version: SysfsVersion, v: SysfsVersion) => SYSFS_VERSIONS.indexOf(version) >= SYSFS_VERSIONS.indexOf(v);
const since = (v: SysfsVersion) => SYSFS_VERSIONS.filter((x) => atLeast(x, v));

/** A scheme that matches every region: any size, any access count, any age. */
function everyRegion(t: Awaited<ReturnType<typeof staged>>, index: number, action = "stat") {
  const S = `${t.C}/schemes/${index}`;
  t.setup([`${S}/action`, action], [`${S}/access_pattern/sz/max`, "18446744073709551615"],
    [`${S}/access_pattern/nr_accesses/max`, "4294967295"], [`${S}/access_pattern/age/max`, "4294967295"]);
}

describe.each(SYSFS_VERSIONS)("on and off (%s)", (version) => {
  it("on starts a kdamond whose pid appears; off stops it and pid reads -1", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "on\n")).toBe(3);
    expect(t.read("0/state")).toBe("on\n");
    const pid = Number(t.read("0/pid"));
    expect(t.sim.machine.task(pid)?.comm).toBe("kdamond.0");
    t.sim.runFor(500_000);
    expect(t.sysfs.kdamonds.items[0].damonCtx!.regions.count).toBeGreaterThan(0);
    expect(t.write("0/state", "off")).toBe(3);
    expect(t.read("0/state")).toBe("off\n");
    expect(t.read("0/pid")).toBe("-1\n");
    expect(t.sim.machine.task(pid)).toBeUndefined();
    // damon_sysfs_before_terminate dropped the virtual address targets; the files keep the pid.
    expect(t.sysfs.kdamonds.items[0].damonCtx!.targets).toHaveLength(0);
    expect(t.read(`${t.C}/targets/0/pid_target`)).toBe(`${t.pid}\n`);
  });

  it("on while running is EBUSY; off twice is EPERM; off before any on is EINVAL", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "off")).toBe(-EINVAL);
    expect(t.write("0/state", "on")).toBe(2);
    expect(t.write("0/state", "on")).toBe(-EBUSY);
    expect(t.write("0/state", "off")).toBe(3);
    expect(t.write("0/state", "off")).toBe(-EPERM);
    expect(t.write("0/state", "on")).toBe(2);
  });

  it("unknown keywords, and keywords of later kernels, are EINVAL", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "on")).toBe(2);
    expect(t.write("0/state", "On")).toBe(-EINVAL);
    expect(t.write("0/state", "o")).toBe(-EINVAL);
    expect(t.write("0/state", "on\n\n")).toBe(-EINVAL);
    expect(t.write("0/state", "update_tuned_intervals")).toBe(-EINVAL);
    const keywords: Array<[string, SysfsVersion]> = [
      ["commit", "5.19"], ["update_schemes_tried_regions", "6.2"], ["clear_schemes_tried_regions", "6.2"],
      ["update_schemes_tried_bytes", "6.6"], ["commit_schemes_quota_goals", "6.8"], ["update_schemes_effective_quotas", "6.9"],
    ];
    for (const [keyword, from] of keywords) {
      expect([keyword, t.write("0/state", keyword)]).toEqual([keyword, atLeast(version, from) ? keyword.length : -EINVAL]);
    }
    expect(t.read("0/state")).toBe("on\n");
  });

  it("a target that exits stops the kdamond; off is then EPERM", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(100_000);
    t.sim.machine.exit(t.pid);
    t.sim.runFor(100_000);
    expect(t.read("0/state")).toBe("off\n");
    expect(t.read("0/pid")).toBe("-1\n");
    expect(t.write("0/state", "off")).toBe(-EPERM);
  });
});

describe.each(SYSFS_VERSIONS)("what 'on' checks, in order (%s)", (version) => {
  /** Turns on after `prepare`, and checks that a failure leaves no context behind. */
  async function on(prepare: (t: Awaited<ReturnType<typeof staged>>) => void) {
    const t = await staged(version);
    prepare(t);
    const r = t.write("0/state", "on");
    if (r < 0) {
      expect(t.read("0/state")).toBe("off\n");
      expect(t.write("0/state", "off")).toBe(-EINVAL);
    }
    return r;
  }
  const I = "0/contexts/0/monitoring_attrs";

  it.each([
    ["no context", [["0/contexts/nr_contexts", "0"]], -EINVAL],
    ["min_nr_regions < 3", [[`${I}/nr_regions/min`, "2"]], -EINVAL],
    ["min > max", [[`${I}/nr_regions/min`, "20"], [`${I}/nr_regions/max`, "19"]], -EINVAL],
    ["min = max = 3", [[`${I}/nr_regions/min`, "3"], [`${I}/nr_regions/max`, "3"]], 2],
    ["a pid that does not exist", [["0/contexts/0/targets/0/pid_target", "99999"]], -EINVAL],
    ["pid 0", [["0/contexts/0/targets/0/pid_target", "0"]], -EINVAL],
    ["no target", [["0/contexts/0/targets/nr_targets", "0"]], 2],
    ["region start > end", [["0/contexts/0/targets/0/regions/nr_regions", "1"], ["0/contexts/0/targets/0/regions/0/start", "8192"]], -EINVAL],
    ["regions out of order", [
      ["0/contexts/0/targets/0/regions/nr_regions", "2"],
      ["0/contexts/0/targets/0/regions/0/start", "4096"], ["0/contexts/0/targets/0/regions/0/end", "16384"],
      ["0/contexts/0/targets/0/regions/1/start", "8192"], ["0/contexts/0/targets/0/regions/1/end", "32768"],
    ], -EINVAL],
  ] as Array<[string, Array<[string, string]>, number]>)("%s → %i", async (_, writes, result) => {
    expect(await on((t) => t.setup(...writes))).toBe(result);
  });

  it("sample > aggr is EINVAL from 6.7", async () => {
    const r = await on((t) => t.setup([`${I}/intervals/sample_us`, "200000"]));
    expect(r).toBe(atLeast(version, "6.7") ? -EINVAL : 2);
  });

  it("two paddr targets are EINVAL from 5.19", async () => {
    const r = await on((t) => t.setup(["0/contexts/0/operations", "paddr"], ["0/contexts/0/targets/nr_targets", "2"]));
    expect(r).toBe(atLeast(version, "5.19") ? -EINVAL : 2);
  });

  it.each(since("6.3").includes(version) ? [version] : [])("%s: a filter that cannot be made fails the scheme as ENOMEM", async () => {
    const F = "0/contexts/0/schemes/0/filters/0";
    const memcg = (path: string) => on((t) => t.setup(["0/contexts/0/schemes/nr_schemes", "1"],
      [`${F}/nr_filters`.replace("/0/nr_filters", "/nr_filters"), "1"], [`${F}/type`, "memcg"], [`${F}/memcg_path`, path]));
    expect(await memcg("/nonexistent")).toBe(-ENOMEM);
    expect(await memcg("/\n")).toBe(2);
    if (atLeast(version, "6.6")) {
      const r = await on((t) => t.setup(["0/contexts/0/schemes/nr_schemes", "1"], ["0/contexts/0/schemes/0/filters/nr_filters", "1"],
        [`${F}/type`, "addr"], [`${F}/addr_start`, "8192"], [`${F}/addr_end`, "4096"]));
      expect(r).toBe(-ENOMEM);
    }
  });

  it("a kdamond started through debugfs (exclusive) makes 'on' EBUSY", async () => {
    const t = await staged(version);
    const debugfs = "/sys/kernel/debug/damon";
    expect(t.write(`${debugfs}/target_ids`, `${t.spawn()}`)).toBeGreaterThan(0);
    expect(t.write(`${debugfs}/${t.kernel.damon.behaviour.monitorOn}`, "on")).toBe(2);
    expect(t.write("0/state", "on")).toBe(-EBUSY);
  });
});

describe("kdamonds side by side", () => {
  it("two kdamonds run at once, named after the running count", async () => {
    const t = await staged("6.8");
    const other = t.spawn("other");
    t.setup(["nr_kdamonds", "2"], ["0/contexts/nr_contexts", "1"], ["0/contexts/0/targets/nr_targets", "1"],
      ["0/contexts/0/targets/0/pid_target", `${t.pid}`], ["1/contexts/nr_contexts", "1"],
      ["1/contexts/0/targets/nr_targets", "1"], ["1/contexts/0/targets/0/pid_target", `${other}`]);
    expect(t.write("0/state", "on")).toBe(2);
    expect(t.write("1/state", "on")).toBe(2);
    const comms = ["0/pid", "1/pid"].map((f) => t.sim.machine.task(Number(t.read(f)))?.comm);
    expect(comms).toEqual(["kdamond.0", "kdamond.1"]);
    expect(t.sim.nrRunning).toBe(2);
    // debugfs's monitor_on is exclusive: EBUSY while any kdamond runs.
    expect(t.write("/sys/kernel/debug/damon/target_ids", `${other}`)).toBeGreaterThan(0);
    expect(t.write(`/sys/kernel/debug/damon/${t.kernel.damon.behaviour.monitorOn}`, "on")).toBe(-EBUSY);
  });
});

describe.each(SYSFS_VERSIONS)("update_schemes_stats (%s)", (version) => {
  it("copies each scheme's statistics into stats/", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    everyRegion(t, 0);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(1_000_000);
    expect(t.read(`${t.C}/schemes/0/stats/nr_tried`)).toBe("0\n");
    const st = t.sysfs.kdamonds.items[0].damonCtx!.schemes[0].stats;
    // The copy is made from the kdamond's next callback: its next aggregation before 6.9,
    // its next sample from 6.9 (5.18 copies at once); the values are those of that moment.
    const ctx = t.sysfs.kdamonds.items[0].damonCtx!;
    let seen: typeof st | null = null;
    const first = () => void (seen ??= { ...st });
    const off = [atLeast(version, "6.9") ? ctx.onAfterSampling(first) : ctx.onAfterAggregation(first)];
    const before = t.sim.now;
    expect(t.write("0/state", "update_schemes_stats")).toBe(20);
    off.forEach((f) => f());
    const waited = t.sim.now - before;
    if (!atLeast(version, "5.19")) expect(waited).toBe(0);
    else if (atLeast(version, "6.9")) expect(waited).toBeLessThanOrEqual(5000);
    else expect(waited).toBeGreaterThan(5000);
    const copy = atLeast(version, "5.19") ? seen! : { ...st };
    expect(copy.nrTried).toBeGreaterThan(0);
    expect(t.read(`${t.C}/schemes/0/stats/nr_tried`)).toBe(`${copy.nrTried}\n`);
    expect(t.read(`${t.C}/schemes/0/stats/sz_tried`)).toBe(`${copy.szTried}\n`);
    expect(t.read(`${t.C}/schemes/0/stats/nr_applied`)).toBe(`${copy.nrApplied}\n`);
    expect(t.read(`${t.C}/schemes/0/stats/qt_exceeds`)).toBe(`${copy.qtExceeds}\n`);
    const copied = copy.nrTried;
    t.sim.runFor(300_000);
    expect(st.nrTried).toBeGreaterThan(copied);
    expect(t.write("0/state", "off")).toBe(3);
    // From 5.19 the command goes to the running kdamond; 5.18 reads the stopped context.
    expect(t.write("0/state", "update_schemes_stats")).toBe(atLeast(version, "5.19") ? -EINVAL : 20);
    const after = t.read(`${t.C}/schemes/0/stats/nr_tried`);
    expect(after).toBe(`${atLeast(version, "5.19") ? copied : st.nrTried}\n`);
  });

  it("before any 'on' it is EINVAL", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "update_schemes_stats")).toBe(-EINVAL);
  });
});

describe.each(since("6.2"))("tried regions (%s)", (version) => {
  it("update_schemes_tried_regions fills tried_regions/ from the next application; clear empties it", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "2"]);
    everyRegion(t, 0);
    everyRegion(t, 1);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(1_000_000);
    const before = t.sim.now;
    expect(t.write("0/state", "update_schemes_tried_regions")).toBe(28);
    // The writer waited for the schemes' next application and the callback after it: the
    // sample after from 6.9, the aggregation after before.
    expect(t.sim.now).toBeGreaterThan(before);
    expect(t.sim.now).toBeLessThanOrEqual(before + (atLeast(version, "6.9") ? 105_000 : 200_000));
    const T0 = `${t.C}/schemes/0/tried_regions`;
    const names0 = t.ls(T0).filter((n) => n !== "total_bytes");
    const names1 = t.ls(`${t.C}/schemes/1/tried_regions`).filter((n) => n !== "total_bytes");
    expect(names0.length).toBeGreaterThanOrEqual(10);
    // Directory names count on in the order the kdamond tries regions: region by region,
    // scheme by scheme.
    expect(names0).toEqual(names0.map((_, i) => String(2 * i)));
    expect(names1).toEqual(names0.map((_, i) => String(2 * i + 1)));
    let total = 0n;
    let prevEnd = 0n;
    for (const n of names0) {
      const start = BigInt((t.read(`${T0}/${n}/start`) as string).trim());
      const end = BigInt((t.read(`${T0}/${n}/end`) as string).trim());
      expect(start).toBeGreaterThanOrEqual(prevEnd);
      expect(end).toBeGreaterThan(start);
      expect(t.read(`${T0}/${n}/nr_accesses`)).toMatch(/^\d+\n$/);
      expect(t.read(`${T0}/${n}/age`)).toMatch(/^\d+\n$/);
      total += end - start;
      prevEnd = end;
    }
    if (atLeast(version, "6.6")) expect(t.read(`${T0}/total_bytes`)).toBe(`${total}\n`);
    expect(t.write("0/state", "clear_schemes_tried_regions")).toBe(27);
    expect(t.ls(T0)).toEqual(atLeast(version, "6.6") ? ["total_bytes"] : []);
    if (atLeast(version, "6.6")) {
      expect(t.read(`${T0}/total_bytes`)).toBe("0\n");
      expect(t.write("0/state", "update_schemes_tried_bytes")).toBe(26);
      expect(t.ls(T0)).toEqual(["total_bytes"]);
      expect(Number((t.read(`${T0}/total_bytes`) as string).trim())).toBeGreaterThan(0);
    }
    expect(t.write("0/state", "off")).toBe(3);
    expect(t.write("0/state", "update_schemes_tried_regions")).toBe(-EINVAL);
  });

  it("a size quota limits the tried regions to what the scheme may act on", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    everyRegion(t, 0, "pageout");
    t.setup([`${t.C}/schemes/0/quotas/bytes`, "65536"], [`${t.C}/schemes/0/quotas/reset_interval_ms`, "100000"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(50_000);
    expect(t.write("0/state", "update_schemes_tried_regions")).toBe(28);
    const T0 = `${t.C}/schemes/0/tried_regions`;
    const names = t.ls(T0).filter((n) => n !== "total_bytes");
    expect(names.length).toBeGreaterThan(0);
    let total = 0n;
    for (const n of names) total += BigInt((t.read(`${T0}/${n}/end`) as string).trim()) - BigInt((t.read(`${T0}/${n}/start`) as string).trim());
    expect(total).toBe(65536n);
  });

  it("a scheme whose pattern nothing matches gets no region", async () => {
    const t = await staged(version);
    // A long watermark check interval (metric none: always active) lengthens only the sim's give-up.
    t.setup([`${t.C}/schemes/nr_schemes`, "1"], [`${t.C}/schemes/0/watermarks/interval_us`, "1000000"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(300_000);
    const before = t.sim.now;
    expect(t.write("0/state", "update_schemes_tried_regions")).toBe(28);
    // Before 6.7 the request callback after the start ends it (one aggregation later); from
    // 6.7 the scheme times out two aggregation intervals after the start, and the callback
    // after that ends it (every sample's from 6.9).
    expect(t.sim.now - before).toBe(atLeast(version, "6.9") ? 210_000 : atLeast(version, "6.7") ? 400_000 : 200_000);
    expect(t.ls(`${t.C}/schemes/0/tried_regions`)).toEqual(atLeast(version, "6.6") ? ["total_bytes"] : []);
    expect(t.read("0/state")).toBe("on\n");
  });
});

describe.each(since("5.19"))("commit (%s)", (version) => {
  it("applies the staged files to the running kdamond at its next aggregation", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    everyRegion(t, 0);
    expect(t.write("0/state", "on")).toBe(2);
    const pid = t.read("0/pid");
    t.sim.runFor(1_000_000);
    const ctx = t.sysfs.kdamonds.items[0].damonCtx!;
    const tried = ctx.schemes[0].stats.nrTried;
    t.setup([`${t.C}/monitoring_attrs/intervals/aggr_us`, "200000"], [`${t.C}/monitoring_attrs/nr_regions/max`, "500"],
      [`${t.C}/schemes/0/action`, "pageout"]);
    expect(ctx.attrs.aggrUs).toBe(100_000);
    expect(t.write("0/state", "commit")).toBe(6);
    expect(ctx.attrs.aggrUs).toBe(200_000);
    expect(ctx.attrs.maxNrRegions).toBe(500);
    expect(ctx.schemes[0].action).toBe("pageout");
    // Same kdamond, same targets, statistics kept.
    expect(t.read("0/pid")).toBe(pid);
    expect(ctx.targets.map((x) => x.id)).toEqual([t.pid]);
    expect(ctx.schemes[0].stats.nrTried).toBeGreaterThanOrEqual(tried);
    expect(ctx.regions.count).toBeGreaterThan(0);
  });

  it("from 6.3 a new aggregation interval rescales the regions' ages", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(3_000_000);
    const ctx = t.sysfs.kdamonds.items[0].damonCtx!;
    let before = 0;
    const off = ctx.onAfterAggregation(() => {
      before = Math.max(...ctx.regionsOf(0).map((r) => r.age));
      off();
    });
    t.setup([`${t.C}/monitoring_attrs/intervals/aggr_us`, "200000"]);
    expect(t.write("0/state", "commit")).toBe(6);
    const after = Math.max(...ctx.regionsOf(0).map((r) => r.age));
    expect(before).toBeGreaterThan(10);
    expect(after).toBe(atLeast(version, "6.3") ? Math.floor(before / 2) : before);
  });

  it("new target pids replace the targets", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(500_000);
    const other = t.spawn("other");
    t.setup([`${t.C}/targets/0/pid_target`, `${other}`]);
    expect(t.write("0/state", "commit")).toBe(6);
    const ctx = t.sysfs.kdamonds.items[0].damonCtx!;
    expect(ctx.targets.map((x) => x.id)).toEqual([other]);
    expect(ctx.regions.countOf(0)).toBeGreaterThan(0);
    expect(t.read("0/state")).toBe("on\n");
  });

  it("invalid input is not refused: the write succeeds and the kdamond stops", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(300_000);
    t.setup([`${t.C}/monitoring_attrs/nr_regions/min`, "1"]);
    expect(t.write("0/state", "commit")).toBe(6);
    expect(t.read("0/state")).toBe("off\n");
    expect(t.write("0/state", "commit")).toBe(-EINVAL);
  });
});

describe.each(since("5.19"))("commit with an invalid pid or region for a running target (%s)", (version) => {
  it("stops the kdamond from 6.7; before, that target keeps its pid and regions", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(500_000);
    const ctx = t.sysfs.kdamonds.items[0].damonCtx!;
    const regions = ctx.regionsOf(0).map((r) => [r.start, r.end]);
    t.setup([`${t.C}/targets/0/pid_target`, "99999"], [`${t.C}/monitoring_attrs/nr_regions/max`, "500"]);
    expect(t.write("0/state", "commit")).toBe(6);
    if (atLeast(version, "6.7")) {
      expect(t.read("0/state")).toBe("off\n");
      return;
    }
    expect(t.read("0/state")).toBe("on\n");
    expect(ctx.targets.map((x) => x.id)).toEqual([t.pid]);
    expect(ctx.attrs.maxNrRegions).toBe(500);
    // Overlapping regions: the target's regions are kept as they are.
    const R = `${t.C}/targets/0/regions`;
    const base = regions[0][0];
    t.setup([`${t.C}/targets/0/pid_target`, `${t.pid}`], [`${R}/nr_regions`, "2"], [`${R}/0/start`, `${base}`],
      [`${R}/0/end`, `${base + 8192}`], [`${R}/1/start`, `${base + 4096}`], [`${R}/1/end`, `${base + 16384}`]);
    const span = () => {
      const r = ctx.regionsOf(0);
      return [r[0].start, r[r.length - 1].end];
    };
    const before = span();
    expect(before).toEqual([regions[0][0], regions[regions.length - 1][1]]);
    expect(t.write("0/state", "commit")).toBe(6);
    expect(t.read("0/state")).toBe("on\n");
    expect(span()).toEqual(before);
  });

  it("a new target with an invalid pid stops the kdamond in every version", async () => {
    const t = await staged(version);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(300_000);
    t.setup([`${t.C}/targets/nr_targets`, "2"], [`${t.C}/targets/0/pid_target`, `${t.pid}`], [`${t.C}/targets/1/pid_target`, "99999"]);
    expect(t.write("0/state", "commit")).toBe(6);
    expect(t.read("0/state")).toBe("off\n");
  });
});

describe.each(since("6.9"))("update_schemes_effective_quotas (%s)", (version) => {
  it("copies each scheme's effective size quota", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    everyRegion(t, 0, "pageout");
    t.setup([`${t.C}/schemes/0/quotas/bytes`, "1048576"], [`${t.C}/schemes/0/quotas/reset_interval_ms`, "1000"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(500_000);
    expect(t.read(`${t.C}/schemes/0/quotas/effective_bytes`)).toBe("0\n");
    expect(t.write("0/state", "update_schemes_effective_quotas")).toBe(31);
    expect(t.read(`${t.C}/schemes/0/quotas/effective_bytes`)).toBe("1048576\n");
  });
});

describe("tracepoint", () => {
  it("a kdamond started through sysfs emits damon_aggregated into tracing/trace_pipe", async () => {
    const t = await staged("6.8");
    const T = "/sys/kernel/debug/tracing";
    expect(t.write(`${T}/events/damon/damon_aggregated/enable`, "1")).toBe(1);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(300_000);
    const lines = (t.read(`${T}/trace_pipe`) as string).trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines[0]).toMatch(/kdamond\.0-\d+ .* damon_aggregated: target_id=0 nr_regions=\d+ \d+-\d+: \d+ \d+$/);
  });
});

describe.each(since("6.6"))("core filters (%s)", (version) => {
  it("an addr filter keeps the scheme off the range; a target filter off the target", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    everyRegion(t, 0);
    const F = `${t.C}/schemes/0/filters`;
    t.setup([`${F}/nr_filters`, "1"], [`${F}/0/type`, "addr"], [`${F}/0/matching`, "Y"],
      [`${F}/0/addr_start`, "0"], [`${F}/0/addr_end`, "18446744073709551615"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(1_000_000);
    expect(t.write("0/state", "update_schemes_stats")).toBe(20);
    // Everything is inside the filtered range: nothing is tried.
    expect(t.read(`${t.C}/schemes/0/stats/nr_tried`)).toBe("0\n");
    t.setup([`${F}/0/type`, "target"], [`${F}/0/damon_target_idx`, "1"]);
    expect(t.write("0/state", "commit")).toBe(6);
    t.sim.runFor(500_000);
    expect(t.write("0/state", "update_schemes_stats")).toBe(20);
    // Target 1 does not exist: every region of target 0 is tried.
    expect(Number((t.read(`${t.C}/schemes/0/stats/nr_tried`) as string).trim())).toBeGreaterThan(0);
  });
});

describe.each(since("5.19"))("fvaddr (%s)", (version) => {
  it("monitors only the regions given, never fitted to the layout", async () => {
    const run = async (ops: string) => {
      const t = await staged(version);
      const task = t.sim.machine.task(t.pid)!;
      const base = task.mm!.vmas[0].start;
      const R = `${t.C}/targets/0/regions`;
      t.setup([`${t.C}/operations`, ops], [`${t.C}/monitoring_attrs/intervals/update_us`, "100000"], [`${R}/nr_regions`, "1"],
        [`${R}/0/start`, `${base}`], [`${R}/0/end`, `${base + 16 * 4096}`]);
      expect(t.write("0/state", "on")).toBe(2);
      t.sim.runFor(1_000_000);
      const regions = t.sysfs.kdamonds.items[0].damonCtx!.regionsOf(0);
      return { first: regions[0].start - base, last: regions[regions.length - 1].end - base };
    };
    expect(await run("fvaddr")).toEqual({ first: 0, last: 16 * 4096 });
    const vaddr = await run("vaddr");
    expect(vaddr.last).toBeGreaterThan(16 * 4096);
  });

  it("a commit switching between fvaddr and vaddr switches the layout updates too", async () => {
    const t = await staged(version);
    const base = t.sim.machine.task(t.pid)!.mm!.vmas[0].start;
    const R = `${t.C}/targets/0/regions`;
    t.setup([`${t.C}/operations`, "fvaddr"], [`${t.C}/monitoring_attrs/intervals/update_us`, "100000"], [`${R}/nr_regions`, "1"],
      [`${R}/0/start`, `${base}`], [`${R}/0/end`, `${base + 16 * 4096}`]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(500_000);
    const ctx = t.sysfs.kdamonds.items[0].damonCtx!;
    const span = () => {
      const r = ctx.regionsOf(0);
      return [r[0].start - base, r[r.length - 1].end - base];
    };
    expect(span()).toEqual([0, 16 * 4096]);
    t.setup([`${t.C}/operations`, "vaddr"], [`${R}/nr_regions`, "0"]);
    expect(t.write("0/state", "commit")).toBe(6);
    t.sim.runFor(500_000);
    // ops.update is back: the regions are fitted to the mappings.
    expect(span()[1]).toBeGreaterThan(16 * 4096);
    t.setup([`${t.C}/operations`, "fvaddr"], [`${R}/nr_regions`, "1"], [`${R}/0/start`, `${base}`], [`${R}/0/end`, `${base + 16 * 4096}`]);
    expect(t.write("0/state", "commit")).toBe(6);
    t.sim.runFor(500_000);
    expect(span()).toEqual([0, 16 * 4096]);
    expect(t.read("0/state")).toBe("on\n");
  });
});

describe.each(since("6.7"))("apply_interval_us (%s)", (version) => {
  it("a scheme with a shorter apply interval is applied between aggregations too", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "2"]);
    everyRegion(t, 0);
    everyRegion(t, 1);
    t.setup([`${t.C}/schemes/1/apply_interval_us`, "25000"]);
    expect(t.write("0/state", "on")).toBe(2);
    const ctx = t.sysfs.kdamonds.items[0].damonCtx!;
    // The virtual times at which each scheme was applied.
    const times = [new Set<number>(), new Set<number>()];
    ctx.onBeforeDamosApply((_t, _s, _e, scheme) => times[ctx.schemes.indexOf(scheme)].add(t.sim.now));
    t.sim.runFor(2_000_000);
    expect(times[0].size).toBe(20); // every 100 ms aggregation
    expect(times[1].size).toBe(80); // every 25 ms
    for (const at of times[0]) expect(times[1].has(at)).toBe(true);
  });
});

describe.each(since("6.7"))("tried regions with a long apply interval (%s)", (version) => {
  it("the update waits up to two apply intervals for the scheme's next application", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    everyRegion(t, 0);
    t.setup([`${t.C}/schemes/0/apply_interval_us`, "1000000"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(50_000);
    const before = t.sim.now;
    expect(t.write("0/state", "update_schemes_tried_regions")).toBe(28);
    const names = t.ls(`${t.C}/schemes/0/tried_regions`).filter((n) => n !== "total_bytes");
    expect(names.length).toBeGreaterThan(0);
    // Applied at 1 s; the update ends at the aggregation after.
    expect(t.sim.now - before).toBeGreaterThan(900_000);
    expect(t.sim.now - before).toBeLessThanOrEqual(1_100_000);
  });

  it("a scheme that tries nothing is given up after two of its apply intervals", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"], [`${t.C}/schemes/0/apply_interval_us`, "300000"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(50_000);
    const before = t.sim.now;
    expect(t.write("0/state", "update_schemes_tried_regions")).toBe(28);
    expect(t.ls(`${t.C}/schemes/0/tried_regions`)).toEqual(["total_bytes"]);
    // Started at the next aggregation, timed out 600 ms later, ended at the aggregation after.
    expect(t.sim.now - before).toBeGreaterThan(600_000);
    expect(t.sim.now - before).toBeLessThanOrEqual(800_000);
    expect(t.read("0/state")).toBe("on\n");
  });
});

describe.each(since("6.8"))("quota goals (%s)", (version) => {
  it("the effective size quota grows while under the goal, drops to the minimum over it", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    everyRegion(t, 0, "pageout");
    const Q = `${t.C}/schemes/0/quotas`;
    t.setup([`${Q}/reset_interval_ms`, "100"], [`${Q}/goals/nr_goals`, "1"], [`${Q}/goals/0/target_value`, "10000"],
      [`${Q}/goals/0/current_value`, "5000"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(1_000_000);
    const damos = t.sysfs.kdamonds.items[0].damonCtx!.schemes[0];
    // esz_bp starts at 10000 and gains half of itself each charge window: 1, 2, 3, 5, 7 ... bytes.
    expect(damos.esz).toBeGreaterThan(20);
    t.setup([`${Q}/goals/0/current_value`, "20000"]);
    expect(t.write("0/state", "commit_schemes_quota_goals")).toBe(26);
    expect(damos.goals).toEqual([{ metric: "user_input", targetValue: 10000, currentValue: 20000 }]);
    t.sim.runFor(200_000);
    expect(damos.esz).toBe(1);
    if (atLeast(version, "6.9")) {
      expect(t.write("0/state", "update_schemes_effective_quotas")).toBe(31);
      expect(t.read(`${Q}/effective_bytes`)).toBe("1\n");
    }
  });
});

describe.each(since("5.19"))("a kdamond deactivated by watermarks (%s)", (version) => {
  it("still answers update_schemes_stats; commit only before 6.9", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    everyRegion(t, 0);
    // free_mem_rate is far above 'high': the scheme, and so the kdamond, stays deactivated.
    const W = `${t.C}/schemes/0/watermarks`;
    t.setup([`${W}/metric`, "free_mem_rate"], [`${W}/interval_us`, "100000"], [`${W}/high`, "10"], [`${W}/mid`, "5"], [`${W}/low`, "1"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(1_000_000);
    expect(t.write("0/state", "update_schemes_stats")).toBe(20);
    expect(t.read(`${t.C}/schemes/0/stats/nr_tried`)).toBe("0\n");
    t.setup([`${t.C}/monitoring_attrs/intervals/aggr_us`, "200000"]);
    expect(t.write("0/state", "commit")).toBe(6);
    const aggr = t.sysfs.kdamonds.items[0].damonCtx!.attrs.aggrUs;
    expect(aggr).toBe(atLeast(version, "6.9") ? 100_000 : 200_000);
    expect(t.read("0/state")).toBe("on\n");
  });
});

describe.each(since("6.8"))("a kdamond deactivated by watermarks, quota goals (%s)", (version) => {
  it("commit_schemes_quota_goals is handled while deactivated (after_wmarks_check)", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    const W = `${t.C}/schemes/0/watermarks`;
    t.setup([`${W}/metric`, "free_mem_rate"], [`${W}/interval_us`, "100000"], [`${W}/high`, "1"], [`${W}/mid`, "0"], [`${W}/low`, "0"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(1_000_000);
    const damos = t.sysfs.kdamonds.items[0].damonCtx!.schemes[0];
    expect(damos.activated).toBe(false);
    const G = `${t.C}/schemes/0/quotas/goals`;
    t.setup([`${G}/nr_goals`, "1"], [`${G}/0/target_value`, "100"], [`${G}/0/current_value`, "50"]);
    expect(t.write("0/state", "commit_schemes_quota_goals")).toBe(26);
    expect(damos.goals).toEqual([{ metric: "user_input", targetValue: 100, currentValue: 50 }]);
  });
});

describe.each(since("6.9"))("a kdamond deactivated by watermarks, commit (%s)", (version) => {
  it("a commit waits for the kdamond to reactivate, then applies the files as they are then", async () => {
    const t = await staged(version);
    t.setup([`${t.C}/schemes/nr_schemes`, "1"]);
    // Free memory is 994 per mille, above 'high'; below 'mid' activates.
    const W = `${t.C}/schemes/0/watermarks`;
    t.setup([`${W}/metric`, "free_mem_rate"], [`${W}/interval_us`, "100000"], [`${W}/high`, "993"], [`${W}/mid`, "992"], [`${W}/low`, "0"]);
    expect(t.write("0/state", "on")).toBe(2);
    t.sim.runFor(1_000_000);
    const ctx = t.sysfs.kdamonds.items[0].damonCtx!;
    expect(ctx.schemes[0].activated).toBe(false);
    t.setup([`${t.C}/monitoring_attrs/intervals/aggr_us`, "200000"]);
    expect(t.write("0/state", "commit")).toBe(6);
    expect(ctx.attrs.aggrUs).toBe(100_000);
    t.setup([`${t.C}/monitoring_attrs/nr_regions/max`, "500"]);
    t.sim.runFor(1_000_000);
    expect(ctx.attrs.aggrUs).toBe(100_000);
    // Another process makes 256 MiB resident: free memory drops below 'mid' (979 per mille).
    const mm = t.sim.machine.spawn("hog").mm!;
    const at = mm.mmap(256 << 20);
    mm.space.touchRange(at, at + (256 << 20));
    expect(Math.floor((t.sim.machine.freeBytes * 1000) / t.sim.machine.ramBytes)).toBeLessThan(992);
    t.sim.runFor(1_000_000);
    expect(ctx.schemes[0].activated).toBe(true);
    expect(ctx.attrs.aggrUs).toBe(200_000);
    expect(ctx.attrs.maxNrRegions).toBe(500);
    expect(t.read("0/state")).toBe("on\n");
  });
});
