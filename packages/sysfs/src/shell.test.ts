// The sysfs tree through dbgfs's bash-like shell, as a user types it (usage.rst's example).
import { Shell, SimKernel } from "@damon-sim/dbgfs";
import { describe, expect, it } from "vitest";
import { attachSysfs } from "./damon-sysfs.js";

async function shell() {
  const kernel = await SimKernel.create({ seed: 1 });
  attachSysfs(kernel, { version: "6.8" });
  const sh = new Shell(kernel);
  const run = async (script: string) => {
    let out = "";
    let err = "";
    const status = await sh.run(script, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
    return { status, out, err };
  };
  return { kernel, run };
}

describe("sysfs through the shell", () => {
  it("the admin guide's start-up, with bash's messages for refused writes", async () => {
    const { kernel, run } = await shell();
    const pid = (await run("spawn workload")).out.trim();
    const r = await run(`cd /sys/kernel/mm/damon/admin/kdamonds
echo 1 > nr_kdamonds && echo 1 > 0/contexts/nr_contexts
echo vaddr > 0/contexts/0/operations
echo 1 > 0/contexts/0/targets/nr_targets
echo ${pid} > 0/contexts/0/targets/0/pid_target
echo on > 0/state
cat 0/state
echo on > 0/state
echo 2 > nr_kdamonds
echo bogus > 0/state
ls 0/contexts/0`);
    expect(r.out).toBe("on\navail_operations\nmonitoring_attrs\noperations\nschemes\ntargets\n");
    expect(r.err).toBe(
      "bash: echo: write error: Device or resource busy\n".repeat(2) + "bash: echo: write error: Invalid argument\n",
    );
    expect(kernel.sim.nrRunning).toBe(1);
  });

  it("each line of a multi-line echo is its own command (kernfs ignores the position)", async () => {
    const { run } = await shell();
    const pid = (await run("spawn workload")).out.trim();
    const K = "/sys/kernel/mm/damon/admin/kdamonds";
    await run(`echo 1 > ${K}/nr_kdamonds; echo 1 > ${K}/0/contexts/nr_contexts; echo 1 > ${K}/0/contexts/0/targets/nr_targets`);
    await run(`echo ${pid} > ${K}/0/contexts/0/targets/0/pid_target`);
    const r = await run(`echo $'on\\noff' > ${K}/0/state; cat ${K}/0/state ${K}/0/pid`);
    expect(r).toEqual({ status: 0, out: "off\n-1\n", err: "" });
  });
});
