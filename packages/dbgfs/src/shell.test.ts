import { describe, expect, it } from "vitest";
import { SimKernel } from "./kernel.js";
import { Shell } from "./shell.js";

async function shell(version: "6.8" | "5.15" | "seed" = "6.8") {
  const kernel = await SimKernel.create({ seed: 1, version });
  const sh = new Shell(kernel);
  let out = "";
  let err = "";
  const run = async (script: string, name?: string) => {
    out = "";
    err = "";
    const status = await sh.run(script, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) }, name);
    return { status, out, err };
  };
  return { kernel, sh, run };
}

describe("the seed commit's example, through the shell", () => {
  it("reads back exactly what the commit message shows", async () => {
    const { run } = await shell("seed");
    // pids 42 and 4242 must exist: 42 is a kernel thread at boot; choose 4242 for a process
    expect((await run("echo 4241 > /proc/sys/kernel/ns_last_pid; spawn workload")).out).toBe("4242\n");
    const transcript = await run(`cd /sys/kernel/debug/damon
echo 5000 100000 1000000 10 1000 > attrs
cat attrs
echo 42 4242 > target_ids
cat target_ids
echo on > monitor_on
echo off > monitor_on
cat monitor_on
`);
    expect(transcript).toEqual({ status: 0, out: "5000 100000 1000000 10 1000\n42 4242\noff\n", err: "" });
  });

  it("writing while monitoring is on fails with -EBUSY, as the commit says", async () => {
    const { run } = await shell("seed");
    await run("echo 4241 > /proc/sys/kernel/ns_last_pid; spawn w");
    const r = await run("cd /sys/kernel/debug/damon; echo 42 4242 > target_ids; echo on > monitor_on; echo 1 2 3 4 5 > attrs; cat monitor_on");
    expect(r.err).toBe("bash: echo: write error: Device or resource busy\n");
    expect(r.out).toBe("on\n");
  });
});

describe("bash-like behaviour", () => {
  it("error messages and exit statuses", async () => {
    const { run } = await shell();
    expect(await run("cd /nowhere")).toMatchObject({ status: 1, err: "bash: cd: /nowhere: No such file or directory\n" });
    expect(await run("cat /nope")).toMatchObject({ status: 1, err: "cat: /nope: No such file or directory\n" });
    expect(await run("frobnicate")).toMatchObject({ status: 127, err: "bash: frobnicate: command not found\n" });
    expect(await run("echo x > /sys/kernel/debug/damon/newfile")).toMatchObject({ status: 1, err: "bash: /sys/kernel/debug/damon/newfile: Permission denied\n" });
    expect(await run("cat /sys/kernel/debug/damon")).toMatchObject({ status: 1, err: "cat: /sys/kernel/debug/damon: Is a directory\n" });
    expect(await run("ls /x")).toMatchObject({ status: 2, err: "ls: cannot access '/x': No such file or directory\n" });
    expect(await run("cd /sys/kernel/debug/damon; echo off > monitor_on; echo $?")).toMatchObject({ out: "1\n", err: "bash: echo: write error: Operation not permitted\n" });
    expect((await run("echo 'a'; false && echo no; false || echo yes")).out).toBe("a\nyes\n");
  });

  it("script mode prefixes errors with the script name and line", async () => {
    const { run } = await shell();
    const r = await run("cd /sys/kernel/debug/damon\n\necho 1 2 > attrs\n", "test.sh");
    expect(r.err).toBe("test.sh: line 3: echo: write error: Invalid argument\n");
    expect(r.status).toBe(1);
  });

  it("a multi-line echo is one write per line: the first applies, the second hits the offset rule", async () => {
    const { run } = await shell();
    const r = await run(`cd /sys/kernel/debug/damon
echo "1 2 3 4 5
6 7 8 9 10" > attrs
echo $?
cat attrs`);
    expect(r.err).toBe("bash: echo: write error: Invalid argument\n");
    expect(r.out).toBe("1\n1 2 3 4 5\n");
  });

  it("backslash-newline continuations are one write", async () => {
    const { run } = await shell();
    const r = await run("cd /sys/kernel/debug/damon\necho 1 2 3 \\\n 4 5 > attrs\ncat attrs");
    expect(r).toMatchObject({ status: 0, out: "1 2 3 4 5\n", err: "" });
  });

  it("echo -n \"\" writes nothing; -e expands escapes; $'..' quoting", async () => {
    const { run, kernel } = await shell();
    expect(await run("cd /sys/kernel/debug/damon; echo -n '' > attrs; cat attrs")).toMatchObject({ status: 0, out: "5000 100000 60000000 10 1000\n" });
    expect((await run("echo -e 'a\\tb'")).out).toBe("a\tb\n");
    expect((await run("echo $'x\\ny'")).out).toBe("x\ny\n");
    expect((await run("echo -n hi")).out).toBe("hi");
    expect(kernel.damon.contexts[0].attrs.map(String)).toEqual(["5000", "100000", "60000000", "10", "1000"]);
  });

  it("ls -l, pwd, ps, spawn, kill, sleep advance virtual time", async () => {
    const { run, kernel } = await shell();
    expect((await run("cd /sys/kernel/debug/damon; pwd")).out).toBe("/sys/kernel/debug/damon\n");
    expect((await run("ls -l")).out.split("\n")[0]).toBe("-rw------- 1 root root 0 Jan  1 00:00 attrs");
    const pid = (await run("spawn myproc")).out.trim();
    expect((await run("ps")).out).toContain(`${pid.padStart(7)} ?        00:00:00 myproc\n`);
    expect((await run(`cat /proc/${pid}/maps`)).out).toMatch(/\[stack\]\n$/);
    expect(await run(`kill ${pid}; kill ${pid}`)).toMatchObject({ status: 1, err: `bash: kill: (${pid}) - No such process\n` });
    const before = kernel.sim.now;
    await run("sleep 2.5");
    expect(kernel.sim.now - before).toBe(2_500_000);
  });

  it("unterminated quotes are a syntax error (status 2)", async () => {
    const { run } = await shell();
    expect(await run("echo 'oops")).toMatchObject({ status: 2 });
  });
});
