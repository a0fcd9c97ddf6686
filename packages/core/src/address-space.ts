import { ADDRESS_BITS, LEAF_PAGE_BITS, MID_BITS, NODE_BYTES, PAGE_SHIFT } from "@damon-sim/wasm";
import { DamonError } from "./errors.js";
import type { SimMemory } from "./memory.js";

export const PAGE_SIZE = 2 ** PAGE_SHIFT;
/** Bytes of address space one leaf bitmap covers (128 MiB). */
export const LEAF_SPAN = 2 ** (PAGE_SHIFT + LEAF_PAGE_BITS);
const MID_SPAN = LEAF_SPAN * 2 ** MID_BITS;
/** The end of what a page table can map: x86-64's 47-bit user address space. */
export const ADDRESS_LIMIT = 2 ** ADDRESS_BITS;

/**
 * A sparse page table of Accessed bits in simulation memory. Leaves exist only where
 * something is mapped, so a 128 TiB address space with a few GiB mapped costs kilobytes.
 */
export class AddressSpace {
  readonly root: number;
  readonly #mem: SimMemory;
  #leaves = 0;
  #scratch = 0;

  constructor(mem: SimMemory) {
    this.#mem = mem;
    this.root = mem.alloc(NODE_BYTES);
  }

  /** Number of leaf bitmaps allocated (each covers LEAF_SPAN bytes). */
  get leaves(): number {
    return this.#leaves;
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
        const leaf = this.#mem.alloc(NODE_BYTES);
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
    this.#mem.wasm.clearRange(this.root, BigInt(start), BigInt(end));
    for (let leafStart = floorTo(start, LEAF_SPAN); leafStart < end; leafStart += LEAF_SPAN) {
      if (inUse(leafStart, leafStart + LEAF_SPAN)) continue;
      const mid = this.#mem.u32[(this.root + Math.floor(leafStart / MID_SPAN) * 4) >>> 2];
      if (!mid) continue;
      const leafSlot = mid + (Math.floor(leafStart / LEAF_SPAN) % 2 ** MID_BITS) * 4;
      const leaf = this.#mem.u32[leafSlot >>> 2];
      if (!leaf) continue;
      this.#mem.u32[leafSlot >>> 2] = 0;
      this.#mem.free(leaf, NODE_BYTES);
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
        if (leaf) this.#mem.free(leaf, NODE_BYTES);
      }
      this.#mem.free(mid, NODE_BYTES);
    }
    this.#mem.free(this.root, NODE_BYTES);
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

  /** Sets the Accessed bit of the page holding `addr` (an access by the process). */
  touch(addr: number): boolean {
    const word = this.bitWord(addr);
    if (!word) return false;
    this.#mem.u32[word >>> 2] |= 1 << (Math.floor(addr / PAGE_SIZE) % 32);
    return true;
  }

  /** Sets the Accessed bit of every mapped page overlapping [start, end). */
  touchRange(start: number, end: number): void {
    this.#mem.wasm.touchRange(this.root, BigInt(start), BigInt(end));
  }

  /** Clears the Accessed bits of every page overlapping [start, end). */
  clearAccessed(start: number, end: number): void {
    this.#mem.wasm.clearRange(this.root, BigInt(start), BigInt(end));
  }

  isAccessed(addr: number): boolean {
    const word = this.bitWord(addr);
    return word !== 0 && (this.#mem.u32[word >>> 2] & (1 << (Math.floor(addr / PAGE_SIZE) % 32))) !== 0;
  }

  /** Pages overlapping [start, end) whose Accessed bit is set. */
  countAccessed(start: number, end: number): number {
    if (!this.#scratch) this.#scratch = this.#mem.alloc(8);
    this.#mem.wasm.countAccessed(this.root, BigInt(start), BigInt(end), this.#scratch);
    return this.#mem.getU64(this.#scratch);
  }
}

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
