// End-to-end: the built binary, as a user runs it.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

describe("damon-sim", () => {
  it("--help and --version", () => {
    expect(run("--help").stdout).toMatch(/^Usage: damon-sim \[options\] \[command\]/);
    expect(run("--help").status).toBe(0);
    expect(run("--version").stdout).toBe("0.1.0\n");
  });

  it("demo shows the hot area found and the cold area idle", () => {
    const result = run("demo", "--seconds", "3");
    expect(result.status).toBe(0);
    const rows = result.stdout.split("\n").filter((line) => /^\s+\d+\.\d s/.test(line));
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      const [, regions, bar, hot] = row.match(/s\s+(\d+)\s+\|(.*)\|\s+([\d.]+)$/)!;
      expect(Number(regions)).toBeGreaterThanOrEqual(10);
      expect(Number(hot)).toBeCloseTo(64, 0);
      // the hot fifth of the span (low addresses) is dark, the rest blank
      expect(bar.slice(0, 10)).toMatch(/^@+$/);
      expect(bar.slice(15)).toMatch(/^ +$/);
    }
  });

  it("the same seed prints the same regions", () => {
    const strip = (s: string) => s.replace(/^ +simulated .*$/m, "");
    expect(strip(run("demo", "--seconds", "1", "--seed", "4").stdout)).toBe(strip(run("demo", "--seconds", "1", "--seed", "4").stdout));
  });

  it("mount explains on one line why it cannot mount (exit 2)", () => {
    const result = run("mount", "/nonexistent/mountpoint");
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^damon-sim: cannot mount/);
  });

  it("usage errors exit 2 with one line", () => {
    for (const args of [["frob"], ["demo", "--seconds", "x"], ["demo", "--seconds", "-1"], ["demo", "--nope"], ["demo", "extra"], ["dbgfs", "--kernel", "4.19"], []]) {
      const result = run(...args);
      expect(result.status).toBe(2);
      if (args.length) {
        expect(result.stderr.trim().split("\n")).toHaveLength(1);
        expect(result.stderr).toMatch(/^damon-sim: /);
      }
    }
  });
});
