// Runs the whole vitest suite (all projects), then prints one plain closing line that any CI
// can read: "N passed, N failed, N skipped". Exit status is vitest's.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "damon-sim-tests-"));
const report = join(dir, "report.json");
const args = ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)];
const run = spawnSync("npx", args, { stdio: "inherit" });

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests;
  failed = json.numFailedTests + (json.numFailedTestSuites ?? 0) - countSuitesWithFailedTests(json);
  skipped = json.numPendingTests + json.numTodoTests;
} catch {
  failed = Math.max(1, failed); // no report: the run itself failed
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exitCode = run.status === 0 && failed === 0 ? 0 : 1;

// A file that fails to load counts as a failed suite with no failed test; count it once.
function countSuitesWithFailedTests(json) {
  return json.testResults.filter((r) => r.status === "failed" && r.assertionResults.some((a) => a.status === "failed")).length;
}
