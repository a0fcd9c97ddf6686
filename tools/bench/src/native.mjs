// Builds and runs native/damon.c with the machine's C compiler, if there is one.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../native/damon.c", import.meta.url));

/** Returns the parsed JSON lines, or { skipped: reason }. */
export function runNative(scale) {
  const cc = process.env.CC ?? "cc";
  const dir = mkdtempSync(join(tmpdir(), "damon-native-"));
  try {
    const exe = join(dir, "damon-bench");
    const build = spawnSync(cc, ["-O2", "-o", exe, source], { encoding: "utf8" });
    if (build.error || build.status !== 0) {
      return { skipped: `no working C compiler (${cc}): ${build.error?.message ?? build.stderr.trim().split("\n")[0]}` };
    }
    const run = spawnSync(exe, ["--iters-scale", String(scale)], { encoding: "utf8", maxBuffer: 1 << 20 });
    if (run.status !== 0) return { skipped: `native benchmark failed: ${run.stderr.trim()}` };
    return { lines: run.stdout.trim().split("\n").map((line) => JSON.parse(line)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
