import {
  CTX_CAPACITY, CTX_NR_REGIONS, CTX_NR_TARGETS, CTX_PAGES_SHARED, PAGES_UNALIGNED, PAGE_SHIFT, CTX_REGIONS, CTX_SPARE, CTX_TARGETS,
  REGION_AGE, REGION_BYTES, REGION_END, REGION_LAST_NR_ACCESSES, REGION_NR_ACCESSES,
  REGION_NR_ACCESSES_BP, REGION_SAMPLING_ADDR, REGION_SAMPLING_WORD, REGION_START, REGION_TARGET,
  TARGET_BYTES, TARGET_FIRST_REGION, TARGET_NR_REGIONS,
} from "@damon-sim/wasm";
import type { SimMemory } from "./memory.js";

const PAGE_BYTES = 2 ** PAGE_SHIFT;

/** A region as plain data (a copy; the live table is in simulation memory). */
export interface Region {
  start: number;
  end: number;
  nrAccesses: number;
  age: number;
  lastNrAccesses: number;
  nrAccessesBp: number;
  samplingAddr: number;
}

/** An address range [start, end). */
export interface AddressRange {
  start: number;
  end: number;
}

export function newRegion(start: number, end: number): Region {
  return { start, end, nrAccesses: 0, age: 0, lastNrAccesses: 0, nrAccessesBp: 0, samplingAddr: 0 };
}

/**
 * JS access to one context's region table: reads without copying, and the structural edits
 * that happen rarely (initialisation, layout updates, DAMOS splits). The hot passes run in wasm.
 */
export class RegionTable {
  readonly #mem: SimMemory;
  readonly #ctx: number;

  constructor(mem: SimMemory, ctx: number) {
    this.#mem = mem;
    this.#ctx = ctx;
  }

  /** Regions over all targets. */
  get count(): number {
    return this.#mem.u32[(this.#ctx + CTX_NR_REGIONS) >>> 2];
  }

  get capacity(): number {
    return this.#mem.u32[(this.#ctx + CTX_CAPACITY) >>> 2];
  }

  get nrTargets(): number {
    return this.#mem.u32[(this.#ctx + CTX_NR_TARGETS) >>> 2];
  }

  /** Byte address of region `i` in the live table. */
  ptr(i: number): number {
    return this.#mem.u32[(this.#ctx + CTX_REGIONS) >>> 2] + i * REGION_BYTES;
  }

  targetOf(i: number): number {
    return this.#mem.u32[(this.ptr(i) + REGION_TARGET) >>> 2];
  }

  /** Index of the first region of target `t`. */
  firstOf(t: number): number {
    return this.#mem.u32[(this.#targets() + t * TARGET_BYTES + TARGET_FIRST_REGION) >>> 2];
  }

  /** Number of regions of target `t`. */
  countOf(t: number): number {
    return this.#mem.u32[(this.#targets() + t * TARGET_BYTES + TARGET_NR_REGIONS) >>> 2];
  }

  start(i: number): number {
    return this.#mem.getU64(this.ptr(i) + REGION_START);
  }

  end(i: number): number {
    return this.#mem.getU64(this.ptr(i) + REGION_END);
  }

  /** Exact start, for values beyond 2^53. */
  startBig(i: number): bigint {
    return this.#mem.getU64Big(this.ptr(i) + REGION_START);
  }

  endBig(i: number): bigint {
    return this.#mem.getU64Big(this.ptr(i) + REGION_END);
  }

  nrAccesses(i: number): number {
    return this.#mem.u32[(this.ptr(i) + REGION_NR_ACCESSES) >>> 2];
  }

  age(i: number): number {
    return this.#mem.u32[(this.ptr(i) + REGION_AGE) >>> 2];
  }

  /** A copy of region `i`. */
  get(i: number): Region {
    const p = this.ptr(i);
    const u32 = this.#mem.u32;
    return {
      start: this.#mem.getU64(p + REGION_START),
      end: this.#mem.getU64(p + REGION_END),
      nrAccesses: u32[(p + REGION_NR_ACCESSES) >>> 2],
      age: u32[(p + REGION_AGE) >>> 2],
      lastNrAccesses: u32[(p + REGION_LAST_NR_ACCESSES) >>> 2],
      nrAccessesBp: u32[(p + REGION_NR_ACCESSES_BP) >>> 2],
      samplingAddr: this.#mem.getU64(p + REGION_SAMPLING_ADDR),
    };
  }

  /** Writes the fields of `region` into slot `i` for target `t`. */
  set(i: number, t: number, region: Region): void {
    const p = this.ptr(i);
    const u32 = this.#mem.u32;
    this.#mem.setU64(p + REGION_START, region.start);
    this.#mem.setU64(p + REGION_END, region.end);
    this.#mem.setU64(p + REGION_SAMPLING_ADDR, region.samplingAddr);
    u32[(p + REGION_NR_ACCESSES) >>> 2] = region.nrAccesses;
    u32[(p + REGION_AGE) >>> 2] = region.age;
    u32[(p + REGION_LAST_NR_ACCESSES) >>> 2] = region.lastNrAccesses;
    u32[(p + REGION_NR_ACCESSES_BP) >>> 2] = region.nrAccessesBp;
    u32[(p + REGION_TARGET) >>> 2] = t;
    u32[(p + REGION_SAMPLING_WORD) >>> 2] = 0;
  }

  /** Copies of the regions of target `t`, or of all targets. */
  list(t?: number): Region[] {
    const from = t === undefined ? 0 : this.firstOf(t);
    const to = t === undefined ? this.count : from + this.countOf(t);
    const out: Region[] = [];
    for (let i = from; i < to; i++) out.push(this.get(i));
    return out;
  }

  /** Replaces every region of target `t` (kept in address order by the caller). */
  replace(t: number, regions: readonly Region[]): void {
    const from = this.firstOf(t);
    const old = this.countOf(t);
    const total = this.count;
    const next = total - old + regions.length;
    this.ensureCapacity(next);
    const u8 = this.#mem.u8;
    const base = this.ptr(0);
    // Move the following targets' regions to their new place, then write ours.
    u8.copyWithin(base + (from + regions.length) * REGION_BYTES, base + (from + old) * REGION_BYTES, base + total * REGION_BYTES);
    for (let k = 0; k < regions.length; k++) this.set(from + k, t, regions[k]);
    this.#setCount(next);
  }

  /** Removes every region of every target. */
  clear(): void {
    this.#setCount(0);
  }

  /** Grows both tables (live and spare) to hold at least `n` regions. */
  ensureCapacity(n: number): void {
    const capacity = this.capacity;
    if (n <= capacity) return;
    const next = Math.max(n, capacity * 2, 16);
    const u32 = this.#mem.u32;
    const live = u32[(this.#ctx + CTX_REGIONS) >>> 2];
    const spare = u32[(this.#ctx + CTX_SPARE) >>> 2];
    const newLive = this.#mem.alloc(next * REGION_BYTES);
    const newSpare = this.#mem.alloc(next * REGION_BYTES);
    const u8 = this.#mem.u8;
    if (live) u8.copyWithin(newLive, live, live + this.count * REGION_BYTES);
    if (live) this.#mem.free(live, capacity * REGION_BYTES);
    if (spare) this.#mem.free(spare, capacity * REGION_BYTES);
    const w = this.#mem.u32;
    w[(this.#ctx + CTX_REGIONS) >>> 2] = newLive;
    w[(this.#ctx + CTX_SPARE) >>> 2] = newSpare;
    w[(this.#ctx + CTX_CAPACITY) >>> 2] = next;
  }

  /** Recomputes the per-target counts from the region records (after JS edits). */
  recount(): void {
    const u32 = this.#mem.u32;
    this.#checkAlignment();
    const targets = this.#targets();
    const nrTargets = this.nrTargets;
    for (let t = 0; t < nrTargets; t++) u32[(targets + t * TARGET_BYTES + TARGET_NR_REGIONS) >>> 2] = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = (targets + this.targetOf(i) * TARGET_BYTES + TARGET_NR_REGIONS) >>> 2;
      u32[slot]++;
    }
    let first = 0;
    for (let t = 0; t < nrTargets; t++) {
      u32[(targets + t * TARGET_BYTES + TARGET_FIRST_REGION) >>> 2] = first;
      first += u32[(targets + t * TARGET_BYTES + TARGET_NR_REGIONS) >>> 2];
    }
  }

  /** Inserts `region` at index `i` for target `t`, shifting the rest right. */
  insert(i: number, t: number, region: Region): void {
    const total = this.count;
    this.ensureCapacity(total + 1);
    const base = this.ptr(0);
    this.#mem.u8.copyWithin(base + (i + 1) * REGION_BYTES, base + i * REGION_BYTES, base + total * REGION_BYTES);
    this.set(i, t, region);
    this.#setCount(total + 1);
  }

  /** Removes region `i`. */
  remove(i: number): void {
    const total = this.count;
    const base = this.ptr(0);
    this.#mem.u8.copyWithin(base + i * REGION_BYTES, base + (i + 1) * REGION_BYTES, base + total * REGION_BYTES);
    this.#setCount(total - 1);
  }

  /**
   * damon_split_region_at: region `i` keeps [start, start + size); a new region takes the
   * rest. What the new region inherits depends on the kernel version (`carry`).
   */
  splitAt(i: number, size: number, carry: { age: boolean; accesses: boolean } = { age: true, accesses: true }): void {
    const left = this.get(i);
    const right = newRegion(left.start + size, left.end);
    if (carry.age) {
      right.age = left.age;
      right.lastNrAccesses = left.lastNrAccesses;
    }
    if (carry.accesses) {
      right.nrAccesses = left.nrAccesses;
      right.nrAccessesBp = left.nrAccessesBp;
    }
    const t = this.targetOf(i);
    this.#mem.setU64(this.ptr(i) + REGION_END, left.start + size);
    this.insert(i + 1, t, right);
  }

  // Whether two regions could sample one page: a boundary inside a page, or an empty region
  // (PAGES_UNALIGNED, which the sampling passes read; the wasm split sets it too).
  #checkAlignment(): void {
    const u32 = this.#mem.u32;
    let unaligned = false;
    for (let i = 0; i < this.count && !unaligned; i++) {
      const p = this.ptr(i) >>> 2;
      const start = u32[p + REGION_START / 4];
      const end = u32[p + REGION_END / 4];
      unaligned = ((start | end) & (PAGE_BYTES - 1)) !== 0 || (start === end && u32[p + REGION_START / 4 + 1] === u32[p + REGION_END / 4 + 1]);
    }
    const slot = (this.#ctx + CTX_PAGES_SHARED) >>> 2;
    u32[slot] = unaligned ? u32[slot] | PAGES_UNALIGNED : u32[slot] & ~PAGES_UNALIGNED;
  }

  #targets(): number {
    return this.#mem.u32[(this.#ctx + CTX_TARGETS) >>> 2];
  }

  #setCount(n: number): void {
    this.#mem.u32[(this.#ctx + CTX_NR_REGIONS) >>> 2] = n;
    this.recount();
  }
}
