import { ADDRESS_BITS, LEAF_BYTES, LEAF_PAGE_BITS, LEAF_SWAPPED, MID_BITS, NODE_BYTES, PAGE_SHIFT } from "@damon-sim/wasm";
import { DamonError } from "./errors.js";
import type { SimMemory } from "./memory.js";

export const PAGE_SIZE = 2 ** PAGE_SHIFT;
/** Bytes of address space one leaf bitmap covers (128 MiB). */
export const LEAF_SPAN = 2 ** (PAGE_SHIFT + LEAF_PAGE_BITS);
const MID_SPAN = LEAF_SPAN * 2 ** MID_BITS;
/** The end of what a page table can map: x86-64's 47-bit user address space. */
export const ADDRESS_LIMIT = 2 ** ADDRESS_BITS;

/**
 * A sparse page table in simulation memory: per 4 KiB page an Accessed bit and a "swapped"
 * bit. Leaves exist only where something is mapped, so a 128 TiB address space with a few
 * GiB mapped costs kilobytes. Mapped pages are resident (as if populated) until paged out;
 * touching a paged-out page is a major fault and brings it back.
 */
export class AddressSpace {
  readonly root: number;
  readonly #mem: SimMemory;
  #leaves = 0;
  #scratch = 0;
  #scratchBytes = 0;
  #majorFaults = 0;
  #swapped = 0;

  constructor(mem: SimMemory) {
    this.#mem = mem;
    this.root = mem.alloc(NODE_BYTES);
  }

  /** Number of leaves allocated (each covers LEAF_SPAN bytes). */
  get leaves(): number {
    return this.#leaves;
  }

  /** Accesses that found their page swapped out, since creation. */
  get majorFaults(): number {
    return this.#majorFaults;
  }

  /** Pages currently swapped out. */
  get swappedPages(): number {
    return this.#swapped;
  }

  /** Makes [start, end) able to hold Accessed bits. */
  map(start: number, end: number): void {
    checkRange(start, end);
    for (let leafStart = floorTo(start, LEAF_SPAN); leafStart < end; leafStart += LEAF_SPAN) {
      const midSlot = this.root + Math.floor(leafStart / MID_SPAN) * 4;
      let mid = this.#mem.u32[midSlot >>> 2];
      if (!mid) {
        mid = this.#mem.alloc(NODE_BYTES);
        this.#mem.u32[midSlot >>> 2] = mid;
      }
      const leafSlot = mid + (Math.floor(leafStart / LEAF_SPAN) % 2 ** MID_BITS) * 4;
      if (!this.#mem.u32[leafSlot >>> 2]) {
        const leaf = this.#mem.alloc(LEAF_BYTES);
        this.#mem.u32[leafSlot >>> 2] = leaf;
        this.#leaves++;
      }
    }
  }

  /**
   * Forgets the Accessed bits of [start, end) and frees the leaves that `inUse` says no
   * longer hold any mapping.
   */
  unmap(start: number, end: number, inUse: (leafStart: number, leafEnd: number) => boolean): void {
    checkRange(start, end);
    this.#swapped -= this.countSwapped(start, end);
    this.#mem.wasm.pageIn(this.root, lo(start), hi(end));
    this.#mem.wasm.clearRange(this.root, lo(start), hi(end));
    for (let leafStart = floorTo(start, LEAF_SPAN); leafStart < end; leafStart += LEAF_SPAN) {
      if (inUse(leafStart, leafStart + LEAF_SPAN)) continue;
      const mid = this.#mem.u32[(this.root + Math.floor(leafStart / MID_SPAN) * 4) >>> 2];
      if (!mid) continue;
      const leafSlot = mid + (Math.floor(leafStart / LEAF_SPAN) % 2 ** MID_BITS) * 4;
      const leaf = this.#mem.u32[leafSlot >>> 2];
      if (!leaf) continue;
      this.#mem.u32[leafSlot >>> 2] = 0;
      this.#mem.free(leaf, LEAF_BYTES);
      this.#leaves--;
    }
  }

  /** Frees every node. The space must not be used afterwards. */
  destroy(): void {
    const u32 = this.#mem.u32;
    for (let i = 0; i < 2 ** (ADDRESS_BITS - PAGE_SHIFT - LEAF_PAGE_BITS - MID_BITS); i++) {
      const mid = u32[(this.root >>> 2) + i];
      if (!mid) continue;
      for (let j = 0; j < 2 ** MID_BITS; j++) {
        const leaf = u32[(mid >>> 2) + j];
        if (leaf) this.#mem.free(leaf, LEAF_BYTES);
      }
      this.#mem.free(mid, NODE_BYTES);
    }
    this.#mem.free(this.root, NODE_BYTES);
    if (this.#scratch) this.#mem.free(this.#scratch, this.#scratchBytes);
    this.#leaves = 0;
  }

  /** Word address holding the page's bit, or 0 if unmapped. Mirrors the wasm lookup. */
  bitWord(addr: number): number {
    if (addr < 0 || addr >= ADDRESS_LIMIT) return 0;
    const u32 = this.#mem.u32;
    const mid = u32[(this.root >>> 2) + Math.floor(addr / MID_SPAN)];
    if (!mid) return 0;
    const leaf = u32[(mid >>> 2) + (Math.floor(addr / LEAF_SPAN) % 2 ** MID_BITS)];
    if (!leaf) return 0;
    const pageInLeaf = Math.floor(addr / PAGE_SIZE) % 2 ** LEAF_PAGE_BITS;
    return leaf + (pageInLeaf >>> 5) * 4;
  }

  /** An access to the page holding `addr`: sets its Accessed bit, swaps it in if needed. */
  touch(addr: number): boolean {
    const word = this.bitWord(addr);
    if (!word) return false;
    const u32 = this.#mem.u32;
    const mask = 1 << (Math.floor(addr / PAGE_SIZE) % 32);
    u32[word >>> 2] |= mask;
    const swappedWord = (word + LEAF_SWAPPED) >>> 2;
    if (u32[swappedWord] & mask) {
      u32[swappedWord] &= ~mask;
      this.#majorFaults++;
      this.#swapped--;
    }
    return true;
  }

  /** An access to every mapped page overlapping [start, end). */
  touchRange(start: number, end: number): void {
    this.#faultedIn(this.#mem.wasm.touchRange(this.root, lo(start), hi(end)));
  }

  /** An access to each page address in `addrs[0..count)`, in one wasm call. */
  touchPages(addrs: ArrayLike<number>, count = addrs.length): void {
    const bytes = count * 8;
    if (bytes > this.#scratchBytes) {
      if (this.#scratch) this.#mem.free(this.#scratch, this.#scratchBytes);
      this.#scratchBytes = Math.max(bytes, 1024);
      this.#scratch = this.#mem.alloc(this.#scratchBytes);
    }
    const u32 = this.#mem.u32;
    const base = this.#scratch >>> 2;
    for (let i = 0; i < count; i++) {
      const addr = addrs[i];
      u32[base + 2 * i] = addr >>> 0;
      u32[base + 2 * i + 1] = Math.floor(addr / 2 ** 32);
    }
    this.#faultedIn(this.#mem.wasm.touchPages(this.root, this.#scratch, count));
  }

  /**
   * The model says every page of [start, end) was used during the current interval, without
   * saying which page a sampler would see (the fast engine): swapped pages come back as major
   * faults, Accessed bits are left alone.
   */
  markUsed(start: number, end: number): void {
    this.#faultedIn(this.#mem.wasm.pageIn(this.root, lo(start), hi(end)));
  }

  /** Reclaims every mapped page of [start, end) (DAMOS pageout); returns how many were resident. */
  pageOut(start: number, end: number): number {
    const n = this.#mem.wasm.pageOut(this.root, lo(start), hi(end));
    this.#swapped += n;
    return n;
  }

  /** Swaps pages of [start, end) back in without an access (DAMOS willneed); returns how many. */
  pageIn(start: number, end: number): number {
    const n = this.#mem.wasm.pageIn(this.root, lo(start), hi(end));
    this.#swapped -= n;
    return n;
  }

  /** Clears the Accessed bits of every page overlapping [start, end). */
  clearAccessed(start: number, end: number): void {
    this.#mem.wasm.clearRange(this.root, lo(start), hi(end));
  }

  isAccessed(addr: number): boolean {
    const word = this.bitWord(addr);
    return word !== 0 && (this.#mem.u32[word >>> 2] & (1 << (Math.floor(addr / PAGE_SIZE) % 32))) !== 0;
  }

  isSwapped(addr: number): boolean {
    const word = this.bitWord(addr);
    return word !== 0 && (this.#mem.u32[(word + LEAF_SWAPPED) >>> 2] & (1 << (Math.floor(addr / PAGE_SIZE) % 32))) !== 0;
  }

  /** Pages overlapping [start, end) whose Accessed bit is set. */
  countAccessed(start: number, end: number): number {
    return this.#mem.wasm.countAccessed(this.root, lo(start), hi(end));
  }

  /** Swapped-out pages overlapping [start, end). */
  countSwapped(start: number, end: number): number {
    return this.#mem.wasm.countSwapped(this.root, lo(start), hi(end));
  }

  #faultedIn(n: number): void {
    this.#majorFaults += n;
    this.#swapped -= n;
  }
}

// Page-granular operations take any byte range; wasm wants integer u64 bounds.
const lo = (start: number) => BigInt(Math.max(0, Math.floor(start)));
const hi = (end: number) => BigInt(Math.max(0, Math.ceil(end)));

function checkRange(start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new DamonError("EINVAL", `bad address range [${start}, ${end})`);
  }
  if (end > ADDRESS_LIMIT) {
    throw new DamonError("ERANGE", `address ${end} is beyond the 47-bit user address space`);
  }
}

function floorTo(value: number, to: number): number {
  return Math.floor(value / to) * to;
}
