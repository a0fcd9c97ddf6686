// The error policy of apps/cli/README.md, through the built binary: usage errors exit 2 with
// one line and a --help hint; failures exit 1 with `damon-sim: <file>: <what>`; no stack
// trace unless DAMON_SIM_DEBUG=1; no output file unless it is complete.
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readAllSnapshots } from "@damon-sim/record";
import { afterAll, describe, expect, it } from "vitest";
import { failureReport, RunError, UsageError } from "./errors.js";

const cli = fileURLToPath(new URL("../bin/damon-sim.js", import.meta.url));
const lackey = fileURLToPath(new URL("../../../packages/workload/fixtures/synthetic.lackey", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "damon-sim-errors-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: work, env: { ...process.env, NO_COLOR: "1", ...env } });
const path = (name: string) => join(work, name);

describe("failures: exit 1, one line naming the file", () => {
  writeFileSync(path("corrupt.data"), Buffer.from([0x78, 0x9c, 1, 2, 3, 4, 5]));
  writeFileSync(path("bad.cfg"), "garbage\n");
  const lines = readFileSync(lackey, "utf8").split("\n");
  // Valid for a while, then one bad line: the failure comes in the middle of the run.
  writeFileSync(path("bad.lackey"), [...lines.slice(0, 900), " L zzzz,8", ...lines.slice(900)].join("\n"));
  mkdirSync(path("dir"));
  // one snapshot: no time span for a heatmap's rows (found by the record fuzz)
  writeFileSync(path("short.perf"), "kdamond.0 1 [000] 1.000000: damon:damon_aggregated: target_id=0 nr_regions=1 0-4096: 1\n");

  it.each([
    [["report", "raw", "-i", path("missing.data")], path("missing.data"), "cannot read: no such file or directory"],
    [["report", "raw", "-i", path("dir")], path("dir"), "cannot read: is a directory"],
    [["report", "wss", "-i", path("corrupt.data")], path("corrupt.data"), "json_compressed: "],
    [["record", "stairs", "-d", "1", "-o", path("nodir/out.data")], path("nodir/out.data"), "cannot write: no such file or directory"],
    [["record", path("bad.cfg"), "-o", path("cfg.data")], path("bad.cfg"), "line 1: "],
    [["record", path("bad.lackey"), "-o", path("lackey.data")], path("bad.lackey"), "line 901: not a lackey"],
    [["sweep", "-w", path("bad.cfg"), "-j", "1", "-o", path("sweep.jsonl")], path("bad.cfg"), "line 1: "],
    [["report", "heatmap", "-i", path("corrupt.data"), "--output", path("nodir/h.png")], path("corrupt.data"), "json_compressed: "],
    [["dbgfs", "--script", path("missing.sh")], path("missing.sh"), "cannot read: no such file or directory"],
    [["report", "heatmap", "-i", path("short.perf")], path("short.perf"), "heatmap: time 1000000000-1000000000 or address range 0-4096 is smaller than the 40x80 resolution"],
  ])("%j", (args, file, what) => {
    const result = run(args);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.startsWith(`damon-sim: ${file}: ${what}`), result.stderr).toBe(true);
    expect(result.stderr.split("\n")).toHaveLength(2); // one line and its newline
  });

  it("leaves no output and no temporary file behind", () => {
    const left = readdirSync(work).filter((f) => !["corrupt.data", "bad.cfg", "bad.lackey", "dir", "short.perf", "limited", "unbuilt", "terminated"].includes(f));
    expect(left).toEqual([]);
  });
});

describe("an output that fails midway", () => {
  it("a record past the file size limit: one line, exit 1, neither the record nor its temporary file", () => {
    const dir = path("limited");
    mkdirSync(dir);
    // RLIMIT_FSIZE of 4 KiB: the record's writes fail with EFBIG after the first few blocks
    const result = spawnSync("bash", ["-c", `ulimit -f 4; exec "${process.execPath}" "${cli}" record stairs -d 30 --output_type json -o out.data`], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toBe("damon-sim: out.data: cannot write: file too large\n");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("the launcher", () => {
  it("before the CLI is built, says so in one line (exit 1)", () => {
    const dir = path("unbuilt");
    mkdirSync(join(dir, "bin"), { recursive: true });
    copyFileSync(cli, join(dir, "bin", "damon-sim.js"));
    const result = spawnSync(process.execPath, [join(dir, "bin", "damon-sim.js"), "--version"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("damon-sim: the CLI is not built yet: run `npm run build` at the repository root\n");
  });
});

describe("signals", () => {
  it("SIGTERM to a record keeps a complete record of what was simulated, and no temporary file", async () => {
    const dir = path("terminated");
    mkdirSync(dir);
    writeFileSync(join(dir, "long.cfg"), "a, 1073741824\n\nlong\n3600000\na, 1, 4096, 1\n");
    const child = spawn(process.execPath, [cli, "record", "long.cfg", "--engine", "exact", "-o", "out.data"], { cwd: dir });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise((r) => child.on("exit", (c, s) => r(c ?? s)));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGTERM");
    expect(await exited, stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["long.cfg", "out.data"]);
    const { snapshots } = await readAllSnapshots(readFileSync(join(dir, "out.data")));
    expect(snapshots.length).toBeGreaterThan(0);
  }, 30_000);

  it("a usage error quotes a bad value on its one line, even with a newline in it", () => {
    const result = run(["record", "stairs", "--attrs", "5000 100000\n1000000 10 x"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      `damon-sim: --attrs takes five unsigned integers "sample aggr update min max"; got "5000 100000\\n1000000 10 x" (see 'damon-sim record --help')\n`,
    );
  });

  it("a sweep killed before it ends leaves neither its output nor a temporary file", async () => {
    const out = path("killed.jsonl");
    const child = spawn(process.execPath, [cli, "sweep", "-w", "zipf", "--seed", "0-99999", "-d", "1", "-j", "1", "-o", out], { cwd: work });
    const exited = new Promise((r) => child.on("exit", (c, s) => r(c ?? s)));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGTERM");
    const code = await exited;
    expect(code).toBe(128 + 15);
    expect(readdirSync(work).filter((f) => f.includes("killed"))).toEqual([]);
  });
});

describe("stack traces", () => {
  it("are never shown, unless DAMON_SIM_DEBUG=1 asks", () => {
    const args = ["report", "raw", "-i", path("corrupt.data")];
    expect(run(args).stderr).not.toMatch(/\n\s+at /);
    const debug = run(args, { DAMON_SIM_DEBUG: "1" });
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/^damon-sim: .*\n(.|\n)*\n\s+at /);
  });

  it("an unexpected error is one line saying so, with the stack only on request", () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')\n  more detail");
    expect(failureReport(bug, "damon-sim report raw", false)).toEqual({
      text: "damon-sim: internal error: Cannot read properties of undefined (reading 'x') (DAMON_SIM_DEBUG=1 shows where)\n",
      status: 1,
    });
    expect(failureReport(bug, "damon-sim", true).text).toContain(bug.stack);
    expect(failureReport(new UsageError("bad --x\nsecond"), "damon-sim adjust", false)).toEqual({
      text: "damon-sim: bad --x (see 'damon-sim adjust --help')\n",
      status: 2,
    });
    const cause = new Error("EIO deep down");
    expect(failureReport(new RunError("a.data", "cannot read", { cause }), "damon-sim", true).text).toContain(cause.stack);
  });
});
