// DAMON's hot loops over a region table that JS lays out in shared memory.
// Rules: no allocation, pointers in, results written to memory or returned as u32,
// one call per pass over all regions of a context (see ./layout.ts).
import {
  REGION_START, REGION_END, REGION_SAMPLING_ADDR, REGION_NR_ACCESSES, REGION_AGE,
  REGION_LAST_NR_ACCESSES, REGION_NR_ACCESSES_BP, REGION_TARGET, REGION_SAMPLING_WORD, REGION_BYTES,
  TARGET_ROOT, TARGET_NR_REGIONS, TARGET_PENDING, PENDING_COINS, PENDING_EFFECTS, PENDING_NR_EFFECTS, TARGET_FIRST_REGION, TARGET_BYTES,
  CTX_RNG, CTX_REGIONS, CTX_SPARE, CTX_NR_REGIONS, CTX_TARGETS, CTX_NR_TARGETS,
  CTX_MIN_REGION, CTX_SZ_LIMIT, CTX_MAX_NR_REGIONS, CTX_MAX_THRES, CTX_BP_WINDOW, CTX_FLAGS,
  CTX_KERNEL, CTX_LAST_NR_SUBS, CTX_MEM_STATICS, CTX_WORDS_FREES, CTX_CLEAR_APART, CTX_PAGES_SHARED, PAGES_UNALIGNED, CTX_BP_STEPS, CTX_BP_STEPS_WINDOW, BP_STEPS, MEM_FREES,
  FLAG_AGE, FLAG_SPLIT_KEEPS_AGE, FLAG_SPLIT_KEEPS_ACCESSES, FLAG_MERGE_UNTIL_MAX, FLAG_ACCESS_BP,
  KERNEL_LAST_NR_REGIONS,
  PAGE_SHIFT, LEAF_PAGE_BITS, MID_BITS, ADDRESS_BITS, LEAF_SWAPPED,
  EFFECT_KIND, EFFECT_ZIPF_TABLE, EFFECT_FIRST_PAGE, EFFECT_LAST_PAGE, EFFECT_BASE, EFFECT_LENGTH,
  EFFECT_STRIDE, EFFECT_POSITIONS, EFFECT_WALK_FIRST, EFFECT_WALK_LAST, EFFECT_MISS_INSIDE,
  EFFECT_MISS_FIRST_PAGE, EFFECT_MISS_LAST_PAGE, EFFECT_BYTES, EFFECT_SEQUENTIAL, EFFECT_RANDOM,
  ZIPF_EXACT_RANKS, ZIPF_PER_OCTAVE,
} from "./layout";

// ---- PRNG: xoshiro128**, state kept in globals for the length of one pass ----
let s0: u32 = 0;
let s1: u32 = 0;
let s2: u32 = 0;
let s3: u32 = 0;

// `state` points to 4 x u32 (a context's CTX_RNG, or a workload's stream).
@inline function loadRng(state: usize): void {
  s0 = load<u32>(state);
  s1 = load<u32>(state, 4);
  s2 = load<u32>(state, 8);
  s3 = load<u32>(state, 12);
}

@inline function storeRng(state: usize): void {
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

@inline function nextU32(): u32 {
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return result;
}

// Uniform in [0, n), n >= 1, by rejecting the low (2^k mod n) draws. The kernel passes only
// 32 bits of the span; we keep all 64 on purpose. Spans up to 2^53 use exactly the draws
// the TS reference can reproduce with doubles.
function randBelow(n: u64): u64 {
  if (n < 0x1_0000_0000) {
    // Lemire's multiply-shift with rejection: no division unless the low half is small.
    const n32 = <u32>n;
    let m = <u64>nextU32() * n;
    if (<u32>m < n32) {
      const t: u32 = (<u32>0 - n32) % n32;
      while (<u32>m < t) m = <u64>nextU32() * n;
    }
    return m >> 32;
  }
  if (n == 0x1_0000_0000) return <u64>nextU32();
  if (n <= 0x20_0000_0000_0000) {
    const lim: u64 = <u64>0x20_0000_0000_0000 % n;
    let r: u64;
    do {
      const hi = <u64>(nextU32() >>> 11);
      const lo = <u64>nextU32();
      r = (hi << 32) | lo;
    } while (r < lim);
    return r % n;
  }
  const lim = (0 - n) % n;
  let r: u64;
  do {
    const hi = <u64>nextU32();
    const lo = <u64>nextU32();
    r = (hi << 32) | lo;
  } while (r < lim);
  return r % n;
}

/** One draw of the PRNG, for tests that pin the sequence against the TS reference. */
export function rngNext(ctx: usize): u32 {
  loadRng(ctx + CTX_RNG);
  const r = nextU32();
  storeRng(ctx + CTX_RNG);
  return r;
}

/** randBelow on a context's PRNG, for the same tests. The result is written to `out` (u64). */
export function rngBelow(ctx: usize, n: u64, out: usize): void {
  loadRng(ctx + CTX_RNG);
  store<u64>(out, randBelow(n));
  storeRng(ctx + CTX_RNG);
}

// ---- Page tables of Accessed bits ----

// Address of the 32-bit word holding the page's bit, or 0 when the page has no leaf.
@inline function bitWord(root: usize, addr: u64): usize {
  if (addr >> ADDRESS_BITS) return 0;
  const page = addr >> PAGE_SHIFT;
  const mid = <usize>load<u32>(root + (<usize>(page >> (LEAF_PAGE_BITS + MID_BITS)) << 2));
  if (!mid) return 0;
  const leaf = <usize>load<u32>(mid + ((<usize>(page >> LEAF_PAGE_BITS) & ((1 << MID_BITS) - 1)) << 2));
  if (!leaf) return 0;
  return leaf + ((<usize>page & ((1 << LEAF_PAGE_BITS) - 1)) >> 5 << 2);
}

// The leaf holding the page's bits, or 0 when unmapped (also for addresses past the table).
@inline function leafOf(root: usize, page: u64): usize {
  if (page >> (ADDRESS_BITS - PAGE_SHIFT)) return 0;
  const mid = <usize>load<u32>(root + (<usize>(page >> (LEAF_PAGE_BITS + MID_BITS)) << 2));
  if (!mid) return 0;
  return <usize>load<u32>(mid + ((<usize>(page >> LEAF_PAGE_BITS) & ((1 << MID_BITS) - 1)) << 2));
}

@inline function bitMask(addr: u64): u32 {
  return 1 << (<u32>(addr >> PAGE_SHIFT) & 31);
}

/**
 * An access to each page whose address is in the u64 array: sets its Accessed bit and brings
 * it back if it was swapped out. Returns the number of major faults (swapped pages touched).
 */
export function touchPages(root: usize, addrs: usize, count: u32): u32 {
  let faults: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const addr = load<u64>(addrs + (<usize>i << 3));
    const word = bitWord(root, addr);
    if (!word) continue;
    const mask = bitMask(addr);
    store<u32>(word, load<u32>(word) | mask);
    const swapped = load<u32>(word, LEAF_SWAPPED);
    if (swapped & mask) {
      store<u32>(word, swapped & ~mask, LEAF_SWAPPED);
      faults++;
    }
  }
  return faults;
}

const OP_CLEAR: i32 = 0; // forget Accessed bits
const OP_TOUCH: i32 = 1; // access: set Accessed, swap in; counts major faults
const OP_COUNT: i32 = 2; // count Accessed bits
const OP_PAGE_OUT: i32 = 3; // reclaim: set swapped, clear Accessed; counts newly swapped pages
const OP_PAGE_IN: i32 = 4; // swap in without an access; counts pages swapped in
const OP_COUNT_SWAPPED: i32 = 5;

// One word of a range operation: `mask` selects the pages of this word inside the range.
@inline function wordOp(w: usize, mask: u32, op: i32): u32 {
  const accessed = load<u32>(w);
  const swapped = load<u32>(w, LEAF_SWAPPED);
  switch (op) {
    case OP_CLEAR: store<u32>(w, accessed & ~mask); return 0;
    case OP_TOUCH: {
      store<u32>(w, accessed | mask);
      if (swapped & mask) store<u32>(w, swapped & ~mask, LEAF_SWAPPED);
      return popcnt<u32>(swapped & mask);
    }
    case OP_COUNT: return popcnt<u32>(accessed & mask);
    case OP_PAGE_OUT: {
      store<u32>(w, accessed & ~mask);
      store<u32>(w, swapped | mask, LEAF_SWAPPED);
      return popcnt<u32>(~swapped & mask);
    }
    case OP_PAGE_IN: {
      store<u32>(w, swapped & ~mask, LEAF_SWAPPED);
      return popcnt<u32>(swapped & mask);
    }
    default: return popcnt<u32>(swapped & mask);
  }
}

// Applies `op` to every mapped page overlapping [start, end), word by word; returns the count.
function rangeOp(root: usize, start: u64, end: u64, op: i32): f64 {
  if (end <= start) return 0;
  const limit: u64 = <u64>1 << ADDRESS_BITS;
  if (start >= limit) return 0;
  if (end > limit) end = limit;
  let page = start >> PAGE_SHIFT;
  const lastPage = (end - 1) >> PAGE_SHIFT;
  let counted: u64 = 0;
  while (page <= lastPage) {
    const leafFirst = page & ~(<u64>((1 << LEAF_PAGE_BITS) - 1));
    const leafLast = leafFirst + ((1 << LEAF_PAGE_BITS) - 1);
    const stop = lastPage < leafLast ? lastPage : leafLast;
    const word0 = bitWord(root, page << PAGE_SHIFT);
    if (word0) {
      const leaf = word0 - ((<usize>page & ((1 << LEAF_PAGE_BITS) - 1)) >> 5 << 2);
      let p = <u32>(page - leafFirst);
      const q = <u32>(stop - leafFirst);
      while (p <= q) {
        const lo = p & 31;
        const hi = (p | 31) < q ? 31 : q & 31;
        const mask: u32 = hi - lo == 31 ? 0xffff_ffff : ((<u32>1 << (hi - lo + 1)) - 1) << lo;
        counted += wordOp(leaf + (<usize>(p >> 5) << 2), mask, op);
        p = (p | 31) + 1;
      }
    }
    page = stop + 1;
  }
  return <f64>counted;
}

/** An access to every mapped page overlapping [start, end); returns the major faults. */
export function touchRange(root: usize, start: u64, end: u64): f64 {
  return rangeOp(root, start, end, OP_TOUCH);
}

/** Clears the Accessed bits of every page overlapping [start, end). */
export function clearRange(root: usize, start: u64, end: u64): void {
  rangeOp(root, start, end, OP_CLEAR);
}

/** Number of pages overlapping [start, end) whose Accessed bit is set (ground truth). */
export function countAccessed(root: usize, start: u64, end: u64): f64 {
  return rangeOp(root, start, end, OP_COUNT);
}

/** Reclaims every mapped page of [start, end) (DAMOS pageout); returns how many were resident. */
export function pageOut(root: usize, start: u64, end: u64): f64 {
  return rangeOp(root, start, end, OP_PAGE_OUT);
}

/** Brings swapped pages of [start, end) back without an access (willneed); returns how many. */
export function pageIn(root: usize, start: u64, end: u64): f64 {
  return rangeOp(root, start, end, OP_PAGE_IN);
}

/** Number of swapped-out pages overlapping [start, end). */
export function countSwapped(root: usize, start: u64, end: u64): f64 {
  return rangeOp(root, start, end, OP_COUNT_SWAPPED);
}

// ---- Sampling (spec 1.5) ----

// Whether the SAMPLING_WORDs prepare stored still point into live page tables.
@inline function storedWordsValid(ctx: usize): bool {
  return load<u32>(<usize>load<u32>(ctx + CTX_MEM_STATICS) + MEM_FREES) == load<u32>(ctx + CTX_WORDS_FREES);
}

// The word holding the bit of the page a region sampled, 0 if unmapped now: prepare's stored
// word while it can be trusted (a stored 0 is looked up again: the page may be mapped since).
@inline function sampledWord(r: usize, root: usize, wordsValid: bool): usize {
  let word = wordsValid ? <usize>load<u32>(r + REGION_SAMPLING_WORD) : 0;
  if (!word) word = bitWord(root, load<u64>(r + REGION_SAMPLING_ADDR));
  return word;
}

// The coin streams: SplitMix64. One u64 of state, and its serial chain is a single add, so a
// coin costs the hot loops no registers to speak of; skipping k draws is one multiply.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

// A uniform double in [0, 1) from the draw that follows `state` (53 bits).
@inline function coinFrom(state: u64): f64 {
  let z = state;
  z = (z ^ (z >> 30)) * 0xbf58_476d_1ce4_e5b9;
  z = (z ^ (z >> 27)) * 0x94d0_49bb_1331_11eb;
  z ^= z >> 31;
  return <f64>(z >> 11) * 1.1102230246251565e-16; // 2^-53
}

// last * 10000 / window, the moving sum's per-sample step, for last < BP_STEPS: a table in the
// context's scratch block, rebuilt when the window changes (the integer divider is not
// pipelined, and a division per region per sample showed as the pass's costliest instruction).
@inline function bpStepsFor(ctx: usize, window: u32): usize {
  const table = <usize>load<u32>(ctx + CTX_BP_STEPS);
  if (load<u32>(ctx + CTX_BP_STEPS_WINDOW) != window) {
    for (let last: u32 = 0; last < <u32>BP_STEPS; last++) store<u32>(table + (<usize>last << 2), (last * 10000) / window);
    store<u32>(ctx + CTX_BP_STEPS_WINDOW, window);
  }
  return table;
}

// Step 1 of samplePass for one region: the pending accesses decided for the page it sampled.
// A touched page gets its bit or, when `slot` is not 0, its address written there (else 0).
// Returns the coin stream's state after the draw, if one was needed.
@inline function decideSampled(r: usize, root: usize, wordsValid: bool, effects: usize, nEffects: u32, coins: u64, slot: usize): u64 {
  const word = sampledWord(r, root, wordsValid);
  if (word) {
    const addr = load<u64>(r + REGION_SAMPLING_ADDR);
    const miss = missOf(effects, nEffects, addr >> PAGE_SHIFT);
    if (miss != 1) {
      let hit: u32 = 1;
      if (miss != 0) {
        // touched with probability 1 - miss
        coins += GOLDEN;
        hit = <u32>(coinFrom(coins) >= miss);
      }
      if (!slot) store<u32>(word, load<u32>(word) | (hit << (<u32>(addr >> PAGE_SHIFT) & 31)));
      else if (hit) store<u64>(slot, addr);
    }
  }
  return coins;
}

// The last step of prepare, as a loop of its own when the last prepare saw its samples spread
// over many leaves: then the sampled pages' bitmap words miss the caches, and in this short
// loop the CPU keeps many of those misses in flight; inside the main loop, behind the chain of
// draws, it would wait for each in turn. With bitmaps in cache the main loop clears them.
@inline function clearSampledBits(table: usize, n: u32): void {
  const end = table + <usize>n * REGION_BYTES;
  for (let r = table; r < end; r += REGION_BYTES) {
    const word = <usize>load<u32>(r + REGION_SAMPLING_WORD);
    if (word) store<u32>(word, load<u32>(word) & ~bitMask(load<u64>(r + REGION_SAMPLING_ADDR)));
  }
}

// randBelow's rejection step for a span below 2^32, on the global state: rare (probability
// span / 2^32), so the hot loops call it out of line.
function lemireRetry(n32: u32, m: u64): u64 {
  const t: u32 = (<u32>0 - n32) % n32;
  while (<u32>m < t) m = <u64>nextU32() * n32;
  return m;
}

// The sampling passes, in one walk over each target's regions. Per region, in order:
//  1. a workload's pending accesses decided for the page sampled at the last prepare (set its bit);
//  2. `check`: check_accesses, counting the region if that page's bit is set;
//  3. `prepare`: prepare_access_checks, drawing a new page and clearing its bit.
// While no two regions can sample one page (CTX_PAGES_SHARED 0), this equals the steps as
// passes in sequence, also when the bit clears of step 3 run as a second loop
// (clearSampledBits); otherwise all pending decisions come first and the clears last.
// DAMON's PRNG state stays in locals: the draws form a serial chain through all regions, and
// in globals every draw would put a store and a reload on it. The draws are randBelow's, step
// for step; its rare slow paths run on the globals, spilled around them.
// Returns the largest nr_accesses (with `check`).
@inline function samplePass(ctx: usize, check: bool, prepare: bool, trackBp: bool, wordsValid: bool): u32 {
  let a: u32 = 0, b: u32 = 0, c: u32 = 0, d: u32 = 0;
  if (prepare) {
    a = load<u32>(ctx + CTX_RNG);
    b = load<u32>(ctx + CTX_RNG, 4);
    c = load<u32>(ctx + CTX_RNG, 8);
    d = load<u32>(ctx + CTX_RNG, 12);
  }
  const table = <usize>load<u32>(ctx + CTX_REGIONS);
  const targets = <usize>load<u32>(ctx + CTX_TARGETS);
  const nrTargets = load<u32>(ctx + CTX_NR_TARGETS);
  const window = load<u32>(ctx + CTX_BP_WINDOW);
  const bpSteps = trackBp && check ? bpStepsFor(ctx, window) : 0;
  const shared = load<u32>(ctx + CTX_PAGES_SHARED) != 0;
  const clearApart = prepare && (shared || load<u32>(ctx + CTX_CLEAR_APART) != 0);
  let leafSwitches: u32 = 0;
  let max: u32 = 0;
  for (let t: u32 = 0; t < nrTargets; t++) {
    const target = targets + <usize>t * TARGET_BYTES;
    const root = <usize>load<u32>(target + TARGET_ROOT);
    const nr = load<u32>(target + TARGET_NR_REGIONS);
    const first = table + <usize>load<u32>(target + TARGET_FIRST_REGION) * REGION_BYTES;
    const end = first + <usize>nr * REGION_BYTES;
    const pending = <usize>load<u32>(target + TARGET_PENDING);
    let effects: usize = 0;
    let nEffects: u32 = 0;
    let coins: u64 = 0;
    if (pending) {
      effects = <usize>load<u32>(pending + PENDING_EFFECTS);
      nEffects = root ? load<u32>(pending + PENDING_NR_EFFECTS) : 0;
      coins = load<u64>(pending + PENDING_COINS);
    }
    const coinsBefore = coins;
    // Where two regions may sample one page, every pending decision comes before any check.
    if (shared && nEffects) {
      for (let r = first; r < end; r += REGION_BYTES) coins = decideSampled(r, root, wordsValid, effects, nEffects, coins, 0);
      nEffects = 0;
    }
    // Regions are sorted by address, so consecutive samples mostly fall in one 128 MiB leaf.
    let leafKey: u64 = <u64>-1;
    let leaf: usize = 0;
    for (let r = first; r < end; r += REGION_BYTES) {
      if (nEffects) coins = decideSampled(r, root, wordsValid, effects, nEffects, coins, 0);
      if (check) {
        let accessed = false;
        if (root) {
          const word = sampledWord(r, root, wordsValid);
          accessed = word != 0 && (load<u32>(word) & bitMask(load<u64>(r + REGION_SAMPLING_ADDR))) != 0;
        }
        if (trackBp) {
          // damon_moving_sum(bp, last * 10000, window, accessed ? 10000 : 0), all u32.
          const bp = load<u32>(r + REGION_NR_ACCESSES_BP);
          const last = load<u32>(r + REGION_LAST_NR_ACCESSES);
          const step = last < <u32>BP_STEPS ? load<u32>(bpSteps + (<usize>last << 2)) : (last * 10000) / window;
          store<u32>(r + REGION_NR_ACCESSES_BP, bp - step + (accessed ? 10000 : 0));
        }
        const nrAccesses = load<u32>(r + REGION_NR_ACCESSES) + <u32>accessed;
        store<u32>(r + REGION_NR_ACCESSES, nrAccesses);
        if (nrAccesses > max) max = nrAccesses;
      }
      if (!prepare) continue;
      // Targets without memory draw nothing, as the kernel skips them.
      if (!root) {
        store<u32>(r + REGION_SAMPLING_WORD, 0);
        continue;
      }
      const start = load<u64>(r + REGION_START);
      const size = load<u64>(r + REGION_END) - start;
      let addr = start;
      if (size >= 0x1_0000_0000) {
        s0 = a; s1 = b; s2 = c; s3 = d;
        addr += randBelow(size);
        a = s0; b = s1; c = s2; d = s3;
      } else if (size) {
        // nextU32, inline
        const x = rotl<u32>(b * 5, 7) * 9;
        const shifted = b << 9;
        c ^= a;
        d ^= b;
        b ^= c;
        a ^= d;
        c ^= shifted;
        d = rotl<u32>(d, 11);
        let m = <u64>x * size;
        if (<u32>m < <u32>size) {
          s0 = a; s1 = b; s2 = c; s3 = d;
          m = lemireRetry(<u32>size, m);
          a = s0; b = s1; c = s2; d = s3;
        }
        addr += m >> 32;
      }
      store<u64>(r + REGION_SAMPLING_ADDR, addr);
      const page = addr >> PAGE_SHIFT;
      if (page >> LEAF_PAGE_BITS != leafKey) {
        leafKey = page >> LEAF_PAGE_BITS;
        leaf = leafOf(root, page);
        leafSwitches++;
      }
      const newWord = leaf ? leaf + ((<usize>page & ((1 << LEAF_PAGE_BITS) - 1)) >> 5 << 2) : 0;
      store<u32>(r + REGION_SAMPLING_WORD, <u32>newWord);
      if (newWord && !clearApart) store<u32>(newWord, load<u32>(newWord) & ~bitMask(addr));
    }
    if (pending) {
      settlePending(pending, coinsBefore, nr);
      store<u32>(target + TARGET_PENDING, 0);
    }
  }
  if (prepare) {
    const n = load<u32>(ctx + CTX_NR_REGIONS);
    if (clearApart) clearSampledBits(table, n);
    // Samples spread over many leaves (1 in 8 switching) mean bitmaps beyond the caches.
    store<u32>(ctx + CTX_CLEAR_APART, <u32>(leafSwitches * 8 > n));
    store<u32>(ctx + CTX_RNG, a);
    store<u32>(ctx + CTX_RNG, b, 4);
    store<u32>(ctx + CTX_RNG, c, 8);
    store<u32>(ctx + CTX_RNG, d, 12);
    store<u32>(ctx + CTX_WORDS_FREES, load<u32>(<usize>load<u32>(ctx + CTX_MEM_STATICS) + MEM_FREES));
  }
  return max;
}

// A pending block's end: its coin stream moved on to one draw per region, nothing left pending.
function settlePending(pending: usize, coinsBefore: u64, n: u32): void {
  // One draw per region whatever the outcomes: a SplitMix64 state just moves on by n steps.
  store<u64>(pending + PENDING_COINS, coinsBefore + <u64>n * GOLDEN);
  store<u32>(pending + PENDING_NR_EFFECTS, 0);
}

/** prepare_access_checks: a fresh sampling address per region, its page's Accessed bit cleared. */
export function prepareAccessChecks(ctx: usize): void {
  samplePass(ctx, false, true, false, false);
}

/** check_accesses: counts the regions whose sampled page was accessed; returns max nr_accesses. */
export function checkAccesses(ctx: usize): u32 {
  const trackBp = (load<u32>(ctx + CTX_FLAGS) & FLAG_ACCESS_BP) != 0;
  return trackBp ? samplePass(ctx, true, false, true, storedWordsValid(ctx)) : samplePass(ctx, true, false, false, storedWordsValid(ctx));
}

/**
 * check_accesses followed by prepare_access_checks, for the sampling intervals that neither
 * aggregate nor update the layout (19 of 20 at default attrs): one walk over the regions.
 * Same results, same draws, as the two calls in sequence.
 */
export function checkAndPrepare(ctx: usize): void {
  // Specialised on the two switches every region would test: fewer live values in the loop.
  const trackBp = (load<u32>(ctx + CTX_FLAGS) & FLAG_ACCESS_BP) != 0;
  if (storedWordsValid(ctx)) {
    if (trackBp) samplePass(ctx, true, true, true, true);
    else samplePass(ctx, true, true, false, true);
  } else if (trackBp) samplePass(ctx, true, true, true, false);
  else samplePass(ctx, true, true, false, false);
}

// ---- Aggregation (spec 1.6-1.9) ----

// A 48-byte region record as six u64 moves: cheaper than memory.copy's call for one record.
@inline function copyRegion(dst: usize, src: usize): void {
  store<u64>(dst, load<u64>(src));
  store<u64>(dst, load<u64>(src, 8), 8);
  store<u64>(dst, load<u64>(src, 16), 16);
  store<u64>(dst, load<u64>(src, 24), 24);
  store<u64>(dst, load<u64>(src, 32), 32);
  store<u64>(dst, load<u64>(src, 40), 40);
}

// The kernel's abs() on an unsigned int difference: reinterpreted as int first.
@inline function absDiff(a: u32, b: u32): u32 {
  const d = <i32>(a - b);
  return <u32>(d < 0 ? -d : d);
}

// Rebuilds the per-target counts and first indices after a pass rewrote the table.
function recountTargets(ctx: usize, table: usize, n: u32): void {
  const targets = <usize>load<u32>(ctx + CTX_TARGETS);
  const nrTargets = load<u32>(ctx + CTX_NR_TARGETS);
  for (let t: u32 = 0; t < nrTargets; t++) store<u32>(targets + <usize>t * TARGET_BYTES + TARGET_NR_REGIONS, 0);
  for (let i: u32 = 0; i < n; i++) {
    const e = targets + <usize>load<u32>(table + <usize>i * REGION_BYTES + REGION_TARGET) * TARGET_BYTES;
    store<u32>(e + TARGET_NR_REGIONS, load<u32>(e + TARGET_NR_REGIONS) + 1);
  }
  let first: u32 = 0;
  for (let t: u32 = 0; t < nrTargets; t++) {
    const e = targets + <usize>t * TARGET_BYTES;
    store<u32>(e + TARGET_FIRST_REGION, first);
    first += load<u32>(e + TARGET_NR_REGIONS);
  }
}

// damon_merge_regions_of over every target at once; compacts the table in place.
function mergePass(ctx: usize, thres: u32, szLimit: u64, flags: u32): u32 {
  const table = <usize>load<u32>(ctx + CTX_REGIONS);
  const n = load<u32>(ctx + CTX_NR_REGIONS);
  const ageOn = (flags & FLAG_AGE) != 0;
  const bpOn = (flags & FLAG_ACCESS_BP) != 0;
  let w: u32 = 0;
  let prev: usize = 0;
  let prevTarget: u32 = 0xffff_ffff;
  for (let i: u32 = 0; i < n; i++) {
    const r = table + <usize>i * REGION_BYTES;
    const t = load<u32>(r + REGION_TARGET);
    const nr = load<u32>(r + REGION_NR_ACCESSES);
    let age = load<u32>(r + REGION_AGE);
    if (ageOn) {
      age = absDiff(nr, load<u32>(r + REGION_LAST_NR_ACCESSES)) > thres ? 0 : age + 1;
      store<u32>(r + REGION_AGE, age);
    }
    const start = load<u64>(r + REGION_START);
    const end = load<u64>(r + REGION_END);
    if (prev && prevTarget == t) {
      const pStart = load<u64>(prev + REGION_START);
      const pEnd = load<u64>(prev + REGION_END);
      const pNr = load<u32>(prev + REGION_NR_ACCESSES);
      const szL = pEnd - pStart;
      const szR = end - start;
      if (pEnd == start && absDiff(pNr, nr) <= thres && szL + szR <= szLimit) {
        // damon_merge_two_regions: size-weighted averages in unsigned long.
        // Two empty regions (only a DAMON_MIN_REGION beyond the kernel's makes them) weigh 0,
        // as the reference's 0/0 does, instead of trapping.
        const total = szL + szR;
        const merged = total ? <u32>((<u64>pNr * szL + <u64>nr * szR) / total) : 0;
        store<u32>(prev + REGION_NR_ACCESSES, merged);
        if (bpOn) store<u32>(prev + REGION_NR_ACCESSES_BP, merged * 10000);
        const pAge = load<u32>(prev + REGION_AGE);
        store<u32>(prev + REGION_AGE, total ? <u32>((<u64>pAge * szL + <u64>age * szR) / total) : 0);
        store<u64>(prev + REGION_END, end);
        continue;
      }
    }
    const dst = table + <usize>w * REGION_BYTES;
    if (dst != r) copyRegion(dst, r);
    prev = dst;
    prevTarget = t;
    w++;
  }
  store<u32>(ctx + CTX_NR_REGIONS, w);
  return w;
}

/**
 * kdamond_merge_regions: merges neighbours whose nr_accesses differ by at most `threshold`
 * (max_nr_accesses / 10) within the size limit in the header, ageing every region first.
 * With FLAG_MERGE_UNTIL_MAX it repeats with a doubled threshold while the context has more
 * than max_nr_regions. Returns the number of regions.
 */
export function mergeRegions(ctx: usize, threshold: u32): u32 {
  const flags = load<u32>(ctx + CTX_FLAGS);
  const szLimit = load<u64>(ctx + CTX_SZ_LIMIT);
  const maxNr = load<u32>(ctx + CTX_MAX_NR_REGIONS);
  const maxThres = load<u32>(ctx + CTX_MAX_THRES);
  let thres = threshold;
  let nr: u32;
  do {
    nr = mergePass(ctx, thres, szLimit, flags);
    thres = thres * 2 > 1 ? thres * 2 : 1;
  } while ((flags & FLAG_MERGE_UNTIL_MAX) != 0 && nr > maxNr && thres / 2 < maxThres);
  recountTargets(ctx, <usize>load<u32>(ctx + CTX_REGIONS), nr);
  return nr;
}

// Resets the aggregated counters (kdamond_reset_aggregated) and splits every region into up to
// `nrSubs` pieces (damon_split_regions_of), writing the result into the spare table.
function splitPass(ctx: usize, nrSubs: u32, reset: bool): u32 {
  const flags = load<u32>(ctx + CTX_FLAGS);
  const table = <usize>load<u32>(ctx + CTX_REGIONS);
  const n = load<u32>(ctx + CTX_NR_REGIONS);
  const saveLast = (flags & FLAG_AGE) != 0;
  if (nrSubs < 2) {
    if (reset) {
      for (let i: u32 = 0; i < n; i++) {
        const r = table + <usize>i * REGION_BYTES;
        if (saveLast) store<u32>(r + REGION_LAST_NR_ACCESSES, load<u32>(r + REGION_NR_ACCESSES));
        store<u32>(r + REGION_NR_ACCESSES, 0);
      }
    }
    store<u32>(ctx + CTX_LAST_NR_SUBS, 0);
    return n;
  }
  const keepAge = (flags & FLAG_SPLIT_KEEPS_AGE) != 0;
  const keepAccesses = (flags & FLAG_SPLIT_KEEPS_ACCESSES) != 0;
  const minRegion = load<u64>(ctx + CTX_MIN_REGION);
  const alignMask = ~(minRegion - 1);
  const out = <usize>load<u32>(ctx + CTX_SPARE);
  loadRng(ctx + CTX_RNG);
  let w: u32 = 0;
  let unaligned: u64 = 0;
  for (let i: u32 = 0; i < n; i++) {
    const src = table + <usize>i * REGION_BYTES;
    const left = out + <usize>w * REGION_BYTES;
    copyRegion(left, src);
    if (reset) {
      if (saveLast) store<u32>(left + REGION_LAST_NR_ACCESSES, load<u32>(left + REGION_NR_ACCESSES));
      store<u32>(left + REGION_NR_ACCESSES, 0);
    }
    let pieces: u32 = 1;
    let sz = load<u64>(left + REGION_END) - load<u64>(left + REGION_START);
    for (let j: u32 = 0; j < nrSubs - 1 && sz > 2 * minRegion; j++) {
      const subSz = ((<u64>(1 + <u32>randBelow(9))) * sz / 10) & alignMask;
      if (subSz == 0 || subSz >= sz) continue;
      // damon_split_region_at: the left piece shrinks, the new piece goes right after it.
      const right = left + REGION_BYTES;
      if (pieces > 1) memory.copy(right + REGION_BYTES, right, <usize>(pieces - 1) * REGION_BYTES);
      const at = load<u64>(left + REGION_START) + subSz;
      unaligned |= at & ((1 << PAGE_SHIFT) - 1);
      store<u64>(right + REGION_START, at);
      store<u64>(right + REGION_END, load<u64>(left + REGION_END));
      store<u64>(right + REGION_SAMPLING_ADDR, 0);
      store<u32>(right + REGION_NR_ACCESSES, keepAccesses ? load<u32>(left + REGION_NR_ACCESSES) : 0);
      store<u32>(right + REGION_AGE, keepAge ? load<u32>(left + REGION_AGE) : 0);
      store<u32>(right + REGION_LAST_NR_ACCESSES, keepAge ? load<u32>(left + REGION_LAST_NR_ACCESSES) : 0);
      store<u32>(right + REGION_NR_ACCESSES_BP, keepAccesses ? load<u32>(left + REGION_NR_ACCESSES_BP) : 0);
      store<u32>(right + REGION_TARGET, load<u32>(left + REGION_TARGET));
      store<u32>(right + REGION_SAMPLING_WORD, 0);
      store<u64>(left + REGION_END, at);
      pieces++;
      sz = subSz;
    }
    w += pieces;
  }
  storeRng(ctx + CTX_RNG);
  store<u32>(ctx + CTX_SPARE, <u32>table);
  store<u32>(ctx + CTX_REGIONS, <u32>out);
  store<u32>(ctx + CTX_NR_REGIONS, w);
  store<u32>(ctx + CTX_LAST_NR_SUBS, nrSubs);
  // A split inside a page lets two regions sample it (possible with a DAMON_MIN_REGION below
  // a page); merges only remove boundaries, so they never set this.
  if (unaligned) store<u32>(ctx + CTX_PAGES_SHARED, load<u32>(ctx + CTX_PAGES_SHARED) | PAGES_UNALIGNED);
  recountTargets(ctx, out, w);
  return w;
}

/**
 * kdamond_reset_aggregated + kdamond_split_regions in one pass. Uses the kernel-wide
 * last_nr_regions static (shared by every context, as in the kernel). The caller guarantees
 * the spare table holds 3 * nr_regions. Returns the number of regions.
 */
export function resetAndSplit(ctx: usize): u32 {
  const n = load<u32>(ctx + CTX_NR_REGIONS);
  const maxNr = load<u32>(ctx + CTX_MAX_NR_REGIONS);
  if (n > maxNr / 2) return splitPass(ctx, 0, true);
  const kernel = <usize>load<u32>(ctx + CTX_KERNEL);
  let nrSubs: u32 = 2;
  if (load<u32>(kernel + KERNEL_LAST_NR_REGIONS) == n && n < maxNr / 3) nrSubs = 3;
  store<u32>(kernel + KERNEL_LAST_NR_REGIONS, n);
  return splitPass(ctx, nrSubs, true);
}

/** damon_split_regions_of for every target with a given piece count (kunit); no reset. */
export function splitRegions(ctx: usize, nrSubs: u32): u32 {
  return splitPass(ctx, nrSubs, false);
}

// ---- The fast workload engine: was the page each region sampled touched? ----

// Whether a walk over positions [first, last] (offsets j * stride, clamped to length - 1) hits
// the page. All f64, the same operations as the engine's TS, so the two can never disagree.
@inline function walkHitsPage(e: usize, page: f64): bool {
  const base = load<f64>(e + EFFECT_BASE);
  const length = load<f64>(e + EFFECT_LENGTH);
  const stride = load<f64>(e + EFFECT_STRIDE);
  const pageBytes = <f64>(1 << PAGE_SHIFT);
  let lo = page * pageBytes - base;
  if (lo < 0) lo = 0;
  let hi = (page + 1) * pageBytes - base;
  if (hi > length) hi = length;
  hi -= 1;
  if (hi < lo) return false;
  if (stride == 0) return lo == 0 && load<f64>(e + EFFECT_WALK_FIRST) == 0;
  const jLo = Math.ceil(lo / stride);
  const jHi = hi >= length - 1 ? load<f64>(e + EFFECT_POSITIONS) - 1 : Math.floor(hi / stride);
  return jLo <= jHi && jLo <= load<f64>(e + EFFECT_WALK_LAST) && jHi >= load<f64>(e + EFFECT_WALK_FIRST);
}

// (1 - P(rank))^m from a table: exact ranks first, then 1/16-octave steps. Branch-free: which
// side of the exact ranks a sampled page falls on is a coin toss for the predictor.
@inline function zipfMiss(table: usize, rank: u64): f64 {
  const octave = 63 - <u64>clz<u64>(rank);
  const sub = ((rank - (<u64>1 << octave)) * <u64>ZIPF_PER_OCTAVE) >> octave;
  const log2Exact: u64 = 6; // log2(ZIPF_EXACT_RANKS)
  const stepped = <u64>ZIPF_EXACT_RANKS + (octave - log2Exact) * <u64>ZIPF_PER_OCTAVE + sub;
  const index = select<u64>(rank - 1, stepped, rank <= <u64>ZIPF_EXACT_RANKS);
  return load<f64>(table + (<usize>index << 3));
}

// The probability that no effect touched the page.
@inline function missOf(effects: usize, nEffects: u32, page: u64): f64 {
  let miss: f64 = 1;
  const end = effects + <usize>nEffects * EFFECT_BYTES;
  for (let e = effects; e < end; e += EFFECT_BYTES) {
    const firstPage = load<u64>(e + EFFECT_FIRST_PAGE);
    const lastPage = load<u64>(e + EFFECT_LAST_PAGE);
    if (page < firstPage || page > lastPage) continue;
    const kind = load<u32>(e + EFFECT_KIND);
    if (kind == EFFECT_SEQUENTIAL) {
      if (walkHitsPage(e, <f64><i64>page)) return 0;
    } else if (kind == EFFECT_RANDOM) {
      miss *= page > firstPage && page < lastPage
        ? load<f64>(e + EFFECT_MISS_INSIDE)
        : load<f64>(e + (page == firstPage ? EFFECT_MISS_FIRST_PAGE : EFFECT_MISS_LAST_PAGE));
    } else {
      miss *= zipfMiss(<usize>load<u32>(e + EFFECT_ZIPF_TABLE), page - firstPage + 1);
    }
  }
  return miss;
}

/**
 * A pending block decided now, for `n` regions of one target (a slice of a region table) whose
 * page table is at `root`: for when no sampling pass will take it (several contexts watch the
 * process, or the process has swapped pages and touches must count major faults). Touched
 * sampled pages get their Accessed bit or, when `out` is not 0, have their addresses written
 * there (u64s) for the caller to touch. Consumes the block as samplePass does. Returns the
 * number of addresses written.
 */
export function touchSampled(root: usize, regions: usize, n: u32, pending: usize, out: usize): u32 {
  const effects = <usize>load<u32>(pending + PENDING_EFFECTS);
  const nEffects = root ? load<u32>(pending + PENDING_NR_EFFECTS) : 0;
  const coinsBefore = load<u64>(pending + PENDING_COINS);
  let coins = coinsBefore;
  let written: u32 = 0;
  const end = regions + <usize>n * REGION_BYTES;
  for (let r = regions; nEffects && r < end; r += REGION_BYTES) {
    // Page tables may have changed since prepare: look every sampled page up again.
    if (!out) {
      coins = decideSampled(r, root, false, effects, nEffects, coins, 0);
      continue;
    }
    const slot = out + (<usize>written << 3);
    store<u64>(slot, 0);
    coins = decideSampled(r, root, false, effects, nEffects, coins, slot);
    if (load<u64>(slot)) written++;
  }
  settlePending(pending, coinsBefore, n);
  return written;
}

/** The first address JS may use; everything below belongs to the module. */
export function heapBase(): usize {
  return __heap_base;
}
