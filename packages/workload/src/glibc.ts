import { PAGE_SIZE, type Mm } from "@damon-sim/core";

// glibc malloc on x86-64: 8-byte size fields, 16-byte alignment, requests of at least the
// (initial, static) mmap threshold served by their own mmap, smaller ones from the heap.
const SIZE_SZ = 8;
const MINSIZE = 32;
const MMAP_THRESHOLD = 128 * 1024;
const TOP_PAD = 128 * 1024;
// The first heap chunk is the thread's tcache_perthread_struct (0x290 bytes), which is why a
// program's first malloc returns heap start + 0x2a0.
const TCACHE_CHUNK = 0x290;

const roundUp = (value: number, to: number) => Math.ceil(value / to) * to;

/**
 * Where glibc's malloc would put each allocation of a freshly started process: large
 * requests in their own mapping (top-down below the previous one, user memory 16 bytes past
 * its start), small ones one after another in the heap, which grows with brk as needed.
 * masim's own small allocations before its regions (config strings) are not modelled.
 */
export class GlibcMalloc {
  readonly #mm: Mm;
  #top: number;

  constructor(mm: Mm) {
    this.#mm = mm;
    const heap = mm.vmas.find((v) => v.name === "[heap]");
    this.#top = (heap ? heap.start : roundUp(mm.brk, PAGE_SIZE)) + TCACHE_CHUNK;
  }

  /** The address malloc(size) returns. */
  malloc(size: number): number {
    const nb = Math.max(MINSIZE, roundUp(size + SIZE_SZ, 16));
    if (nb >= MMAP_THRESHOLD) return this.#mmapChunk(nb);
    const chunk = this.#top;
    if (chunk + nb + MINSIZE > this.#mm.brk) {
      const want = roundUp(chunk + nb + TOP_PAD + MINSIZE, PAGE_SIZE);
      // brk blocked by a mapping: glibc falls back to mmap for the arena's new memory.
      if (this.#mm.setBrk(want) !== want) return this.#mmapChunk(nb);
    }
    this.#top += nb;
    return chunk + 2 * SIZE_SZ;
  }

  #mmapChunk(nb: number): number {
    return this.#mm.mmap(roundUp(nb + SIZE_SZ, PAGE_SIZE), { perms: "rw-p" }) + 2 * SIZE_SZ;
  }
}
