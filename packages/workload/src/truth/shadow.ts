import { AddressSpace, type SimMemory } from "@damon-sim/core";
import { LEAF_PAGE_BITS } from "@damon-sim/wasm";
import type { TruthCollector } from "./collector.js";
import { FrequencyMapBuilder, type FrequencyMap } from "./frequency-map.js";

const LEAF_PAGES = 2 ** LEAF_PAGE_BITS;

interface Range {
  first: number;
  end: number;
  /** Windows in which each page was accessed. */
  counts: Uint32Array;
}

/**
 * The exact ground truth: a private page table that receives every access the workload makes
 * (the workload mirrors them into it). At each window's end its Accessed bits are counted per
 * page and cleared, so after an aggregation each page knows in how many windows it was used.
 */
export class ShadowCollector implements TruthCollector {
  readonly space: AddressSpace;
  readonly #mem: SimMemory;
  readonly #ranges: Range[] = [];
  readonly #unmirror: () => void;

  /** `mirror` starts sending the workload's accesses to a page table and returns the undo. */
  constructor(mem: SimMemory, domain: ReadonlyArray<[number, number]>, mirror: (space: AddressSpace) => () => void) {
    this.#mem = mem;
    this.space = new AddressSpace(mem);
    for (const [first, end] of domain) this.addPages(first, end);
    this.#unmirror = mirror(this.space);
  }

  /** Covers pages [first, end) too (a trace's newly mapped area); they must not overlap earlier ones. */
  addPages(first: number, end: number): void {
    this.space.map(first * 4096, end * 4096);
    const range = { first, end, counts: new Uint32Array(end - first) };
    const at = this.#ranges.findIndex((r) => r.first > first);
    this.#ranges.splice(at < 0 ? this.#ranges.length : at, 0, range);
  }

  openWindow(): void {
    for (const r of this.#ranges) this.space.clearAccessed(r.first * 4096, r.end * 4096);
  }

  closeWindow(): void {
    for (const r of this.#ranges) this.#count(r);
    this.openWindow();
  }

  aggregate(windows: number): FrequencyMap {
    const out = new FrequencyMapBuilder();
    for (const r of this.#ranges) {
      const counts = r.counts;
      let runStart = 0;
      for (let i = 1; i <= counts.length; i++) {
        if (i < counts.length && counts[i] === counts[runStart]) continue;
        out.push(r.first + runStart, r.first + i, windows ? counts[runStart] / windows : 0);
        runStart = i;
      }
      counts.fill(0);
    }
    return out.build();
  }

  dispose(): void {
    this.#unmirror();
    this.space.destroy();
  }

  // Walks the bitmap words of the range leaf by leaf, counting every set bit.
  #count(r: Range): void {
    for (let page = r.first; page < r.end; ) {
      const leafEnd = Math.min(r.end, (Math.floor(page / LEAF_PAGES) + 1) * LEAF_PAGES);
      const word0 = this.space.bitWord(page * 4096);
      if (word0) {
        const u32 = this.#mem.u32;
        let w = word0 >>> 2;
        for (let base = page - (page % 32); base < leafEnd; base += 32, w++) {
          let bits = u32[w];
          while (bits !== 0) {
            const low = bits & -bits;
            bits ^= low;
            const p = base + 31 - Math.clz32(low);
            if (p >= page && p < leafEnd) r.counts[p - r.first]++;
          }
        }
      }
      page = leafEnd;
    }
  }
}
