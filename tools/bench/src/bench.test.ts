// Keeps `npm run bench` honest without timing anything: a tiny run must produce every ratio,
// and the native port must still compute the wasm module's region tables.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checks } from "./passes.mjs";

const main = fileURLToPath(new URL("./main.mjs", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SIM_WORKER = new URL("../../../apps/web/dist/sim-worker.js", import.meta.url);

describe("npm run bench", () => {
  it("the TS reference and wasm compute the same tables on the bench scenarios", () => {
    expect(checks("reference")).toEqual(checks("wasm"));
  });

  it("--json ends with the ratios the issue asks for", () => {
    const run = spawnSync(process.execPath, [main, "--json", "--scale", "0.002"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    const last = JSON.parse(run.stdout.trim().split("\n").pop()!);
    for (const key of ["wasm_vs_ts_sampling", "wasm_vs_ts_aggregation", "scale_1tib_vs_1gib"]) {
      expect(last[key]).toBeGreaterThan(0);
    }
    const hasCompiler = spawnSync("cc", ["--version"]).status === 0;
    if (hasCompiler) {
      expect(last.wasm_vs_native_sampling).toBeGreaterThan(0);
      expect(last.native_faithful).toBe(true);
    } else {
      expect(run.stderr).toMatch(/native C: skipped/);
    }
    // The browser side: Chromium and Node ran the web app's sim worker to the same record.
    if (existsSync(CHROMIUM) && existsSync(SIM_WORKER)) {
      expect(last.browser_vs_node).toBeGreaterThan(0);
      expect(last.browser_app_vs_node).toBeGreaterThan(0);
      expect(last.browser_node_identical).toBe(true);
      expect(run.stderr).toMatch(/records +identical in Node and Chromium/);
    } else {
      expect(last.browser_vs_node).toBeNull();
      expect(run.stderr).toMatch(/browser vs node: skipped/);
    }
  }, 120_000);

  it("rejects a bad --scale with exit 2", () => {
    const run = spawnSync(process.execPath, [main, "--scale", "-1"], { encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });
});
