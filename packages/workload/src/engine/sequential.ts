import { PAGE_SIZE } from "@damon-sim/core";
import { positionAddress, type CompiledPattern } from "../compile.js";
import type { Toucher } from "./toucher.js";

/**
 * The positions `m` sequential accesses visit after position `from`: from+1, from+2, … modulo
 * the number of positions. Writes each run of consecutive positions to `out` as
 * [first, last, first, last] and returns how many runs there are: one, or two when the walk
 * wraps to offset 0. (An array rather than a callback: this runs for every stretch.)
 */
export function arcRuns(p: CompiledPattern, from: number, m: number, out: Float64Array): number {
  const k = p.positions;
  if (m >= k) {
    out[0] = 0;
    out[1] = k - 1;
    return 1;
  }
  const first = (from + 1) % k;
  const last = first + m - 1;
  out[0] = first;
  if (last < k) {
    out[1] = last;
    return 1;
  }
  out[1] = k - 1;
  out[2] = 0;
  out[3] = last - k;
  return 2;
}

/** Pages the positions [first, last] touch, an upper bound: the cost of touching them one by one. */
export function arcPages(p: CompiledPattern, first: number, last: number): number {
  const n = last - first + 1;
  return p.stride > PAGE_SIZE ? n : Math.ceil((n * p.stride) / PAGE_SIZE) + 1;
}

/** Touches every page the positions [first, last] fall on. */
export function touchArc(toucher: Toucher, p: CompiledPattern, first: number, last: number): void {
  if (p.stride <= PAGE_SIZE) {
    // Consecutive offsets are at most a page apart: every page in between is hit.
    toucher.touchRange(positionAddress(p, first), positionAddress(p, last) + 1);
    return;
  }
  for (let j = first; j <= last; j++) toucher.touch(positionAddress(p, j));
}
