import { PAGE_SIZE } from "@damon-sim/core";

/**
 * A piecewise-constant function over addresses: for each range [starts[i], ends[i]) the
 * fraction of sampling intervals in which its pages were accessed (0 to 1). Ranges are sorted,
 * disjoint, page-aligned, and cover every page the workload can touch.
 */
export class FrequencyMap {
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  readonly freq: Float64Array;

  constructor(starts: Float64Array, ends: Float64Array, freq: Float64Array) {
    this.starts = starts;
    this.ends = ends;
    this.freq = freq;
  }

  get length(): number {
    return this.starts.length;
  }

  /** Bytes whose frequency is at least `threshold`. */
  bytesAtLeast(threshold: number): number {
    let bytes = 0;
    for (let i = 0; i < this.length; i++) if (this.freq[i] >= threshold) bytes += this.ends[i] - this.starts[i];
    return bytes;
  }

  /** The frequency at `addr` (0 outside the map). */
  at(addr: number): number {
    let lo = 0;
    let hi = this.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (addr < this.starts[mid]) hi = mid - 1;
      else if (addr >= this.ends[mid]) lo = mid + 1;
      else return this.freq[mid];
    }
    return 0;
  }

  toJSON(): Array<{ start: number; end: number; freq: number }> {
    return Array.from(this.starts, (start, i) => ({ start, end: this.ends[i], freq: this.freq[i] }));
  }
}

/** Builds a FrequencyMap page range by page range, merging neighbours of equal value. */
export class FrequencyMapBuilder {
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  readonly #freq: number[] = [];

  /** Pages [firstPage, endPage) have frequency `freq`. Calls must come in address order. */
  push(firstPage: number, endPage: number, freq: number): void {
    if (endPage <= firstPage) return;
    const start = firstPage * PAGE_SIZE;
    const last = this.#ends.length - 1;
    if (last >= 0 && this.#ends[last] === start && this.#freq[last] === freq) {
      this.#ends[last] = endPage * PAGE_SIZE;
      return;
    }
    this.#starts.push(start);
    this.#ends.push(endPage * PAGE_SIZE);
    this.#freq.push(freq);
  }

  build(): FrequencyMap {
    return new FrequencyMap(Float64Array.from(this.#starts), Float64Array.from(this.#ends), Float64Array.from(this.#freq));
  }
}

/** Page ranges [first, end) covering the given byte ranges, sorted and merged. */
export function pageDomain(areas: ReadonlyArray<{ start: number; end: number }>): Array<[number, number]> {
  const ranges = areas
    .filter((a) => a.end > a.start)
    .map((a): [number, number] => [Math.floor(a.start / PAGE_SIZE), Math.ceil(a.end / PAGE_SIZE)])
    .sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}
