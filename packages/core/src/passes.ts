import {
  ADDRESS_BITS, CTX_BP_WINDOW, CTX_FLAGS, CTX_KERNEL, CTX_LAST_NR_SUBS, CTX_MAX_NR_REGIONS,
  CTX_MAX_THRES, CTX_MIN_REGION, CTX_NR_REGIONS, CTX_NR_TARGETS, CTX_REGIONS, CTX_RNG, CTX_SPARE,
  CTX_SZ_LIMIT, CTX_TARGETS, FLAG_ACCESS_BP, FLAG_AGE, FLAG_MERGE_UNTIL_MAX,
  FLAG_SPLIT_KEEPS_ACCESSES, FLAG_SPLIT_KEEPS_AGE, KERNEL_LAST_NR_REGIONS, LEAF_PAGE_BITS, MID_BITS,
  PAGE_SHIFT, REGION_AGE, REGION_BYTES, REGION_END, REGION_LAST_NR_ACCESSES, REGION_NR_ACCESSES,
  REGION_NR_ACCESSES_BP, REGION_SAMPLING_ADDR, REGION_SAMPLING_WORD, REGION_START, REGION_TARGET, TARGET_BYTES,
  TARGET_FIRST_REGION, TARGET_NR_REGIONS, TARGET_PENDING, TARGET_ROOT,
} from "@damon-sim/wasm";
import type { SimMemory } from "./memory.js";
import { Rng } from "./rng.js";

/** The per-pass entry points; the wasm module's exports and the TS reference both provide them. */
export interface DamonPasses {
  prepareAccessChecks(ctx: number): void;
  checkAccesses(ctx: number): number;
  /** checkAccesses then prepareAccessChecks in one walk, for samples that do not aggregate. */
  checkAndPrepare(ctx: number): void;
  mergeRegions(ctx: number, threshold: number): number;
  resetAndSplit(ctx: number): number;
  splitRegions(ctx: number, nrSubs: number): number;
}

export type PassEngine = "wasm" | "reference";

export function passesFor(mem: SimMemory, engine: PassEngine): DamonPasses {
  return engine === "wasm" ? mem.wasm : new ReferencePasses(mem);
}

const TWO_32 = 4294967296;
const W_REGION = REGION_BYTES / 4;
const MID_SHIFT = PAGE_SHIFT + LEAF_PAGE_BITS; // address bits that pick the leaf in a middle node
const ROOT_SHIFT = MID_SHIFT + MID_BITS; // address bits that pick the middle node in the root
const MID_MASK = 2 ** MID_BITS - 1;
const WORD_MASK = 2 ** (LEAF_PAGE_BITS - 5) - 1;
const LIMIT = 2 ** ADDRESS_BITS;

/**
 * The same passes in plain TypeScript over the same memory: the oracle of the differential
 * tests and the baseline of the benchmark. Exact for addresses below 2^53 (u64 values are
 * read as two u32 halves; products that could pass 2^53 fall back to BigInt).
 */
export class ReferencePasses implements DamonPasses {
  readonly #mem: SimMemory;

  constructor(mem: SimMemory) {
    this.#mem = mem;
  }

  prepareAccessChecks(ctx: number): void {
    this.#settlePending(ctx);
    const u32 = this.#mem.u32;
    const c = ctx >>> 2;
    const rng = new Rng(u32.subarray(c + CTX_RNG / 4, c + CTX_RNG / 4 + 4));
    const table = u32[c + CTX_REGIONS / 4] >>> 2;
    const n = u32[c + CTX_NR_REGIONS / 4];
    const targets = u32[c + CTX_TARGETS / 4] >>> 2;
    let lastTarget = -1;
    let root = 0;
    for (let i = 0; i < n; i++) {
      const r = table + i * W_REGION;
      const t = u32[r + REGION_TARGET / 4];
      if (t !== lastTarget) {
        root = u32[targets + (t * TARGET_BYTES) / 4 + TARGET_ROOT / 4];
        lastTarget = t;
      }
      if (!root) {
        u32[r + REGION_SAMPLING_WORD / 4] = 0;
        continue;
      }
      const start = u64(u32, r + REGION_START / 4);
      const size = u64(u32, r + REGION_END / 4) - start;
      const addr = size ? start + rng.below(size) : start;
      u32[r + REGION_SAMPLING_ADDR / 4] = addr >>> 0;
      u32[r + REGION_SAMPLING_ADDR / 4 + 1] = Math.floor(addr / TWO_32);
      u32[r + REGION_SAMPLING_WORD / 4] = bitWord(u32, root, addr) * 4;
    }
    u32.set(rng.state(), c + CTX_RNG / 4);
    for (let i = 0; i < n; i++) {
      const r = table + i * W_REGION;
      const word = u32[r + REGION_SAMPLING_WORD / 4] >>> 2;
      if (word) u32[word] &= ~bitMask(u64(u32, r + REGION_SAMPLING_ADDR / 4));
    }
  }

  checkAccesses(ctx: number): number {
    this.#settlePending(ctx);
    const u32 = this.#mem.u32;
    const c = ctx >>> 2;
    const table = u32[c + CTX_REGIONS / 4] >>> 2;
    const n = u32[c + CTX_NR_REGIONS / 4];
    const targets = u32[c + CTX_TARGETS / 4] >>> 2;
    const trackBp = (u32[c + CTX_FLAGS / 4] & FLAG_ACCESS_BP) !== 0;
    const window = u32[c + CTX_BP_WINDOW / 4];
    let lastTarget = -1;
    let root = 0;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const r = table + i * W_REGION;
      const t = u32[r + REGION_TARGET / 4];
      if (t !== lastTarget) {
        root = u32[targets + (t * TARGET_BYTES) / 4 + TARGET_ROOT / 4];
        lastTarget = t;
      }
      let accessed = false;
      if (root) {
        const addr = u64(u32, r + REGION_SAMPLING_ADDR / 4);
        const word = bitWord(u32, root, addr);
        accessed = word !== 0 && (u32[word] & bitMask(addr)) !== 0;
      }
      if (trackBp) {
        const bp = u32[r + REGION_NR_ACCESSES_BP / 4];
        const drop = udiv(Math.imul(u32[r + REGION_LAST_NR_ACCESSES / 4], 10000) >>> 0, window);
        u32[r + REGION_NR_ACCESSES_BP / 4] = (bp - drop + (accessed ? 10000 : 0)) >>> 0;
      }
      const nr = (u32[r + REGION_NR_ACCESSES / 4] + (accessed ? 1 : 0)) >>> 0;
      u32[r + REGION_NR_ACCESSES / 4] = nr;
      if (nr > max) max = nr;
    }
    return max;
  }

  // A workload's pending accesses, decided by the module's touchSampled before the reference
  // checks: the wasm passes decide them inside their own walk, and must agree with this.
  #settlePending(ctx: number): void {
    const u32 = this.#mem.u32;
    const c = ctx >>> 2;
    const table = u32[c + CTX_REGIONS / 4];
    const targets = u32[c + CTX_TARGETS / 4];
    for (let t = 0; t < u32[c + CTX_NR_TARGETS / 4]; t++) {
      const target = (targets + t * TARGET_BYTES) >>> 2;
      const pending = u32[target + TARGET_PENDING / 4];
      if (!pending) continue;
      const first = table + u32[target + TARGET_FIRST_REGION / 4] * REGION_BYTES;
      this.#mem.wasm.touchSampled(u32[target + TARGET_ROOT / 4], first, u32[target + TARGET_NR_REGIONS / 4], pending, 0);
      u32[target + TARGET_PENDING / 4] = 0;
    }
  }

  checkAndPrepare(ctx: number): void {
    this.checkAccesses(ctx);
    this.prepareAccessChecks(ctx);
  }

  mergeRegions(ctx: number, threshold: number): number {
    const u32 = this.#mem.u32;
    const c = ctx >>> 2;
    const flags = u32[c + CTX_FLAGS / 4];
    const szLimit = u64(u32, c + CTX_SZ_LIMIT / 4);
    const maxNr = u32[c + CTX_MAX_NR_REGIONS / 4];
    const maxThres = u32[c + CTX_MAX_THRES / 4];
    let thres = threshold >>> 0;
    let nr: number;
    do {
      nr = this.#mergePass(c, thres, szLimit, flags);
      thres = Math.max((thres * 2) >>> 0, 1);
    } while ((flags & FLAG_MERGE_UNTIL_MAX) !== 0 && nr > maxNr && thres >>> 1 < maxThres);
    recountTargets(u32, c, u32[c + CTX_REGIONS / 4] >>> 2, nr);
    return nr;
  }

  resetAndSplit(ctx: number): number {
    const u32 = this.#mem.u32;
    const c = ctx >>> 2;
    const n = u32[c + CTX_NR_REGIONS / 4];
    const maxNr = u32[c + CTX_MAX_NR_REGIONS / 4];
    if (n > Math.floor(maxNr / 2)) return this.#splitPass(c, 0, true);
    const kernel = (u32[c + CTX_KERNEL / 4] + KERNEL_LAST_NR_REGIONS) >>> 2;
    const nrSubs = u32[kernel] === n && n < Math.floor(maxNr / 3) ? 3 : 2;
    u32[kernel] = n;
    return this.#splitPass(c, nrSubs, true);
  }

  splitRegions(ctx: number, nrSubs: number): number {
    return this.#splitPass(ctx >>> 2, nrSubs, false);
  }

  #mergePass(c: number, thres: number, szLimit: number, flags: number): number {
    const u32 = this.#mem.u32;
    const table = u32[c + CTX_REGIONS / 4] >>> 2;
    const n = u32[c + CTX_NR_REGIONS / 4];
    const ageOn = (flags & FLAG_AGE) !== 0;
    const bpOn = (flags & FLAG_ACCESS_BP) !== 0;
    let w = 0;
    let prev = -1;
    let prevTarget = -1;
    for (let i = 0; i < n; i++) {
      const r = table + i * W_REGION;
      const t = u32[r + REGION_TARGET / 4];
      const nr = u32[r + REGION_NR_ACCESSES / 4];
      let age = u32[r + REGION_AGE / 4];
      if (ageOn) {
        age = absDiff(nr, u32[r + REGION_LAST_NR_ACCESSES / 4]) > thres ? 0 : (age + 1) >>> 0;
        u32[r + REGION_AGE / 4] = age;
      }
      const start = u64(u32, r + REGION_START / 4);
      const end = u64(u32, r + REGION_END / 4);
      if (prev >= 0 && prevTarget === t) {
        const pEnd = u64(u32, prev + REGION_END / 4);
        const pNr = u32[prev + REGION_NR_ACCESSES / 4];
        const szL = pEnd - u64(u32, prev + REGION_START / 4);
        const szR = end - start;
        if (pEnd === start && absDiff(pNr, nr) <= thres && szL + szR <= szLimit) {
          const merged = weightedAverage(pNr, szL, nr, szR);
          u32[prev + REGION_NR_ACCESSES / 4] = merged;
          if (bpOn) u32[prev + REGION_NR_ACCESSES_BP / 4] = Math.imul(merged, 10000) >>> 0;
          u32[prev + REGION_AGE / 4] = weightedAverage(u32[prev + REGION_AGE / 4], szL, age, szR);
          u32[prev + REGION_END / 4] = end >>> 0;
          u32[prev + REGION_END / 4 + 1] = Math.floor(end / TWO_32);
          continue;
        }
      }
      const dst = table + w * W_REGION;
      if (dst !== r) u32.copyWithin(dst, r, r + W_REGION);
      prev = dst;
      prevTarget = t;
      w++;
    }
    u32[c + CTX_NR_REGIONS / 4] = w;
    return w;
  }

  #splitPass(c: number, nrSubs: number, reset: boolean): number {
    const u32 = this.#mem.u32;
    const flags = u32[c + CTX_FLAGS / 4];
    const table = u32[c + CTX_REGIONS / 4] >>> 2;
    const n = u32[c + CTX_NR_REGIONS / 4];
    const saveLast = (flags & FLAG_AGE) !== 0;
    if (nrSubs < 2) {
      if (reset) {
        for (let i = 0; i < n; i++) {
          const r = table + i * W_REGION;
          if (saveLast) u32[r + REGION_LAST_NR_ACCESSES / 4] = u32[r + REGION_NR_ACCESSES / 4];
          u32[r + REGION_NR_ACCESSES / 4] = 0;
        }
      }
      u32[c + CTX_LAST_NR_SUBS / 4] = 0;
      return n;
    }
    const keepAge = (flags & FLAG_SPLIT_KEEPS_AGE) !== 0;
    const keepAccesses = (flags & FLAG_SPLIT_KEEPS_ACCESSES) !== 0;
    const minRegion = u64(u32, c + CTX_MIN_REGION / 4);
    const out = u32[c + CTX_SPARE / 4] >>> 2;
    const rng = new Rng(u32.subarray(c + CTX_RNG / 4, c + CTX_RNG / 4 + 4));
    let w = 0;
    for (let i = 0; i < n; i++) {
      const left = out + w * W_REGION;
      u32.copyWithin(left, table + i * W_REGION, table + (i + 1) * W_REGION);
      if (reset) {
        if (saveLast) u32[left + REGION_LAST_NR_ACCESSES / 4] = u32[left + REGION_NR_ACCESSES / 4];
        u32[left + REGION_NR_ACCESSES / 4] = 0;
      }
      let pieces = 1;
      let sz = u64(u32, left + REGION_END / 4) - u64(u32, left + REGION_START / 4);
      for (let j = 0; j < nrSubs - 1 && sz > 2 * minRegion; j++) {
        const ratio = 1 + rng.below(9);
        const tenth = (sz - (sz % 10)) / 10;
        let subSz = ratio * tenth + Math.floor((ratio * (sz % 10)) / 10);
        subSz -= subSz % minRegion;
        if (subSz === 0 || subSz >= sz) continue;
        const right = left + W_REGION;
        if (pieces > 1) u32.copyWithin(right + W_REGION, right, right + (pieces - 1) * W_REGION);
        const at = u64(u32, left + REGION_START / 4) + subSz;
        u32[right + REGION_START / 4] = at >>> 0;
        u32[right + REGION_START / 4 + 1] = Math.floor(at / TWO_32);
        u32[right + REGION_END / 4] = u32[left + REGION_END / 4];
        u32[right + REGION_END / 4 + 1] = u32[left + REGION_END / 4 + 1];
        u32[right + REGION_SAMPLING_ADDR / 4] = 0;
        u32[right + REGION_SAMPLING_ADDR / 4 + 1] = 0;
        u32[right + REGION_NR_ACCESSES / 4] = keepAccesses ? u32[left + REGION_NR_ACCESSES / 4] : 0;
        u32[right + REGION_AGE / 4] = keepAge ? u32[left + REGION_AGE / 4] : 0;
        u32[right + REGION_LAST_NR_ACCESSES / 4] = keepAge ? u32[left + REGION_LAST_NR_ACCESSES / 4] : 0;
        u32[right + REGION_NR_ACCESSES_BP / 4] = keepAccesses ? u32[left + REGION_NR_ACCESSES_BP / 4] : 0;
        u32[right + REGION_TARGET / 4] = u32[left + REGION_TARGET / 4];
        u32[right + REGION_SAMPLING_WORD / 4] = 0;
        u32[left + REGION_END / 4] = at >>> 0;
        u32[left + REGION_END / 4 + 1] = Math.floor(at / TWO_32);
        pieces++;
        sz = subSz;
      }
      w += pieces;
    }
    u32.set(rng.state(), c + CTX_RNG / 4);
    u32[c + CTX_SPARE / 4] = table * 4;
    u32[c + CTX_REGIONS / 4] = out * 4;
    u32[c + CTX_NR_REGIONS / 4] = w;
    u32[c + CTX_LAST_NR_SUBS / 4] = nrSubs;
    recountTargets(u32, c, out, w);
    return w;
  }
}

function u64(u32: Uint32Array, word: number): number {
  const hi = u32[word + 1];
  if (hi >= 0x200000) throw new RangeError("the reference passes handle values below 2^53 only");
  return u32[word] + hi * TWO_32;
}

// The page-table walk on the two 32-bit halves of the address: int32 arithmetic only.
function bitWord(u32: Uint32Array, root: number, addr: number): number {
  if (addr >= LIMIT) return 0;
  const hi = Math.floor(addr / TWO_32);
  const lo = addr - hi * TWO_32;
  const mid = u32[(root >>> 2) + (hi >>> (ROOT_SHIFT - 32))];
  if (!mid) return 0;
  const leaf = u32[(mid >>> 2) + (((lo >>> MID_SHIFT) | (hi << (32 - MID_SHIFT))) & MID_MASK)];
  if (!leaf) return 0;
  return (leaf >>> 2) + ((lo >>> (PAGE_SHIFT + 5)) & WORD_MASK);
}

function bitMask(addr: number): number {
  return 1 << ((addr % TWO_32) >>> PAGE_SHIFT);
}

function absDiff(a: number, b: number): number {
  const d = (a - b) | 0;
  return d < 0 ? -d >>> 0 : d;
}

function udiv(a: number, b: number): number {
  return (a - (a % b)) / b;
}

// (a * szA + b * szB) / (szA + szB) in unsigned long, truncated to unsigned int.
function weightedAverage(a: number, szA: number, b: number, szB: number): number {
  const sum = a * szA + b * szB;
  if (sum <= Number.MAX_SAFE_INTEGER) return udiv(sum, szA + szB) >>> 0;
  const big = (BigInt(a) * BigInt(szA) + BigInt(b) * BigInt(szB)) & 0xffffffffffffffffn;
  return Number((big / BigInt(szA + szB)) & 0xffffffffn);
}

function recountTargets(u32: Uint32Array, c: number, table: number, n: number): void {
  const targets = u32[c + CTX_TARGETS / 4] >>> 2;
  const nrTargets = u32[c + CTX_NR_TARGETS / 4];
  const W = TARGET_BYTES / 4;
  for (let t = 0; t < nrTargets; t++) u32[targets + t * W + TARGET_NR_REGIONS / 4] = 0;
  for (let i = 0; i < n; i++) u32[targets + u32[table + i * W_REGION + REGION_TARGET / 4] * W + TARGET_NR_REGIONS / 4]++;
  let first = 0;
  for (let t = 0; t < nrTargets; t++) {
    u32[targets + t * W + TARGET_FIRST_REGION / 4] = first;
    first += u32[targets + t * W + TARGET_NR_REGIONS / 4];
  }
}
