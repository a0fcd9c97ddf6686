// End-to-end: the built binary, as a user runs it.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readAllSnapshots } from "@damon-sim/record";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const fixtures = fileURLToPath(new URL("../../../../shared/fixtures/", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "damon-sim-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", cwd: work, env: { ...process.env, NO_COLOR: "1" } });

describe("help and usage", () => {
  it("--help on every command, --version", { timeout: 30_000 }, () => {
    expect(run("--version").stdout).toBe("0.1.0\n");
    for (const command of [[], ["record"], ["report"], ["report", "raw"], ["report", "wss"], ["report", "nr_regions"], ["report", "heatmap"], ["adjust"], ["dbgfs"], ["mount"], ["sweep"], ["demo"]]) {
      const result = run(...command, "--help");
      expect(result.status, command.join(" ")).toBe(0);
      expect(result.stdout).toMatch(/^Usage: damon-sim/);
    }
  });

  it("npm ci links damon-sim into the repository's node_modules/.bin, so npx finds it", () => {
    const bin = fileURLToPath(new URL("../../../node_modules/.bin/damon-sim", import.meta.url));
    expect(existsSync(bin)).toBe(true);
    expect(spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout).toBe("0.1.0\n");
  });

  it("usage errors exit 2 with one line that points to the command's --help", () => {
    for (const [help, args] of [
      ["damon-sim", ["frob"]],
      ["damon-sim record", ["record"]],
      ["damon-sim record", ["record", "nosuchworkload"]],
      ["damon-sim record", ["record", "stairs", "--attrs", "1 2 3"]],
      ["damon-sim record", ["record", "stairs", "--attrs", "5000 100000 1000000 1000 10"]],
      ["damon-sim record", ["record", "stairs", "--sample", "-5"]],
      ["damon-sim record", ["record", "stairs", "--ops", "kvm"]],
      ["damon-sim report wss", ["report", "wss", "-r", "1", "2"]],
      ["damon-sim report heatmap", ["report", "heatmap", "--output", "x.gif"]],
      ["damon-sim adjust", ["adjust"]],
      ["damon-sim sweep", ["sweep", "-w", "stairs", "--shard", "3/2"]],
      ["damon-sim sweep", ["sweep", "-w", "nosuchworkload"]],
      ["damon-sim dbgfs", ["dbgfs", "--kernel", "4.19"]],
      ["damon-sim demo", ["demo", "extra"]],
    ] as const) {
      const result = run(...args);
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(result.stderr, args.join(" ")).toMatch(new RegExp(`^damon-sim: .+ \\(see '${help} --help'\\)\n$`));
    }
  });

  it("mount explains on one line why it cannot mount (exit 1, naming the mount point)", () => {
    const result = run("mount", "/nonexistent/mountpoint");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^damon-sim: \/nonexistent\/mountpoint: cannot mount: [^\n]+\n$/);
  });
});

describe("reports on damo's own record", () => {
  const input = join(fixtures, "damo/damon.data.json_compressed");

  it("raw and wss equal damo v3's output byte for byte", () => {
    expect(run("report", "raw", "-i", input).stdout).toBe(readFileSync(join(fixtures, "damo/expects/report-raw"), "utf8"));
    expect(run("report", "wss", "-r", "1", "101", "1", "--raw_number", "-i", input).stdout).toBe(
      readFileSync(join(fixtures, "damo/expects/report-wss"), "utf8"),
    );
    expect(run("report", "raw", "-i", join(fixtures, "damo/perf.data.script")).stdout).toBe(
      readFileSync(join(fixtures, "damo/expects/report-raw_perf_script"), "utf8"),
    );
  });

  it("nr_regions, heatmap (text, PNG, SVG) and adjust", { timeout: 30_000 }, () => {
    expect(run("report", "nr_regions", "-i", input).stdout).toMatch(/# <percentile> <# regions>/);
    const text = run("report", "heatmap", "-i", input, "--resol", "10", "30");
    expect(text.stdout.split("\n").slice(0, 10).every((l) => /^\d{30}$/.test(l))).toBe(true);
    expect(run("report", "heatmap", "-i", input, "--output", join(work, "h.png")).status).toBe(0);
    expect(readFileSync(join(work, "h.png")).subarray(1, 4).toString()).toBe("PNG");
    expect(run("report", "heatmap", "-i", input, "--output", join(work, "h.svg")).status).toBe(0);
    expect(readFileSync(join(work, "h.svg"), "utf8")).toMatch(/^<svg/);
    const adjusted = join(work, "adjusted.data");
    expect(run("adjust", "-i", input, "-o", adjusted, "--aggregate_interval", "1000000").status).toBe(0);
    expect(run("report", "raw", "-i", adjusted).stdout).toMatch(/monitoring_duration: +1\.\d+ s/);
  });

  it("a missing or corrupt input exits 1 with one line and writes nothing", () => {
    const corrupt = join(work, "corrupt.data");
    writeFileSync(corrupt, Buffer.from([0x78, 0x9c, 1, 2, 3, 4, 5]));
    for (const args of [
      ["report", "raw", "-i", join(work, "missing.data")],
      ["report", "wss", "-i", corrupt],
      ["report", "heatmap", "-i", corrupt, "--output", join(work, "bad.png")],
      ["adjust", "-i", corrupt, "-o", join(work, "bad.adjusted"), "--aggregate_interval", "1000000"],
    ]) {
      const result = run(...args);
      expect(result.status, args.join(" ")).toBe(1);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stdout).toBe("");
    }
    expect(existsSync(join(work, "bad.png"))).toBe(false);
    expect(existsSync(join(work, "bad.adjusted"))).toBe(false);
    expect(readdirSync(work).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("record", () => {
  it.each([
    ["stairs", "stairs.cfg"],
    ["zigzag", "zigzag.cfg"],
  ])("the %s masim fixture shows its pattern in the heatmap and sensible working sets", async (name, cfg) => {
    const out = join(work, `${name}.data`);
    const result = run("record", join(fixtures, "masim", cfg), "--attrs", "5000 100000 1000000 10 1000", "-o", out);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^recorded \d+ aggregations of pid \d+ to /);
    const { snapshots } = await readAllSnapshots(readFileSync(out));
    expect(snapshots.length).toBeGreaterThan(20);
    // The hot spot moves: stairs climbs through ten areas, zigzag alternates between two.
    const rows = run("report", "heatmap", "-i", out, "--resol", "20", "40").stdout.split("\n").slice(0, 20);
    const hottest = rows.map((row) => row.split("").reduce((best, c, i, all) => (c > all[best] ? i : best), 0));
    if (name === "stairs") expect(new Set(hottest.map((c) => Math.floor(c / 4))).size).toBeGreaterThan(4);
    else expect(new Set(hottest.map((c) => (c < 20 ? "a" : "b")))).toEqual(new Set(["a", "b"]));
    const wss = run("report", "wss", "-i", out, "--raw_number").stdout;
    const p50 = Number(/^ 50\s+(\d+)/m.exec(wss)![1]);
    const expected = name === "stairs" ? 10 * 2 ** 20 : 100 * 2 ** 20; // one area hot at a time
    expect(p50).toBeGreaterThan(expected * 0.5);
    expect(p50).toBeLessThan(expected * 3);
  }, 60_000);

  it("damo's spellings and the dbgfs form give the same record; output types are readable", async () => {
    const a = join(work, "a.data");
    const b = join(work, "b.data");
    expect(run("record", "hotcold", "-d", "3", "-s", "5000", "-a", "100000", "-u", "1000000", "-n", "10", "-m", "1000", "-o", a).status).toBe(0);
    expect(run("record", "hotcold", "-d", "3", "--attrs", "5000 100000 1000000 10 1000", "-o", b).status).toBe(0);
    expect(readFileSync(a)).toEqual(readFileSync(b));
    for (const type of ["json", "perf_script", "binary_v2"]) {
      const out = join(work, `t.${type}`);
      expect(run("record", "hotcold", "-d", "2", "--output_type", type, "-o", out).status).toBe(0);
      expect((await readAllSnapshots(readFileSync(out))).snapshots.length).toBe(20);
    }
  });

  it("--accuracy prints DAMON against the ground truth", () => {
    const result = run("record", "hotcold", "-d", "3", "--accuracy", "-o", join(work, "acc.data"));
    expect(result.stdout).toMatch(/WSS relative error [\d.]+ %/);
    expect(result.stdout).toMatch(/precision [\d.]+ %, recall [\d.]+ %/);
  });

  it("Ctrl-C leaves a complete, readable record of what was simulated", async () => {
    const out = join(work, "interrupted.data");
    const config = join(work, "long.cfg");
    writeFileSync(config, "a, 1073741824\n\nlong\n3600000\na, 1, 4096, 1\n");
    // The exact engine touches every access, so an hour of it takes far longer than the test.
    const child = spawn(process.execPath, [cli, "record", config, "--engine", "exact", "-o", out], { cwd: work });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("exit", r));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^interrupted: recorded (\d+) aggregations/);
    const recorded = Number(/recorded (\d+)/.exec(stdout)![1]);
    const { snapshots } = await readAllSnapshots(readFileSync(out));
    expect(snapshots.length).toBe(recorded);
    expect(readdirSync(work).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  }, 30_000);
});

describe("sweep", () => {
  it("--shard 1/2 and 2/2 together give exactly the unsharded lines", () => {
    const args = ["sweep", "-w", "hotcold", "-w", "stairs", "--seed", "0-2", "-d", "1", "-j", "2"];
    const all = run(...args);
    expect(all.status).toBe(0);
    const lines = all.stdout.trim().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines.map((l) => JSON.parse(l).index)).toEqual([0, 1, 2, 3, 4, 5]);
    const shards = [run(...args, "--shard", "1/2").stdout, run(...args, "--shard", "2/2").stdout].join("").trim().split("\n");
    expect(shards.sort()).toEqual([...lines].sort());
  }, 60_000);
});

describe("dbgfs", () => {
  it("runs a script with bash's messages and statuses", () => {
    const script = join(work, "s.sh");
    writeFileSync(script, "cd /sys/kernel/debug/damon\ncat attrs\necho 1 2 3 > attrs\n");
    const result = run("dbgfs", "--script", script);
    expect(result.stdout).toBe("5000 100000 60000000 10 1000\n");
    expect(result.stderr).toBe(`${script}: line 3: echo: write error: Invalid argument\n`);
    expect(result.status).toBe(1);
  });
});
