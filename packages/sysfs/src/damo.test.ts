// damo v3.3.0's own sysfs code (../shared/tools/damo/src/_damon_sysfs.py, run unmodified by
// python3) against this tree: its file I/O is routed here through a pipe, so its feature
// check, staging, status parsing, commit and stop all meet the simulated files.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { O_CREAT, O_TRUNC, O_WRONLY, strerror } from "@damon-sim/dbgfs";
import { describe, expect, it } from "vitest";
import { boot } from "./test-support.js";
import { SYSFS_VERSIONS, type SysfsVersion } from "./versions.js";

const DAMO_SRC = fileURLToPath(new URL("../../../../shared/tools/damo/src", import.meta.url));
/** damo's sources and a python3 to run them (CI installs python3 for the damo tests). */
const available = existsSync(`${DAMO_SRC}/_damon_sysfs.py`) && spawnSync("python3", ["--version"]).status === 0;

// The harness: damo's _damo_fs I/O and its os.path probes become requests on stdout,
// answered on stdin; time.sleep advances virtual time. Then the calls damo's start, report,
// tune and stop make.
const HARNESS = String.raw`
import json, os, sys, types
sys.path.insert(0, os.environ['DAMO_SRC'])
import _damo_fs, _damon, _damon_sysfs

def rpc(op, **kw):
    sys.stdout.write(json.dumps(dict(op=op, **kw)) + '\n')
    sys.stdout.flush()
    return json.loads(sys.stdin.readline())

def read_file(path):
    r = rpc('read', path=path)
    if 'err' in r:
        return None, 'reading %s failed (%s)' % (path, r['err'])
    return r['data'], None

def write_file(path, content):
    r = rpc('write', path=path, data=content)
    if 'err' in r:
        return 'writing %s to %s failed (%s)' % (content.strip(), path, r['err'])
    return None

fake_os = types.SimpleNamespace(
    path=types.SimpleNamespace(join=os.path.join,
                               isdir=lambda p: rpc('isdir', path=p)['ok'],
                               isfile=lambda p: rpc('isfile', path=p)['ok']),
    listdir=lambda p: rpc('listdir', path=p)['names'])
_damo_fs.read_file = read_file
_damo_fs.write_file = write_file
_damo_fs.os = fake_os
_damon_sysfs.os = fake_os
_damon_sysfs.time = types.SimpleNamespace(sleep=lambda s: rpc('sleep', us=int(s * 1000000)))
_damon_sysfs.sysfs_root = '/sys'

def check(err, what):
    if err is not None:
        rpc('fail', what=what, err=err)
        sys.exit(1)

out = {}
assert _damon_sysfs.supported()
features, err = _damon_sysfs.mk_feature_supports_map()
check(err, 'feature check')
out['features'] = sorted(k for k, v in features.items() if v and k.startswith('sysfs/'))

def kdamond(aggr, action):
    scheme = _damon.Damos(action=action)
    ctx = _damon.DamonCtx(ops='vaddr', targets=[_damon.DamonTarget(pid=int(os.environ['PID']), regions=[])],
                          intervals=_damon.DamonIntervals('5ms', aggr, '1s'),
                          nr_regions=_damon.DamonNrRegionsRange(10, 1000), schemes=[scheme])
    return _damon.Kdamond(state=None, pid=None, contexts=[ctx])

check(_damon_sysfs.stage_kdamonds([kdamond('100ms', 'stat')]), 'stage')
check(_damon_sysfs.turn_damon_on(['0']), 'on')
out['running'] = _damon_sysfs.is_kdamond_running('0')
rpc('sleep', us=2000000)
check(_damon_sysfs.update_schemes_stats(['0']), 'stats')
if features['sysfs/schemes_tried_regions']:
    check(_damon_sysfs.update_schemes_tried_regions(['0']), 'tried regions')
kd = _damon_sysfs.current_kdamonds()[0]
ctx = kd.contexts[0]
out['status'] = dict(state=kd.state, pid=int(kd.pid), ops=ctx.ops, target=ctx.targets[0].pid,
                     aggr=ctx.intervals.aggr, nr_tried=ctx.schemes[0].stats.nr_tried,
                     tried_regions=len(ctx.schemes[0].tried_regions))
if features['sysfs/online_params_commit']:
    check(_damon_sysfs.stage_kdamonds([kdamond('200ms', 'pageout')]), 'stage for tune')
    check(_damon_sysfs.commit_staged(['0']), 'commit')
    kd = _damon_sysfs.current_kdamonds()[0]
    out['tuned'] = dict(pid=int(kd.pid), aggr=kd.contexts[0].intervals.aggr, action=kd.contexts[0].schemes[0].action)
if features['sysfs/online_params_commit'] and features['sysfs/schemes_tried_regions']:
    # damo report access's live snapshot: install a 'stat' scheme by commit, read its tried
    # regions, commit the original schemes back.
    import _damo_records, _damo_sysinfo
    _damon._damon_fs = _damon_sysfs
    _damo_sysinfo.damon_feature_available = lambda name: features.get(name, False)
    records, err = _damo_records.get_snapshot_records(_damon.Damos(action='stat'), False, False)
    check(err, 'snapshot')
    snapshot = records[0].snapshots[0]
    kd = _damon_sysfs.current_kdamonds()[0]
    out['snapshot'] = dict(nr_regions=len(snapshot.regions),
                           contiguous=all(a.end <= b.start for a, b in zip(snapshot.regions, snapshot.regions[1:])),
                           schemes_after=[s.action for s in kd.contexts[0].schemes])
check(_damon_sysfs.turn_damon_off(['0']), 'off')
out['running_after_off'] = _damon_sysfs.is_kdamond_running('0')
rpc('result', out=out)
`;

async function runDamo(version: SysfsVersion) {
  const t = await boot(version);
  const pid = t.spawn("masim");
  const child = spawn("python3", ["-c", HARNESS], { env: { ...process.env, DAMO_SRC, PID: `${pid}` }, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const reply = (msg: object) => child.stdin.write(`${JSON.stringify(msg)}\n`);
  let result: any = null;
  let failure: any = null;
  for await (const line of createInterface({ input: child.stdout })) {
    const req = JSON.parse(line);
    const stat = () => t.vfs.stat(req.path);
    switch (req.op) {
      case "read": {
        const text = t.read(req.path);
        reply(typeof text === "number" ? { err: `[Errno ${-text}] ${strerror(text)}` } : { data: text });
        break;
      }
      case "write": {
        // Python's open(path, 'w') and one write(2) of the whole string.
        const fd = t.vfs.open(req.path, O_WRONLY | O_CREAT | O_TRUNC);
        const n = fd < 0 ? fd : t.vfs.write(fd, new TextEncoder().encode(req.data));
        if (fd >= 0) t.vfs.close(fd);
        reply(n < 0 ? { err: `[Errno ${-n}] ${strerror(n)}` } : {});
        break;
      }
      case "isdir": { const s = stat(); reply({ ok: typeof s !== "number" && s.kind === "dir" }); break; }
      case "isfile": { const s = stat(); reply({ ok: typeof s !== "number" && s.kind === "file" }); break; }
      case "listdir": reply({ names: t.vfs.readdir(req.path) }); break;
      case "sleep": t.sim.runFor(req.us); reply({}); break;
      case "fail": failure = req; reply({}); break;
      case "result": result = req.out; reply({}); break;
    }
  }
  await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.on("exit", resolve)));
  if (failure || !result) throw new Error(`damo: ${JSON.stringify(failure)} ${stderr}`);
  return { t, pid, result };
}

describe.skipIf(!available)("damo v3.3.0 drives the sysfs tree", () => {
  it.each(SYSFS_VERSIONS)("%s: feature check, start, status, tune, snapshot, stop", async (version) => {
    const { t, pid, result } = await runDamo(version);
    const v = (x: SysfsVersion) => SYSFS_VERSIONS.indexOf(version) >= SYSFS_VERSIONS.indexOf(x);
    if (process.env.SYSFS_DEBUG) console.log(JSON.stringify(result, null, 1));
    const features: string[] = result.features;
    expect(features.includes("sysfs/schemes_tried_regions")).toBe(v("6.2"));
    expect(features.includes("sysfs/schemes_tried_regions_sz")).toBe(v("6.6"));
    expect(features.includes("sysfs/schemes_filters")).toBe(v("6.3"));
    expect(features.includes("sysfs/schemes_filters_addr")).toBe(v("6.6"));
    expect(features.includes("sysfs/schemes_filters_young")).toBe(false);
    expect(features.includes("sysfs/schemes_apply_interval")).toBe(v("6.7"));
    expect(features.includes("sysfs/schemes_quota_goals")).toBe(v("6.8"));
    expect(features.includes("sysfs/schemes_quota_effective_bytes")).toBe(v("6.9"));
    expect(features.includes("sysfs/online_params_commit")).toBe(v("5.19"));
    // Without avail_operations damo writes each name to 'operations' and, inverting the
    // result, lists the one the kernel refused: 5.18 has no fvaddr.
    const ops = ["vaddr", "fvaddr", "paddr"].filter((o) => features.includes(`sysfs/${o}`));
    expect(ops).toEqual(v("5.19") ? ["vaddr", "fvaddr", "paddr"] : ["fvaddr"]);
    expect(result.running).toBe(true);
    expect(result.status).toMatchObject({ state: "on", ops: "vaddr", target: pid, aggr: 100000 });
    // The kdamond was the next process after the workload; it is gone after 'off'.
    expect(result.status.pid).toBe(pid + 1);
    expect(t.sim.machine.task(result.status.pid)).toBeUndefined();
    expect(result.status.nr_tried).toBeGreaterThan(0);
    if (v("6.2")) expect(result.status.tried_regions).toBeGreaterThanOrEqual(10);
    if (v("5.19")) expect(result.tuned).toEqual({ pid: result.status.pid, aggr: 200000, action: "pageout" });
    if (v("6.2")) {
      // The snapshot scheme was committed in and out again; its regions are in address order.
      expect(result.snapshot.nr_regions).toBeGreaterThanOrEqual(10);
      expect(result.snapshot.contiguous).toBe(true);
      expect(result.snapshot.schemes_after).toEqual(["pageout"]);
    }
    expect(result.running_after_off).toBe(false);
  }, 60_000);
});
