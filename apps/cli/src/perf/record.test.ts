// `perf record` and `perf script` through the built binary, against a tracing directory made
// of plain files: trace_pipe is a file the test appends to, as ftrace would.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { MAGIC } from "./data-file.js";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "damon-sim-perf-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tracefs = join(work, "tracing");
const enable = join(tracefs, "events/damon/damon_aggregated/enable");
const pipe = join(tracefs, "trace_pipe");
mkdirSync(join(tracefs, "events/damon/damon_aggregated"), { recursive: true });
writeFileSync(pipe, "");
writeFileSync(enable, "0\n");
const env = { ...process.env, DAMON_SIM_TRACEFS: tracefs, DAMON_SIM_KERNEL: "6.8" };

const event = (t: string, start: number) =>
  `       kdamond.0-370     [000] .....     ${t}: damon_aggregated: target_id=0 nr_regions=1 ${start}-${start + 4096}: 2 5\n`;

function perf(args: string[]): ChildProcess & { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [cli, "perf", ...args], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stderr })),
  );
  return Object.assign(child, { done });
}

async function until(what: string, test: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const tmpFiles = () => readdirSync(work).filter((f) => f.endsWith(".tmp"));

describe("perf record", () => {
  it("records the requested events until SIGINT, drains the rest, then re-raises SIGINT as perf does", async () => {
    writeFileSync(pipe, "");
    const rec = perf(["record", "-a", "-o", "int.data", "-e", "damon:damon_aggregated"]);
    await until("the tracepoint to be enabled", () => readFileSync(enable, "utf8") === "1");
    appendFileSync(pipe, event("1.100000", 4096) + "          <idle>-0       [001] d..2.     1.100001: sched_switch: prev=x\n");
    appendFileSync(pipe, event("1.200000", 8192).slice(0, 40)); // half a line: the writer is mid-line
    await until("the temporary file", () => tmpFiles().length === 1);
    expect(existsSync(join(work, "int.data"))).toBe(false); // nothing half-written under the real name
    await new Promise((r) => setTimeout(r, 200));
    appendFileSync(pipe, event("1.200000", 8192).slice(40));
    rec.kill("SIGINT");
    const result = await rec.done;
    expect(result.signal).toBe("SIGINT");
    expect(result.stderr).toMatch(/^\[ perf record: Woken up \d+ times to write data \]\n\[ perf record: Captured and wrote 0\.000 MB int\.data \(2 samples\) \]\n$/);
    expect(readFileSync(join(work, "int.data"), "utf8")).toBe(`${MAGIC}# events: damon:damon_aggregated\n${event("1.100000", 4096)}${event("1.200000", 8192)}`);
    expect(readFileSync(enable, "utf8")).toBe("0"); // put back as it was
    expect(tmpFiles()).toEqual([]);

    const script = spawnSync(process.execPath, [cli, "perf", "script", "--force", "-i", "int.data"], { cwd: work, env, encoding: "utf8" });
    expect(script.status).toBe(0);
    expect(script.stdout).toBe(
      "       kdamond.0     370 [000]     1.100000: damon:damon_aggregated: target_id=0 nr_regions=1 4096-8192: 2 5\n" +
        "       kdamond.0     370 [000]     1.200000: damon:damon_aggregated: target_id=0 nr_regions=1 8192-12288: 2 5\n",
    );
  });

  it("SIGTERM stops it the same way; -q prints nothing", async () => {
    writeFileSync(pipe, "");
    const rec = perf(["record", "-q", "-o", "term.data", "-e", "damon:*"]);
    await until("the tracepoint to be enabled", () => readFileSync(enable, "utf8") === "1");
    appendFileSync(pipe, event("2.000000", 4096));
    rec.kill("SIGTERM");
    const result = await rec.done;
    expect(result).toEqual({ code: null, signal: "SIGTERM", stderr: "" });
    expect(readFileSync(join(work, "term.data"), "utf8").split("\n").slice(1)).toEqual(["# events: damon:damon_aggregated", event("2.000000", 4096).trimEnd(), ""]);
  });

  it("with a command: records while it runs and exits with its status; an enabled tracepoint stays enabled", async () => {
    writeFileSync(pipe, "");
    writeFileSync(enable, "1");
    const rec = perf(["record", "-e", "damon:damon_aggregated", "-o", "cmd.data", "--", "sh", "-c", `printf '%s' '${event("3.000000", 4096)}' >> ${pipe}; exit 3`]);
    const result = await rec.done;
    expect(result.code).toBe(3);
    expect(readFileSync(join(work, "cmd.data"), "utf8")).toContain(event("3.000000", 4096));
    expect(readFileSync(enable, "utf8")).toBe("1");
    writeFileSync(enable, "0\n");
  });

  it("without -e: perf's default event, cycles, has no samples in a simulation, and needs no tracefs", async () => {
    const rec = spawnSync(process.execPath, [cli, "perf", "record", "-o", "prof.data", "true"], {
      cwd: work, env: { ...env, DAMON_SIM_TRACEFS: join(work, "nowhere") }, encoding: "utf8",
    });
    expect(rec.status).toBe(0);
    expect(rec.stderr).toMatch(/Captured and wrote 0\.000 MB prof\.data \]\n$/);
    expect(readFileSync(join(work, "prof.data"), "utf8")).toBe(`${MAGIC}# events: cycles:P\n`);
    const script = spawnSync(process.execPath, [cli, "perf", "script", "-i", "prof.data"], { cwd: work, env, encoding: "utf8" });
    expect([script.status, script.stdout]).toEqual([0, ""]);
    // complete from the start: damo signals its cpu_profile recorder and does not wait for it
    const rec2 = perf(["record", "-o", "prof2.data"]);
    await until("the file", () => existsSync(join(work, "prof2.data")));
    expect(tmpFiles()).toEqual([]);
    rec2.kill("SIGKILL");
    await rec2.done;
    expect(readFileSync(join(work, "prof2.data"), "utf8")).toBe(`${MAGIC}# events: cycles:P\n`);
  });

  it.each([
    [["record", "-e", "damon:nope", "-o", "x.data"], 1, `damon-sim: ${tracefs}/events/damon/nope: unknown tracepoint 'damon:nope'\n`],
    [["record", "-e", "damon:damon_aggregated", "-o", "nodir/x.data"], 1, `damon-sim: nodir/x.data: cannot write: no such file or directory\n`],
    [["record", "-e", "damon:damon_aggregated", "-o", "y.data", "no-such-command-xyz"], 1, "damon-sim: no-such-command-xyz: command not found\n"],
    [["record", "-o", "x.data", "no-such-command-xyz"], 1, "damon-sim: no-such-command-xyz: command not found\n"],
    [["script", "-i", "missing.data"], 1, "damon-sim: missing.data: cannot read: no such file or directory (try 'perf record' first)\n"],
    [["record", "--call-graph", "dwarf"], 2, "damon-sim: perf record: unsupported option '--call-graph' (the shim supports -e, -a, -o, -q) (see 'damon-sim perf --help')\n"],
  ])("%j fails on one line, leaving no file", (args, status, stderr) => {
    const result = spawnSync(process.execPath, [cli, "perf", ...args], { cwd: work, env, encoding: "utf8" });
    expect([result.status, result.stderr]).toEqual([status, stderr]);
    expect(existsSync(join(work, "x.data")) || existsSync(join(work, "y.data"))).toBe(false);
    expect(tmpFiles()).toEqual([]);
    expect(readFileSync(enable, "utf8").trim()).toBe("0");
  });

  it("perf trace prints each event as it comes, in milliseconds since the first (damo report trace)", async () => {
    writeFileSync(pipe, "");
    const sh = `printf '%s%s' '${event("1.100000", 4096)}' '${event("1.250500", 8192)}' >> ${pipe}`;
    const result = spawnSync(process.execPath, [cli, "perf", "trace", "--libtraceevent_print", "-e", "damon:damon_aggregated", "--", "sh", "-c", sh], {
      cwd: work, env, encoding: "utf8",
    });
    expect([result.status, result.stdout]).toEqual([0, ""]);
    expect(result.stderr).toBe(
      "     0.000 kdamond.0/370 damon:damon_aggregated(target_id=0 nr_regions=1 4096-8192: 2 5)\n" +
        "   150.500 kdamond.0/370 damon:damon_aggregated(target_id=0 nr_regions=1 8192-12288: 2 5)\n",
    );
    expect(readFileSync(enable, "utf8").trim()).toBe("0");
    const syscalls = spawnSync(process.execPath, [cli, "perf", "trace"], { cwd: work, env, encoding: "utf8" });
    expect([syscalls.status, syscalls.stderr]).toEqual([2, "damon-sim: perf trace: syscall tracing is not simulated; name tracepoints with -e (see 'damon-sim perf --help')\n"]);
  });

  it("--version, --help and list", () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, "perf", ...args], { cwd: work, env, encoding: "utf8" });
    expect(run("--version").stdout).toBe("perf version 6.8.0-damon-sim\n");
    expect(run("--help").stdout).toMatch(/^usage: damon-sim perf COMMAND/);
    writeFileSync(join(tracefs, "available_events"), "sched:sched_switch\ndamon:damon_aggregated\n");
    expect(run("list", "damon:*").stdout).toBe(`\nList of pre-defined events (to be used in -e or -M):\n\n  ${"damon:damon_aggregated".padEnd(50)} [Tracepoint event]\n`);
  });
});
