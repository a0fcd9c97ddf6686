/*
 * damon.c - native C baseline for the damon-sim benchmark.
 *
 * A line-by-line C99 port of the hot passes in packages/wasm/assembly/index.ts over the byte
 * layout of packages/wasm/assembly/layout.ts. Everything lives in one byte arena addressed by
 * 32-bit offsets, exactly as the AssemblyScript code addresses its wasm linear memory, so the
 * C and wasm code make the same memory accesses and the same PRNG draws. Offset 0 is the null
 * pointer; nothing is allocated below 4096.
 *
 * Benchmark only: nothing in the simulator uses this file.
 * Build: cc -O2 -o damon-bench damon.c      Usage: damon-bench [--iters-scale X]
 * Output: one JSON object per line on stdout (see README.md).
 */
#define _POSIX_C_SOURCE 199309L

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- layout.ts ---- */

#define REGION_START 0u
#define REGION_END 8u
#define REGION_SAMPLING_ADDR 16u
#define REGION_NR_ACCESSES 24u
#define REGION_AGE 28u
#define REGION_LAST_NR_ACCESSES 32u
#define REGION_NR_ACCESSES_BP 36u
#define REGION_TARGET 40u
#define REGION_SAMPLING_WORD 44u /* u32, scratch of prepare: the word holding the sampled bit (0: unmapped) */
#define REGION_BYTES 48u

#define TARGET_ROOT 0u
#define TARGET_NR_REGIONS 4u
#define TARGET_FIRST_REGION 8u
#define TARGET_RESERVED 12u
#define TARGET_BYTES 16u

#define CTX_RNG 0u
#define CTX_REGIONS 16u
#define CTX_SPARE 20u
#define CTX_CAPACITY 24u
#define CTX_NR_REGIONS 28u
#define CTX_TARGETS 32u
#define CTX_NR_TARGETS 36u
#define CTX_MIN_REGION 40u
#define CTX_SZ_LIMIT 48u
#define CTX_MAX_NR_REGIONS 56u
#define CTX_MAX_THRES 60u
#define CTX_BP_WINDOW 64u
#define CTX_FLAGS 68u
#define CTX_KERNEL 72u
#define CTX_LAST_NR_SUBS 76u
#define CTX_HEADER_BYTES 128u

#define FLAG_AGE 1u
#define FLAG_SPLIT_KEEPS_AGE 2u
#define FLAG_SPLIT_KEEPS_ACCESSES 4u
#define FLAG_MERGE_UNTIL_MAX 8u
#define FLAG_ACCESS_BP 16u

#define KERNEL_LAST_NR_REGIONS 0u
#define KERNEL_BYTES 64u

#define PAGE_SHIFT 12
#define LEAF_PAGE_BITS 15
#define MID_BITS 10
#define ROOT_BITS 10
#define NODE_BYTES 4096u
#define LEAF_BYTES 8192u /* Accessed bitmap, then the swapped bitmap */
#define ADDRESS_BITS 47

/* ---- the arena: the C stand-in for the wasm linear memory ---- */

static uint8_t *M; /* byte 0 of the arena, 64-byte aligned */

/* Little-endian loads and stores at a 32-bit offset; memcpy compiles to a plain mov. */
static inline uint32_t ld32(uint32_t p) { uint32_t v; memcpy(&v, M + p, 4); return v; }
static inline uint64_t ld64(uint32_t p) { uint64_t v; memcpy(&v, M + p, 8); return v; }
static inline void st32(uint32_t p, uint32_t v) { memcpy(M + p, &v, 4); }
static inline void st64(uint32_t p, uint64_t v) { memcpy(M + p, &v, 8); }
/* memory.copy: overlap-safe. */
static inline void mcopy(uint32_t dst, uint32_t src, uint32_t n) { memmove(M + dst, M + src, n); }

static inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

/* ---- PRNG: xoshiro128**, state kept in globals for the length of one pass ---- */
static uint32_t s0 = 0;
static uint32_t s1 = 0;
static uint32_t s2 = 0;
static uint32_t s3 = 0;

static inline void loadRng(uint32_t ctx) {
  s0 = ld32(ctx + CTX_RNG);
  s1 = ld32(ctx + CTX_RNG + 4);
  s2 = ld32(ctx + CTX_RNG + 8);
  s3 = ld32(ctx + CTX_RNG + 12);
}

static inline void storeRng(uint32_t ctx) {
  st32(ctx + CTX_RNG, s0);
  st32(ctx + CTX_RNG + 4, s1);
  st32(ctx + CTX_RNG + 8, s2);
  st32(ctx + CTX_RNG + 12, s3);
}

static inline uint32_t nextU32(void) {
  const uint32_t result = rotl32(s1 * 5u, 7) * 9u;
  const uint32_t t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl32(s3, 11);
  return result;
}

/* Uniform in [0, n), n >= 1, by rejecting the low (2^k mod n) draws (same draws as the AS). */
static uint64_t randBelow(uint64_t n) {
  if (n < 0x100000000ULL) { /* Lemire's multiply-shift with rejection */
    const uint32_t n32 = (uint32_t)n;
    uint64_t m = (uint64_t)nextU32() * n;
    if ((uint32_t)m < n32) {
      const uint32_t t = (0u - n32) % n32;
      while ((uint32_t)m < t) m = (uint64_t)nextU32() * n;
    }
    return m >> 32;
  }
  if (n == 0x100000000ULL) return (uint64_t)nextU32();
  if (n <= 0x20000000000000ULL) {
    const uint64_t lim = 0x20000000000000ULL % n;
    uint64_t r;
    do {
      const uint64_t hi = (uint64_t)(nextU32() >> 11);
      const uint64_t lo = (uint64_t)nextU32();
      r = (hi << 32) | lo;
    } while (r < lim);
    return r % n;
  }
  {
    const uint64_t lim = (0 - n) % n;
    uint64_t r;
    do {
      const uint64_t hi = (uint64_t)nextU32();
      const uint64_t lo = (uint64_t)nextU32();
      r = (hi << 32) | lo;
    } while (r < lim);
    return r % n;
  }
}

/* ---- Page tables of Accessed bits ---- */

/* Offset of the 32-bit word holding the page's bit, or 0 when the page has no leaf. */
static inline uint32_t bitWord(uint32_t root, uint64_t addr) {
  if (addr >> ADDRESS_BITS) return 0;
  const uint64_t page = addr >> PAGE_SHIFT;
  const uint32_t mid = ld32(root + ((uint32_t)(page >> (LEAF_PAGE_BITS + MID_BITS)) << 2));
  if (!mid) return 0;
  const uint32_t leaf = ld32(mid + (((uint32_t)(page >> LEAF_PAGE_BITS) & ((1u << MID_BITS) - 1)) << 2));
  if (!leaf) return 0;
  return leaf + ((((uint32_t)page & ((1u << LEAF_PAGE_BITS) - 1)) >> 5) << 2);
}

static inline uint32_t bitMask(uint64_t addr) {
  return 1u << ((uint32_t)(addr >> PAGE_SHIFT) & 31);
}

/* ---- Sampling (spec 1.5) ---- */

/*
 * prepare_access_checks: a fresh sampling address per region, its page's Accessed bit cleared.
 * Two loops: the first draws addresses and finds their bitmap words (cache-resident page-table
 * nodes), the second clears the bits. The second has no dependency between iterations, so the
 * CPU overlaps the cache misses of a large mapped area instead of serialising them.
 */
static void prepareAccessChecks(uint32_t ctx) {
  loadRng(ctx);
  const uint32_t table = ld32(ctx + CTX_REGIONS);
  const uint32_t n = ld32(ctx + CTX_NR_REGIONS);
  const uint32_t targets = ld32(ctx + CTX_TARGETS);
  uint32_t lastTarget = 0xffffffffu;
  uint32_t root = 0;
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t r = table + i * REGION_BYTES;
    const uint32_t t = ld32(r + REGION_TARGET);
    if (t != lastTarget) {
      root = ld32(targets + t * TARGET_BYTES + TARGET_ROOT);
      lastTarget = t;
    }
    if (!root) {
      st32(r + REGION_SAMPLING_WORD, 0);
      continue; /* no mm: the kernel skips the target, drawing nothing */
    }
    const uint64_t start = ld64(r + REGION_START);
    const uint64_t size = ld64(r + REGION_END) - start;
    const uint64_t addr = size ? start + randBelow(size) : start;
    st64(r + REGION_SAMPLING_ADDR, addr);
    st32(r + REGION_SAMPLING_WORD, bitWord(root, addr));
  }
  storeRng(ctx);
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t r = table + i * REGION_BYTES;
    const uint32_t word = ld32(r + REGION_SAMPLING_WORD);
    if (word) st32(word, ld32(word) & ~bitMask(ld64(r + REGION_SAMPLING_ADDR)));
  }
}

/* check_accesses: counts the regions whose sampled page was accessed; returns max nr_accesses. */
static uint32_t checkAccesses(uint32_t ctx) {
  const uint32_t table = ld32(ctx + CTX_REGIONS);
  const uint32_t n = ld32(ctx + CTX_NR_REGIONS);
  const uint32_t targets = ld32(ctx + CTX_TARGETS);
  const int trackBp = (ld32(ctx + CTX_FLAGS) & FLAG_ACCESS_BP) != 0;
  const uint32_t window = ld32(ctx + CTX_BP_WINDOW);
  uint32_t lastTarget = 0xffffffffu;
  uint32_t root = 0;
  uint32_t max = 0;
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t r = table + i * REGION_BYTES;
    const uint32_t t = ld32(r + REGION_TARGET);
    if (t != lastTarget) {
      root = ld32(targets + t * TARGET_BYTES + TARGET_ROOT);
      lastTarget = t;
    }
    int accessed = 0;
    if (root) {
      const uint64_t addr = ld64(r + REGION_SAMPLING_ADDR);
      const uint32_t word = bitWord(root, addr);
      accessed = word != 0 && (ld32(word) & bitMask(addr)) != 0;
    }
    if (trackBp) {
      /* damon_moving_sum(bp, last * 10000, window, accessed ? 10000 : 0), all u32. */
      const uint32_t bp = ld32(r + REGION_NR_ACCESSES_BP);
      const uint32_t last = ld32(r + REGION_LAST_NR_ACCESSES);
      st32(r + REGION_NR_ACCESSES_BP, bp - (last * 10000u) / window + (accessed ? 10000u : 0u));
    }
    const uint32_t nr = ld32(r + REGION_NR_ACCESSES) + (uint32_t)accessed;
    st32(r + REGION_NR_ACCESSES, nr);
    if (nr > max) max = nr;
  }
  return max;
}

/* ---- Aggregation (spec 1.6-1.9) ---- */

/* The kernel's abs() on an unsigned int difference, reinterpreted as int first (wasm wrapping:
 * INT_MIN stays 0x80000000). Done in unsigned arithmetic to avoid C's signed overflow. */
static inline uint32_t absDiff(uint32_t a, uint32_t b) {
  const uint32_t d = a - b;
  return (d & 0x80000000u) ? 0u - d : d;
}

/* Rebuilds the per-target counts and first indices after a pass rewrote the table. */
static void recountTargets(uint32_t ctx, uint32_t table, uint32_t n) {
  const uint32_t targets = ld32(ctx + CTX_TARGETS);
  const uint32_t nrTargets = ld32(ctx + CTX_NR_TARGETS);
  for (uint32_t t = 0; t < nrTargets; t++) st32(targets + t * TARGET_BYTES + TARGET_NR_REGIONS, 0);
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t e = targets + ld32(table + i * REGION_BYTES + REGION_TARGET) * TARGET_BYTES;
    st32(e + TARGET_NR_REGIONS, ld32(e + TARGET_NR_REGIONS) + 1);
  }
  uint32_t first = 0;
  for (uint32_t t = 0; t < nrTargets; t++) {
    const uint32_t e = targets + t * TARGET_BYTES;
    st32(e + TARGET_FIRST_REGION, first);
    first += ld32(e + TARGET_NR_REGIONS);
  }
}

/* damon_merge_regions_of over every target at once; compacts the table in place. */
static uint32_t mergePass(uint32_t ctx, uint32_t thres, uint64_t szLimit, uint32_t flags) {
  const uint32_t table = ld32(ctx + CTX_REGIONS);
  const uint32_t n = ld32(ctx + CTX_NR_REGIONS);
  const int ageOn = (flags & FLAG_AGE) != 0;
  const int bpOn = (flags & FLAG_ACCESS_BP) != 0;
  uint32_t w = 0;
  uint32_t prev = 0;
  uint32_t prevTarget = 0xffffffffu;
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t r = table + i * REGION_BYTES;
    const uint32_t t = ld32(r + REGION_TARGET);
    const uint32_t nr = ld32(r + REGION_NR_ACCESSES);
    uint32_t age = ld32(r + REGION_AGE);
    if (ageOn) {
      age = absDiff(nr, ld32(r + REGION_LAST_NR_ACCESSES)) > thres ? 0 : age + 1;
      st32(r + REGION_AGE, age);
    }
    const uint64_t start = ld64(r + REGION_START);
    const uint64_t end = ld64(r + REGION_END);
    if (prev && prevTarget == t) {
      const uint64_t pStart = ld64(prev + REGION_START);
      const uint64_t pEnd = ld64(prev + REGION_END);
      const uint32_t pNr = ld32(prev + REGION_NR_ACCESSES);
      const uint64_t szL = pEnd - pStart;
      const uint64_t szR = end - start;
      if (pEnd == start && absDiff(pNr, nr) <= thres && szL + szR <= szLimit) {
        /* damon_merge_two_regions: size-weighted averages in unsigned long. */
        const uint32_t merged = (uint32_t)(((uint64_t)pNr * szL + (uint64_t)nr * szR) / (szL + szR));
        st32(prev + REGION_NR_ACCESSES, merged);
        if (bpOn) st32(prev + REGION_NR_ACCESSES_BP, merged * 10000u);
        const uint32_t pAge = ld32(prev + REGION_AGE);
        st32(prev + REGION_AGE, (uint32_t)(((uint64_t)pAge * szL + (uint64_t)age * szR) / (szL + szR)));
        st64(prev + REGION_END, end);
        continue;
      }
    }
    const uint32_t dst = table + w * REGION_BYTES;
    if (dst != r) mcopy(dst, r, REGION_BYTES);
    prev = dst;
    prevTarget = t;
    w++;
  }
  st32(ctx + CTX_NR_REGIONS, w);
  return w;
}

/* kdamond_merge_regions, with FLAG_MERGE_UNTIL_MAX repeating at a doubled threshold. */
static uint32_t mergeRegions(uint32_t ctx, uint32_t threshold) {
  const uint32_t flags = ld32(ctx + CTX_FLAGS);
  const uint64_t szLimit = ld64(ctx + CTX_SZ_LIMIT);
  const uint32_t maxNr = ld32(ctx + CTX_MAX_NR_REGIONS);
  const uint32_t maxThres = ld32(ctx + CTX_MAX_THRES);
  uint32_t thres = threshold;
  uint32_t nr;
  do {
    nr = mergePass(ctx, thres, szLimit, flags);
    thres = thres * 2u > 1u ? thres * 2u : 1u;
  } while ((flags & FLAG_MERGE_UNTIL_MAX) != 0 && nr > maxNr && thres / 2u < maxThres);
  recountTargets(ctx, ld32(ctx + CTX_REGIONS), nr);
  return nr;
}

/* kdamond_reset_aggregated + damon_split_regions_of into the spare table, then the two swap. */
static uint32_t splitPass(uint32_t ctx, uint32_t nrSubs, int reset) {
  const uint32_t flags = ld32(ctx + CTX_FLAGS);
  const uint32_t table = ld32(ctx + CTX_REGIONS);
  const uint32_t n = ld32(ctx + CTX_NR_REGIONS);
  const int saveLast = (flags & FLAG_AGE) != 0;
  if (nrSubs < 2) {
    if (reset) {
      for (uint32_t i = 0; i < n; i++) {
        const uint32_t r = table + i * REGION_BYTES;
        if (saveLast) st32(r + REGION_LAST_NR_ACCESSES, ld32(r + REGION_NR_ACCESSES));
        st32(r + REGION_NR_ACCESSES, 0);
      }
    }
    st32(ctx + CTX_LAST_NR_SUBS, 0);
    return n;
  }
  const int keepAge = (flags & FLAG_SPLIT_KEEPS_AGE) != 0;
  const int keepAccesses = (flags & FLAG_SPLIT_KEEPS_ACCESSES) != 0;
  const uint64_t minRegion = ld64(ctx + CTX_MIN_REGION);
  const uint64_t alignMask = ~(minRegion - 1);
  const uint32_t out = ld32(ctx + CTX_SPARE);
  loadRng(ctx);
  uint32_t w = 0;
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t src = table + i * REGION_BYTES;
    const uint32_t left = out + w * REGION_BYTES;
    mcopy(left, src, REGION_BYTES);
    if (reset) {
      if (saveLast) st32(left + REGION_LAST_NR_ACCESSES, ld32(left + REGION_NR_ACCESSES));
      st32(left + REGION_NR_ACCESSES, 0);
    }
    uint32_t pieces = 1;
    uint64_t sz = ld64(left + REGION_END) - ld64(left + REGION_START);
    for (uint32_t j = 0; j < nrSubs - 1 && sz > 2 * minRegion; j++) {
      const uint64_t subSz = ((uint64_t)(1u + (uint32_t)randBelow(9)) * sz / 10) & alignMask;
      if (subSz == 0 || subSz >= sz) continue;
      /* damon_split_region_at: the left piece shrinks, the new piece goes right after it. */
      const uint32_t right = left + REGION_BYTES;
      if (pieces > 1) mcopy(right + REGION_BYTES, right, (pieces - 1) * REGION_BYTES);
      const uint64_t at = ld64(left + REGION_START) + subSz;
      st64(right + REGION_START, at);
      st64(right + REGION_END, ld64(left + REGION_END));
      st64(right + REGION_SAMPLING_ADDR, 0);
      st32(right + REGION_NR_ACCESSES, keepAccesses ? ld32(left + REGION_NR_ACCESSES) : 0);
      st32(right + REGION_AGE, keepAge ? ld32(left + REGION_AGE) : 0);
      st32(right + REGION_LAST_NR_ACCESSES, keepAge ? ld32(left + REGION_LAST_NR_ACCESSES) : 0);
      st32(right + REGION_NR_ACCESSES_BP, keepAccesses ? ld32(left + REGION_NR_ACCESSES_BP) : 0);
      st32(right + REGION_TARGET, ld32(left + REGION_TARGET));
      st32(right + REGION_SAMPLING_WORD, 0);
      st64(left + REGION_END, at);
      pieces++;
      sz = subSz;
    }
    w += pieces;
  }
  storeRng(ctx);
  st32(ctx + CTX_SPARE, table);
  st32(ctx + CTX_REGIONS, out);
  st32(ctx + CTX_NR_REGIONS, w);
  st32(ctx + CTX_LAST_NR_SUBS, nrSubs);
  recountTargets(ctx, out, w);
  return w;
}

/* kdamond_reset_aggregated + kdamond_split_regions, with the kernel-wide last_nr_regions. */
static uint32_t resetAndSplit(uint32_t ctx) {
  const uint32_t n = ld32(ctx + CTX_NR_REGIONS);
  const uint32_t maxNr = ld32(ctx + CTX_MAX_NR_REGIONS);
  if (n > maxNr / 2) return splitPass(ctx, 0, 1);
  const uint32_t kernel = ld32(ctx + CTX_KERNEL);
  uint32_t nrSubs = 2;
  if (ld32(kernel + KERNEL_LAST_NR_REGIONS) == n && n < maxNr / 3) nrSubs = 3;
  st32(kernel + KERNEL_LAST_NR_REGIONS, n);
  return splitPass(ctx, nrSubs, 1);
}

/* ======================= benchmark harness (not part of the port) ======================= */

#define BASE 0x7f0000000000ULL
#define GIB (1ULL << 30)
#define TIB (1ULL << 40)
#define LEAF_SPAN (1ULL << (PAGE_SHIFT + LEAF_PAGE_BITS)) /* 128 MiB */
#define MID_SPAN (LEAF_SPAN << MID_BITS)                  /* 128 GiB */
#define FLAGS_ALL (FLAG_AGE | FLAG_SPLIT_KEEPS_AGE | FLAG_SPLIT_KEEPS_ACCESSES | FLAG_MERGE_UNTIL_MAX | FLAG_ACCESS_BP)
#define REPS 5
/* iters = BASE_ITERS / N * scale, rounded, at least 1: ~200-400 ms per repetition natively. */
#define SAMPLING_GIB_BASE_ITERS 4e7 /* sampling, S = 1 GiB */
#define SAMPLING_TIB_BASE_ITERS 8e6 /* sampling, S = 1 TiB: the bitmaps (32 MiB) miss the caches */
#define AGGREGATION_BASE_ITERS 2e7

static const uint32_t CTX_SEED[4] = {0x9e3779b9u, 0x243f6a88u, 0xb7e15162u, 0x12345678u};
static const uint32_t DATA_SEED[4] = {1u, 2u, 3u, 4u};

static volatile uint32_t sink; /* every pass result ends up here */

/* A xoshiro128** stream of its own (the setup data stream); same generator and `below`. */
typedef struct { uint32_t s[4]; } Xo;

static uint32_t xoNext(Xo *x) {
  const uint32_t result = rotl32(x->s[1] * 5u, 7) * 9u;
  const uint32_t t = x->s[1] << 9;
  x->s[2] ^= x->s[0];
  x->s[3] ^= x->s[1];
  x->s[1] ^= x->s[2];
  x->s[0] ^= x->s[3];
  x->s[2] ^= t;
  x->s[3] = rotl32(x->s[3], 11);
  return result;
}

static uint32_t xoBelow(Xo *x, uint32_t n) { /* randBelow for 1 <= n < 2^32 */
  uint64_t m = (uint64_t)xoNext(x) * n;
  if ((uint32_t)m < n) {
    const uint32_t t = (0u - n) % n;
    while ((uint32_t)m < t) m = (uint64_t)xoNext(x) * n;
  }
  return (uint32_t)(m >> 32);
}

/* Bump allocator with SimMemory.alloc's rules: power-of-two size class >= 16, aligned to
 * min(size class, 4096), zeroed; the first block starts at 4096. */
static uint32_t arenaTop, arenaSize;
static void *arenaRaw;

static uint32_t sizeClass(uint32_t bytes) {
  uint32_t size = 16;
  while (size < bytes) size *= 2;
  return size;
}

static uint32_t alloc(uint32_t bytes) {
  const uint32_t size = sizeClass(bytes);
  const uint32_t to = size < 4096 ? size : 4096;
  const uint32_t ptr = (arenaTop + to - 1) / to * to;
  if ((uint64_t)ptr + size > arenaSize) {
    fprintf(stderr, "damon-bench: arena exhausted\n");
    exit(1);
  }
  arenaTop = ptr + size;
  return ptr;
}

static void arenaReset(uint64_t bytes) {
  free(arenaRaw);
  if (bytes > 0xffffffffULL) {
    fprintf(stderr, "damon-bench: arena above 4 GiB\n");
    exit(1);
  }
  arenaRaw = calloc((size_t)bytes + 64, 1);
  if (!arenaRaw) {
    fprintf(stderr, "damon-bench: out of memory\n");
    exit(1);
  }
  M = (uint8_t *)arenaRaw + ((64 - (uintptr_t)arenaRaw % 64) % 64);
  arenaSize = (uint32_t)bytes;
  arenaTop = 4096;
}

/* One simulated setup: kernel block, context, one target, its page table, two region tables. */
typedef struct {
  uint32_t kernel, ctx, targets, root, table, spare, saved;
  uint32_t n;
  uint64_t mapped;
} Sim;

/* AddressSpace.map(start, end): a mid node on first use of its slot, then the leaf. */
static void mapRange(uint32_t root, uint64_t start, uint64_t end) {
  for (uint64_t leafStart = start / LEAF_SPAN * LEAF_SPAN; leafStart < end; leafStart += LEAF_SPAN) {
    const uint32_t midSlot = root + (uint32_t)(leafStart / MID_SPAN) * 4;
    uint32_t mid = ld32(midSlot);
    if (!mid) {
      mid = alloc(NODE_BYTES);
      st32(midSlot, mid);
    }
    const uint32_t leafSlot = mid + (uint32_t)((leafStart / LEAF_SPAN) % (1u << MID_BITS)) * 4;
    if (!ld32(leafSlot)) st32(leafSlot, alloc(LEAF_BYTES));
  }
}

/* Leaf of the page at addr (mapped). */
static uint32_t leafOf(uint32_t root, uint64_t addr) {
  const uint32_t mid = ld32(root + (uint32_t)(addr / MID_SPAN) * 4);
  return ld32(mid + (uint32_t)((addr / LEAF_SPAN) % (1u << MID_BITS)) * 4);
}

static void setup(Sim *sim, uint64_t mapped, uint32_t n, int aggregation) {
  const uint64_t leaves = (mapped + LEAF_SPAN - 1) / LEAF_SPAN;
  const uint64_t mids = (mapped + MID_SPAN - 1) / MID_SPAN + 1;
  const uint32_t cap = 3 * n;
  arenaReset(4096 + 4096 + (1 + mids) * (uint64_t)NODE_BYTES + leaves * (uint64_t)LEAF_BYTES + 3 * ((uint64_t)sizeClass(cap * REGION_BYTES) + 4096));

  sim->n = n;
  sim->mapped = mapped;
  sim->kernel = alloc(KERNEL_BYTES);
  sim->ctx = alloc(CTX_HEADER_BYTES);
  sim->targets = alloc(TARGET_BYTES);
  sim->root = alloc(NODE_BYTES);
  mapRange(sim->root, BASE, BASE + mapped);
  sim->table = alloc(cap * REGION_BYTES);
  sim->spare = alloc(cap * REGION_BYTES);
  sim->saved = 0;

  /* Data stream: every leaf bitmap first, leaves in ascending address order, each leaf's
   * 1024 u32 words in order, word k = next draw (stored little-endian). */
  Xo data;
  memcpy(data.s, DATA_SEED, sizeof data.s);
  for (uint64_t a = BASE; a < BASE + mapped; a += LEAF_SPAN) {
    const uint32_t leaf = leafOf(sim->root, a);
    for (uint32_t k = 0; k < NODE_BYTES / 4; k++) st32(leaf + 4 * k, xoNext(&data));
  }

  /* Regions: N of (S/N) & ~4095 bytes, the last one extended to BASE + S; target 0. */
  const uint64_t size = (mapped / n) & ~4095ULL;
  for (uint32_t i = 0; i < n; i++) {
    const uint32_t r = sim->table + i * REGION_BYTES;
    const uint64_t start = BASE + (uint64_t)i * size;
    st64(r + REGION_START, start);
    st64(r + REGION_END, i == n - 1 ? BASE + mapped : start + size);
    if (aggregation) { /* then, per region: nr_accesses, last_nr_accesses, age */
      const uint32_t nr = xoBelow(&data, 21);
      const uint32_t last = xoBelow(&data, 21);
      const uint32_t age = xoBelow(&data, 101);
      st32(r + REGION_NR_ACCESSES, nr);
      st32(r + REGION_LAST_NR_ACCESSES, last);
      st32(r + REGION_AGE, age);
      st32(r + REGION_NR_ACCESSES_BP, nr * 10000u);
    }
  }
  if (aggregation) {
    sim->saved = alloc(n * REGION_BYTES);
    mcopy(sim->saved, sim->table, n * REGION_BYTES);
  }

  st32(sim->targets + TARGET_ROOT, sim->root);
  st32(sim->targets + TARGET_NR_REGIONS, n);
  st32(sim->targets + TARGET_FIRST_REGION, 0);

  const uint32_t c = sim->ctx;
  for (int k = 0; k < 4; k++) st32(c + CTX_RNG + 4 * (uint32_t)k, CTX_SEED[k]);
  st32(c + CTX_REGIONS, sim->table);
  st32(c + CTX_SPARE, sim->spare);
  st32(c + CTX_CAPACITY, cap);
  st32(c + CTX_NR_REGIONS, n);
  st32(c + CTX_TARGETS, sim->targets);
  st32(c + CTX_NR_TARGETS, 1);
  st64(c + CTX_MIN_REGION, 4096);
  st64(c + CTX_SZ_LIMIT, mapped / 10);
  st32(c + CTX_MAX_NR_REGIONS, 4 * n);
  st32(c + CTX_MAX_THRES, 20);
  st32(c + CTX_BP_WINDOW, 20);
  st32(c + CTX_FLAGS, FLAGS_ALL);
  st32(c + CTX_KERNEL, sim->kernel);
  st32(c + CTX_LAST_NR_SUBS, 0);
}

static uint32_t fnv1a(uint32_t p, uint32_t bytes) {
  uint32_t h = 0x811c9dc5u;
  for (uint32_t i = 0; i < bytes; i++) {
    h ^= M[p + i];
    h *= 0x01000193u;
  }
  return h;
}

static double nowNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static uint64_t itersFor(double base, uint32_t n, double scale) {
  const double it = base / n * scale + 0.5; /* rounded; no libm needed */
  return it < 2 ? 1 : (uint64_t)it;
}

/* ---- sampling ---- */

static void samplingRound(const Sim *sim) {
  prepareAccessChecks(sim->ctx);
  sink += checkAccesses(sim->ctx);
}

/* Nothing re-touches pages: every prepare clears the sampled page's bit, so the bitmaps drain
 * over the run (at 1 GiB they are all zero within the warm-up; at 1 TiB the density drifts from
 * 1/2, to ~0.42 by the end at --iters-scale 1). The state carries over from the warm-up
 * through the 5 repetitions. */
static void benchSampling(uint32_t n, uint64_t mapped, double baseIters, double scale) {
  Sim sim;
  setup(&sim, mapped, n, 0);
  const uint64_t iters = itersFor(baseIters, n, scale);
  for (uint64_t it = 0; it < iters; it++) samplingRound(&sim); /* warm-up: one repetition */
  double best = INFINITY;
  for (int rep = 0; rep < REPS; rep++) {
    const double t0 = nowNs();
    for (uint64_t it = 0; it < iters; it++) samplingRound(&sim);
    const double dt = nowNs() - t0;
    if (dt < best) best = dt;
  }
  sink += fnv1a(ld32(sim.ctx + CTX_REGIONS), n * REGION_BYTES);
  printf("{\"impl\":\"native\",\"pass\":\"sampling\",\"regions\":%u,\"mapped\":%llu,\"iters\":%llu,\"ns_per_region\":%.3f}\n",
         n, (unsigned long long)mapped, (unsigned long long)iters, best / ((double)iters * n));
  fflush(stdout);
}

static void checkSampling(void) {
  Sim sim;
  setup(&sim, GIB, 100, 0);
  for (int k = 0; k < 3; k++) samplingRound(&sim);
  printf("{\"impl\":\"native\",\"check\":\"sampling\",\"hash\":%u}\n",
         fnv1a(ld32(sim.ctx + CTX_REGIONS), sim.n * REGION_BYTES));
  fflush(stdout);
}

/* ---- aggregation ---- */

static Sim *aggSim; /* the sim `restore` works on */

/* Restore the saved table into the live table, nr_regions = N, last_nr_regions = 0, ctx PRNG. */
static void restore(void) {
  const Sim *sim = aggSim;
  mcopy(ld32(sim->ctx + CTX_REGIONS), sim->saved, sim->n * REGION_BYTES);
  st32(sim->ctx + CTX_NR_REGIONS, sim->n);
  st32(sim->kernel + KERNEL_LAST_NR_REGIONS, 0);
  for (int k = 0; k < 4; k++) st32(sim->ctx + CTX_RNG + 4 * (uint32_t)k, CTX_SEED[k]);
}

/* Called through a volatile pointer so the restore loop cannot be folded away. */
static void (*volatile restoreFn)(void) = restore;

static void aggregationRound(const Sim *sim) {
  restoreFn();
  sink += mergeRegions(sim->ctx, 2);
  sink += resetAndSplit(sim->ctx);
}

static void benchAggregation(uint32_t n, uint64_t mapped, double scale) {
  Sim sim;
  setup(&sim, mapped, n, 1);
  aggSim = &sim;
  const uint64_t iters = itersFor(AGGREGATION_BASE_ITERS, n, scale);
  for (uint64_t it = 0; it < iters; it++) aggregationRound(&sim); /* warm-up: one repetition */
  double best = INFINITY;
  for (int rep = 0; rep < REPS; rep++) {
    const double t0 = nowNs();
    for (uint64_t it = 0; it < iters; it++) aggregationRound(&sim);
    const double dt = nowNs() - t0;
    if (dt < best) best = dt;
  }
  sink += fnv1a(ld32(sim.ctx + CTX_REGIONS), ld32(sim.ctx + CTX_NR_REGIONS) * REGION_BYTES);
  double bestRestore = INFINITY;
  for (int rep = 0; rep < REPS; rep++) {
    const double t0 = nowNs();
    for (uint64_t it = 0; it < iters; it++) restoreFn();
    const double dt = nowNs() - t0;
    if (dt < bestRestore) bestRestore = dt;
  }
  sink += fnv1a(ld32(sim.ctx + CTX_REGIONS), n * REGION_BYTES);
  double net = best - bestRestore;
  if (net < 0) net = 0;
  printf("{\"impl\":\"native\",\"pass\":\"aggregation\",\"regions\":%u,\"mapped\":%llu,\"iters\":%llu,"
         "\"ns_per_region\":%.3f,\"restore_ns_per_region\":%.3f}\n",
         n, (unsigned long long)mapped, (unsigned long long)iters, net / ((double)iters * n),
         bestRestore / ((double)iters * n));
  fflush(stdout);
  aggSim = NULL;
}

static void checkAggregation(void) {
  Sim sim;
  setup(&sim, GIB, 100, 1);
  aggSim = &sim;
  aggregationRound(&sim);
  const uint32_t k = ld32(sim.ctx + CTX_NR_REGIONS);
  printf("{\"impl\":\"native\",\"check\":\"aggregation\",\"regions_after\":%u,\"hash\":%u}\n",
         k, fnv1a(ld32(sim.ctx + CTX_REGIONS), k * REGION_BYTES));
  fflush(stdout);
  aggSim = NULL;
}

int main(int argc, char **argv) {
  double scale = 1.0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--iters-scale") == 0 && i + 1 < argc) {
      char *endp;
      scale = strtod(argv[++i], &endp);
      if (*endp || !(scale > 0) || !isfinite(scale)) {
        fprintf(stderr, "damon-bench: bad --iters-scale %s\n", argv[i]);
        return 2;
      }
    } else {
      fprintf(stderr, "usage: damon-bench [--iters-scale X]\n");
      return 2;
    }
  }
  {
    const uint32_t one = 1;
    uint8_t b;
    memcpy(&b, &one, 1);
    if (b != 1) {
      fprintf(stderr, "damon-bench: needs a little-endian host (wasm memory is little-endian)\n");
      return 1;
    }
  }

  checkSampling();
  checkAggregation();

  static const uint32_t ns[3] = {10, 100, 1000};
  for (int i = 0; i < 3; i++) benchSampling(ns[i], GIB, SAMPLING_GIB_BASE_ITERS, scale);
  benchSampling(1000, TIB, SAMPLING_TIB_BASE_ITERS, scale);
  for (int i = 0; i < 3; i++) benchAggregation(ns[i], GIB, scale);

  free(arenaRaw);
  return (int)(sink & 0); /* sink is volatile: reading it keeps every pass result alive */
}
