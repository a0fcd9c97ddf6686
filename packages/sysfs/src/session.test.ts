// What damo (v3.3.0, src/_damon_sysfs.py) does over sysfs for `damo start <pid>`, `damo tune`,
// `damo report damon` and `damo stop`, in the order it does it: its feature check reads the
// whole tree and stages a probe kdamond, then restores; start stages and writes 'on', then
// polls 'state'; tune stages again and writes 'commit'; stop writes 'off' and polls.
import { describe, expect, it } from "vitest";
import { boot, K } from "./test-support.js";
import { SYSFS_VERSIONS } from "./versions.js";

const ULONG_MAX = "18446744073709551615";

/** damo's file I/O: every write must succeed in full, every read is text. */
function client(t: Awaited<ReturnType<typeof boot>>) {
  const log: string[] = [];
  const write = (path: string, value: string) => {
    log.push(`write ${path} ${value}`);
    const n = t.write(path, value);
    if (n !== value.length) throw new Error(`writing ${value} to ${path} failed (${n})`);
  };
  const read = (path: string): string => {
    const text = t.read(path);
    if (typeof text === "number") throw new Error(`reading ${path} failed (${text})`);
    return text;
  };
  const exists = (path: string) => typeof t.vfs.stat(`${K}/${path}`) !== "number";
  /** _damo_fs.read_files: the whole tree, as nested objects. */
  const readFiles = (dir: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const name of t.ls(dir)) {
      const path = dir ? `${dir}/${name}` : name;
      out[name] = (t.vfs.stat(`${K}/${path}`) as { kind: string }).kind === "dir" ? readFiles(path) : read(path);
    }
    return out;
  };
  /** ensure_nr_file_for: writes the number only if it differs. */
  const ensureNr = (path: string, nr: number) => {
    if (Number.parseInt(read(path), 10) !== nr) write(path, `${nr}`);
  };
  return { log, write, read, exists, readFiles, ensureNr };
}

interface Params {
  pid: number | null;
  intervals: [number, number, number];
  nrRegions: [number, number];
  schemes: Array<{ action: string; goals: number }>;
}

/** stage_kdamonds for one kdamond with one context, in damo's write order. */
function stage(c: ReturnType<typeof client>, p: Params) {
  c.ensureNr("nr_kdamonds", 1);
  c.ensureNr("0/contexts/nr_contexts", 1);
  const C = "0/contexts/0";
  c.write(`${C}/operations`, "vaddr");
  const [s, a, u] = p.intervals;
  c.write(`${C}/monitoring_attrs/intervals/sample_us`, `${s}`);
  c.write(`${C}/monitoring_attrs/intervals/aggr_us`, `${a}`);
  c.write(`${C}/monitoring_attrs/intervals/update_us`, `${u}`);
  c.write(`${C}/monitoring_attrs/nr_regions/min`, `${p.nrRegions[0]}`);
  c.write(`${C}/monitoring_attrs/nr_regions/max`, `${p.nrRegions[1]}`);
  c.ensureNr(`${C}/targets/nr_targets`, 1);
  if (p.pid !== null) c.write(`${C}/targets/0/pid_target`, `${p.pid}`);
  c.ensureNr(`${C}/targets/0/regions/nr_regions`, 0);
  c.ensureNr(`${C}/schemes/nr_schemes`, p.schemes.length);
  p.schemes.forEach((scheme, i) => {
    const S = `${C}/schemes/${i}`;
    for (const [f, v] of [["sz/min", "0"], ["sz/max", ULONG_MAX], ["nr_accesses/min", "0"],
      ["nr_accesses/max", `${Math.floor(a / s)}`], ["age/min", "0"], ["age/max", ULONG_MAX]]) {
      c.write(`${S}/access_pattern/${f}`, v);
    }
    c.write(`${S}/action`, scheme.action);
    c.write(`${S}/quotas/ms`, "0");
    c.write(`${S}/quotas/bytes`, "0");
    c.write(`${S}/quotas/reset_interval_ms`, ULONG_MAX);
    for (const w of ["sz_permil", "nr_accesses_permil", "age_permil"]) c.write(`${S}/quotas/weights/${w}`, "0");
    if (c.exists(`${S}/quotas/goals`)) {
      c.ensureNr(`${S}/quotas/goals/nr_goals`, scheme.goals);
      for (let g = 0; g < scheme.goals; g++) {
        if (c.exists(`${S}/quotas/goals/${g}/target_metric`)) c.write(`${S}/quotas/goals/${g}/target_metric`, "user_input");
        c.write(`${S}/quotas/goals/${g}/target_value`, "0");
        c.write(`${S}/quotas/goals/${g}/current_value`, "0");
      }
    } else if (scheme.goals) {
      throw new Error("the kernel is not supporting schemes quota goals");
    }
    c.write(`${S}/watermarks/metric`, "none");
    for (const w of ["interval_us", "high", "mid", "low"]) c.write(`${S}/watermarks/${w}`, "0");
    if (c.exists(`${S}/filters`)) c.ensureNr(`${S}/filters/nr_filters`, 0);
    if (c.exists(`${S}/apply_interval_us`)) c.write(`${S}/apply_interval_us`, "0");
  });
}

/** files_content_to_kdamonds, reduced to what the assertions look at. */
function parse(files: Record<string, unknown>) {
  const nr = Number.parseInt(files.nr_kdamonds as string, 10);
  return Array.from({ length: nr }, (_, k) => {
    const kd = files[`${k}`] as Record<string, any>;
    const ctx = kd.contexts["0"];
    return {
      state: (kd.state as string).trim(),
      pid: Number.parseInt(kd.pid, 10),
      ops: ctx.operations.trim(),
      aggr: Number.parseInt(ctx.monitoring_attrs.intervals.aggr_us, 10),
      targets: Array.from({ length: Number.parseInt(ctx.targets.nr_targets, 10) }, (_, i) => Number.parseInt(ctx.targets[`${i}`].pid_target, 10)),
      schemes: Array.from({ length: Number.parseInt(ctx.schemes.nr_schemes, 10) }, (_, i) => {
        const s = ctx.schemes[`${i}`];
        const tried = s.tried_regions ? Object.keys(s.tried_regions).filter((n) => /^\d+$/.test(n)).length : null;
        return { action: s.action.trim(), nrTried: Number.parseInt(s.stats.nr_tried, 10), tried };
      }),
    };
  });
}

describe.each(SYSFS_VERSIONS)("damo's sysfs session (%s)", (version) => {
  it("feature check, start, status, tune, stop", async () => {
    const t = await boot(version);
    const c = client(t);
    const workload = t.spawn("masim");

    // Feature check: read everything (nothing yet), stage a probe, look at files, restore.
    expect(parse(c.readFiles(""))).toEqual([]);
    stage(c, { pid: null, intervals: [5000, 100000, 1000000], nrRegions: [10, 1000], schemes: [{ action: "stat", goals: 0 }] });
    const S = "0/contexts/0/schemes/0";
    const features = {
      triedRegions: c.exists(`${S}/tried_regions`),
      triedBytes: c.exists(`${S}/tried_regions/total_bytes`),
      filters: c.exists(`${S}/filters`),
      applyInterval: c.exists(`${S}/apply_interval_us`),
      goals: c.exists(`${S}/quotas/goals`),
      effectiveBytes: c.exists(`${S}/quotas/effective_bytes`),
      availOps: c.exists("0/contexts/0/avail_operations"),
    };
    const v = (x: string) => SYSFS_VERSIONS.indexOf(version) >= SYSFS_VERSIONS.indexOf(x as never);
    expect(features).toEqual({
      triedRegions: v("6.2"), triedBytes: v("6.6"), filters: v("6.3"), applyInterval: v("6.7"),
      goals: v("6.8"), effectiveBytes: v("6.9"), availOps: v("5.19"),
    });
    if (features.filters) {
      // The 'young' filter type arrived in 6.10: staging it fails, and damo notes it unsupported.
      c.ensureNr(`${S}/filters/nr_filters`, 1);
      expect(t.write(`${S}/filters/0/type`, "young")).toBeLessThan(0);
    }
    if (features.goals) stage(c, { pid: null, intervals: [5000, 100000, 1000000], nrRegions: [10, 1000], schemes: [{ action: "stat", goals: 1 }] });
    if (features.availOps) expect(c.read("0/contexts/0/avail_operations").trim().split(/\s+/)).toEqual(["vaddr", "fvaddr", "paddr"]);
    c.ensureNr("nr_kdamonds", 0);
    expect(t.ls("")).toEqual(["nr_kdamonds"]);

    // damo start <pid> --damos_action stat
    const params: Params = { pid: workload, intervals: [5000, 100000, 1000000], nrRegions: [10, 1000], schemes: [{ action: "stat", goals: 0 }] };
    stage(c, params);
    c.write("0/state", "on");
    expect(c.read("0/state").trim()).toBe("on");
    t.sim.runFor(2_000_000);

    // damo report damon (status): refresh stats and tried regions, then read everything.
    c.write("0/state", "update_schemes_stats");
    if (features.triedRegions) c.write("0/state", "update_schemes_tried_regions");
    const status = parse(c.readFiles(""));
    expect(status).toHaveLength(1);
    expect(status[0].state).toBe("on");
    expect(t.sim.machine.task(status[0].pid)?.comm).toBe("kdamond.0");
    expect(status[0].targets).toEqual([workload]);
    expect(status[0].schemes[0].nrTried).toBeGreaterThan(0);
    if (features.triedRegions) expect(status[0].schemes[0].tried).toBeGreaterThanOrEqual(10);

    // damo tune --monitoring_intervals 5000 200000 1000000 <pid>: stage and commit (5.19+).
    const running = parse(c.readFiles("")).map((k) => k.state === "on");
    expect(running).toEqual([true]);
    stage(c, { ...params, intervals: [5000, 200000, 1000000], schemes: [{ action: "pageout", goals: 0 }] });
    if (v("5.19")) {
      c.write("0/state", "commit");
      const tuned = parse(c.readFiles(""))[0];
      expect(tuned.aggr).toBe(200000);
      expect(tuned.pid).toBe(status[0].pid);
      expect(t.sysfs.kdamonds.items[0].damonCtx!.attrs.aggrUs).toBe(200_000);
      expect(t.sysfs.kdamonds.items[0].damonCtx!.schemes[0].action).toBe("pageout");
    } else {
      expect(t.write("0/state", "commit")).toBe(-22);
    }

    // damo stop: 'off' to each running kdamond, then poll until it reads off.
    c.write("0/state", "off");
    expect(c.read("0/state").trim()).toBe("off");
    expect(parse(c.readFiles(""))[0].pid).toBe(-1);
    expect(c.log.filter((l) => l.startsWith("write 0/state")).map((l) => l.split(" ")[2])).toEqual(
      ["on", "update_schemes_stats", ...(features.triedRegions ? ["update_schemes_tried_regions"] : []), ...(v("5.19") ? ["commit"] : []), "off"],
    );
  });
});
