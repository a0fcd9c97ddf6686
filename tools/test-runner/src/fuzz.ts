// Shared by the *.fuzz.test.ts files: one seed, a modest number of cases under `npm test`,
// FUZZ_RUNS-scaled counts under `npm run fuzz`, and a per-target tally for its summary.
import { appendFileSync } from "node:fs";
import fc from "fast-check";

/** Every property starts from this seed (FC_SEED=<n> explores others), so CI is reproducible. */
export const FUZZ_SEED = Number(process.env.FC_SEED ?? 20261206);

/**
 * Cases for one property: `ci` normally; with FUZZ_RUNS=N, N × `weight` (at least `ci`). The
 * weight lets a slow target (a kernel boot per case) take fewer cases than a fast parser.
 */
export function fuzzRuns(ci: number, weight = 1): number {
  const scaled = Number(process.env.FUZZ_RUNS ?? 0);
  return scaled > 0 ? Math.max(ci, Math.round(scaled * weight)) : ci;
}

/**
 * Checks `property` like fc.assert, then adds the cases that ran to the tally of `target` (a
 * JSON line in $FUZZ_TALLY, which `npm run fuzz` sums up at the end).
 */
export async function fuzz<T>(
  target: string,
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  runs: { ci: number; weight?: number },
  params: fc.Parameters<T> = {},
): Promise<void> {
  const started = performance.now();
  const details = await fc.check(property as fc.IAsyncProperty<T>, { seed: FUZZ_SEED, numRuns: fuzzRuns(runs.ci, runs.weight), ...params });
  if (details.failed) {
    const cause = (details as { errorInstance?: unknown }).errorInstance;
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`${target}: ${fc.defaultReportMessage(details as fc.RunDetails<T>)}\n${why}`, { cause });
  }
  const tally = process.env.FUZZ_TALLY;
  if (tally) appendFileSync(tally, `${JSON.stringify({ target, cases: details.numRuns, ms: Math.round(performance.now() - started) })}\n`);
}
