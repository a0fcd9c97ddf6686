// `npm run fuzz`: the *.fuzz.test.ts properties with FUZZ_RUNS cases each (scaled by each
// property's weight; the default gives over a million in all), then the cases per target.
// FUZZ_RUNS=<n> and FC_SEED=<n> change the count and the seed; arguments go to vitest.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const runs = process.env.FUZZ_RUNS ?? "52000";
const dir = mkdtempSync(join(tmpdir(), "damon-sim-fuzz-"));
const tally = join(dir, "tally.jsonl");
const started = performance.now();
const run = spawnSync("npx", ["vitest", "run", "--testTimeout=0", ...process.argv.slice(2), "fuzz"], {
  stdio: "inherit",
  env: { ...process.env, FUZZ_RUNS: runs, FUZZ_TALLY: tally },
});
const seconds = (performance.now() - started) / 1000;

let rows = [];
try {
  rows = readFileSync(tally, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
} catch {
  // no property finished
}
rmSync(dir, { recursive: true, force: true });
const byTarget = new Map();
for (const r of rows) {
  const t = byTarget.get(r.target) ?? { cases: 0, ms: 0 };
  t.cases += r.cases;
  t.ms += r.ms;
  byTarget.set(r.target, t);
}
const width = Math.max(6, ...[...byTarget.keys()].map((k) => k.length));
const lines = [...byTarget].sort(([a], [b]) => a.localeCompare(b)).map(([target, t]) => `${target.padEnd(width)}  ${String(t.cases).padStart(9)}  ${(t.ms / 1000).toFixed(1).padStart(7)} s`);
const total = [...byTarget.values()].reduce((n, t) => n + t.cases, 0);
process.stdout.write(`\nfuzz cases per target (FUZZ_RUNS=${runs}, seed ${process.env.FC_SEED ?? "20261206"}):\n${lines.join("\n")}\n`);
process.stdout.write(`${"total".padEnd(width)}  ${String(total).padStart(9)}  in ${seconds.toFixed(0)} s\n`);
process.exitCode = run.status === 0 ? 0 : 1;
