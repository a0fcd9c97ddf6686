// The real mount: bash drives the simulated debugfs through FUSE, inside a private mount
// namespace so nothing stays mounted. Required under CI=true; skipped elsewhere without FUSE.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkFuse } from "@damon-sim/fuse";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const fuse = checkFuse();
const hasUnshare = spawnSync("unshare", ["--version"]).status === 0;
const unavailable = !fuse.ok ? fuse.reason : !hasUnshare ? "unshare(1) is missing (util-linux)" : null;
if (unavailable && process.env.CI !== "true") {
  console.warn(`skipping the FUSE mount test: ${unavailable}. It needs Linux, /dev/fuse and root (or unshare -Urm).`);
}

// Each check prints "=== name" then the command's stdout+stderr and "rc=N".
const script = `
set -u
M=/sys/kernel/debug
node ${JSON.stringify(cli)} mount "$M" --kernel 6.8 --spawn worker > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; sleep 0.3; grep -q " $M fuse" /proc/mounts && umount -l "$M"' EXIT
for i in $(seq 100); do grep -q " $M fuse" /proc/mounts && break; sleep 0.05; done
check() { echo "=== $1"; shift; ( "$@" ) 2>&1; echo "rc=$?"; }
cd $M/damon
check ls ls -l
check attrs-default cat attrs
check attrs-write bash -c 'echo 5000 100000 1000000 10 1000 > attrs; cat attrs'
check attrs-bad bash -c 'echo 1 2 3 > attrs'
check multiline bash -c 'echo "1 2 3 4 5
6 7 8 9 10" > attrs'
check multiline-applied cat attrs
check pids bash -c 'echo 1 2 > target_ids; cat target_ids'
check missing-pid bash -c 'echo 31999 > target_ids'
check schemes bash -c 'echo "4096 8192 0 5 10 20 5 0 0 0 0 0 0 0 0 0 0 0" > schemes; cat schemes'
check init-regions bash -c 'echo "0 4096 8192" > init_regions; cat init_regions'
check on bash -c 'echo on > monitor_on; cat monitor_on'
check kdamond-pid cat kdamond_pid
check busy-attrs bash -c 'echo 1 2 3 4 5 > attrs'
check busy-init bash -c 'cat init_regions'
check busy-mk bash -c 'echo ctx1 > mk_contexts'
check off bash -c 'echo off > monitor_on; cat monitor_on; cat target_ids'
check off-again bash -c 'echo off > monitor_on'
check mk bash -c 'echo ctx1 > mk_contexts; ls ctx1; echo 1 > ctx1/target_ids; cat ctx1/target_ids'
check mk-dup bash -c 'echo ctx1 > mk_contexts'
check rm bash -c 'echo ctx1 > rm_contexts; ls'
check rm-file bash -c 'echo attrs > rm_contexts'
check pread python3 -c 'import os
fd = os.open("attrs", os.O_RDONLY)
try:
    os.pread(fd, 4, 1)
except OSError as e:
    print(e.strerror)'

check spawn bash -c 'echo worker2 > ../damon-sim/spawn; P=$(cat ../damon-sim/spawn); echo $P > target_ids; echo on > monitor_on; sleep 0.3; cat monitor_on; echo $P > ../damon-sim/kill; sleep 0.3; cat monitor_on'
check trace bash -c 'echo 1 > ../tracing/events/damon/damon_aggregated/enable; echo 1 > target_ids; echo on > monitor_on; sleep 0.3; echo off > monitor_on; head -c 200 ../tracing/trace_pipe | head -1'
cd /
kill -TERM $SERVER
wait $SERVER
echo "=== server"; echo "rc=$?"
echo "=== mounted"; grep -c " $M fuse" /proc/mounts; echo "rc=0"
`;

function sections(output: string): Record<string, { out: string; rc: number }> {
  const result: Record<string, { out: string; rc: number }> = {};
  for (const part of output.split("=== ").slice(1)) {
    const [name, ...rest] = part.split("\n");
    const body = rest.join("\n");
    const rc = /rc=(\d+)\n?$/.exec(body.trimEnd() + "\n");
    result[name] = { out: body.replace(/rc=\d+\n?$/, "").trimEnd(), rc: rc ? Number(rc[1]) : -1 };
  }
  return result;
}

describe.skipIf(unavailable !== null && process.env.CI !== "true")("damon-sim mount (FUSE)", () => {
  it("bash sees the kernel's outputs and errors, and nothing stays mounted", () => {
    if (unavailable) throw new Error(`FUSE is required under CI=true: ${unavailable}`);
    const work = mkdtempSync(join(tmpdir(), "damon-mount-"));
    try {
      writeFileSync(join(work, "test.sh"), script);
      const run = spawnSync("timeout", ["120", "unshare", "-m", "--propagation", "private", "bash", join(work, "test.sh")], {
        encoding: "utf8",
        env: { ...process.env, WORK: work },
      });
      const s = sections(run.stdout);
      const busy = /echo: write error: Device or resource busy$/;
      expect(s.ls.out.split("\n").filter((l) => !l.startsWith("total")).map((l) => l.split(/\s+/)[0])).toEqual(Array(8).fill("-rw-------"));
      expect(s["attrs-default"]).toEqual({ out: "5000 100000 60000000 10 1000", rc: 0 });
      expect(s["attrs-write"]).toEqual({ out: "5000 100000 1000000 10 1000", rc: 0 });
      expect(s["attrs-bad"].rc).toBe(1);
      expect(s["attrs-bad"].out).toMatch(/echo: write error: Invalid argument$/);
      expect(s.multiline.rc).toBe(1);
      expect(s["multiline-applied"].out).toBe("1 2 3 4 5");
      expect(s.pids).toEqual({ out: "1 2", rc: 0 });
      expect(s["missing-pid"].out).toMatch(/write error: Cannot allocate memory$/);
      expect(s.schemes).toEqual({ out: "4096 8192 0 5 10 20 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", rc: 0 });
      expect(s["init-regions"]).toEqual({ out: "0 4096 8192", rc: 0 });
      expect(s.on).toEqual({ out: "on", rc: 0 });
      expect(s["kdamond-pid"].out).toMatch(/^\d+$/);
      expect(s["busy-attrs"].out).toMatch(busy);
      expect(s["busy-init"].out).toMatch(/Device or resource busy$/);
      expect(s["busy-mk"].out).toMatch(busy);
      expect(s.off).toEqual({ out: "off", rc: 0 });
      expect(s["off-again"].out).toMatch(/Operation not permitted$/);
      expect(s.mk.out).toBe("attrs\ninit_regions\nkdamond_pid\nschemes\ntarget_ids\n1");
      expect(s["mk-dup"].out).toMatch(/write error: File exists$/);
      expect(s.rm.out).not.toContain("ctx1");
      expect(s["rm-file"].out).toMatch(/Invalid argument$/);
      expect(s.pread.out).toBe("Illegal seek");
      expect(s.spawn.out).toBe("on\noff");
      expect(s.trace.out).toMatch(/kdamond\.0-\d+ +\[000\] \.\.\.\.\. +\d+\.\d{6}: damon_aggregated: target_id=0 nr_regions=/);
      expect(s.server.rc).toBe(0);
      expect(s.mounted.out).toBe("0");
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 150_000);
});
