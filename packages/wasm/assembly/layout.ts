// The memory layout shared by the wasm passes and the JS that owns the memory.
// This file is valid AssemblyScript and valid TypeScript: both sides compile it,
// so an offset can never disagree between them. Every value is a byte offset or size.

// Region record: one per monitored region, kept sorted by (target, start).
export const REGION_START = 0; // u64, inclusive
export const REGION_END = 8; // u64, exclusive
export const REGION_SAMPLING_ADDR = 16; // u64, page checked this sampling interval
export const REGION_NR_ACCESSES = 24; // u32
export const REGION_AGE = 28; // u32, aggregation intervals (5.16+)
export const REGION_LAST_NR_ACCESSES = 32; // u32 (5.16+)
export const REGION_NR_ACCESSES_BP = 36; // u32, pseudo moving sum in 1/10000 (6.7+)
export const REGION_TARGET = 40; // u32, index into the context's target table
export const REGION_SAMPLING_WORD = 44; // u32, scratch of prepare: the word holding the sampled bit (0: unmapped)
export const REGION_BYTES = 48;

// Target record: one per monitoring target of a context.
export const TARGET_ROOT = 0; // u32, page-table root of the target's address space; 0 = none (exited, kthread)
export const TARGET_NR_REGIONS = 4; // u32, maintained by every pass
export const TARGET_FIRST_REGION = 8; // u32, index of the target's first region, maintained by every pass
export const TARGET_PENDING = 12; // u32 pointer to a pending block (PENDING_* below), or 0
export const TARGET_BYTES = 16;

// Context header.
export const CTX_RNG = 0; // 4 x u32, xoshiro128** state
export const CTX_REGIONS = 16; // u32 pointer to the live region table
export const CTX_SPARE = 20; // u32 pointer to the spare table; split writes there, then the two swap
export const CTX_CAPACITY = 24; // u32, regions each table holds
export const CTX_NR_REGIONS = 28; // u32
export const CTX_TARGETS = 32; // u32 pointer to the target table
export const CTX_NR_TARGETS = 36; // u32
export const CTX_MIN_REGION = 40; // u64, DAMON_MIN_REGION
export const CTX_SZ_LIMIT = 48; // u64, merge size limit (spec 1.9)
export const CTX_MAX_NR_REGIONS = 56; // u32
export const CTX_MAX_THRES = 60; // u32, aggr / (sample ? sample : 1): merge-until-max cap
export const CTX_BP_WINDOW = 64; // u32, sample ? aggr / sample : 1; moving-sum window
export const CTX_FLAGS = 68; // u32, FLAG_* below
export const CTX_KERNEL = 72; // u32 pointer to the kernel-wide statics
export const CTX_LAST_NR_SUBS = 76; // u32, pieces per region chosen by the last split (0 = no split)
export const CTX_MEM_STATICS = 80; // u32 pointer to the memory's statics (MEM_* below)
export const CTX_WORDS_FREES = 84; // u32, MEM_FREES when prepare stored the regions' SAMPLING_WORDs
export const CTX_CLEAR_APART = 88; // u32, set by prepare: clear sampled bits in a loop of their own (large mapped areas)
export const CTX_PAGES_SHARED = 100; // u32, PAGES_* bits: why two regions may sample one page (0: they cannot)
export const PAGES_UNALIGNED = 1; // a region boundary inside a page, or an empty region (kept by whoever writes regions)
export const PAGES_SHARED_ROOTS = 2; // two targets with one page table (kept by JS with the roots)
export const CTX_BP_STEPS = 92; // u32 pointer to BP_STEPS x u32: last * 10000 / window for last < BP_STEPS
export const CTX_BP_STEPS_WINDOW = 96; // u32, the window that table holds (0: none yet)
export const CTX_HEADER_BYTES = 128;
export const BP_STEPS = 256;

// Behaviour switches for kernel versions.
export const FLAG_AGE = 1; // 5.16+: age is tracked in merge
export const FLAG_SPLIT_KEEPS_AGE = 2; // 5.16+: split copies age and last_nr_accesses
export const FLAG_SPLIT_KEEPS_ACCESSES = 4; // 6.7+: split also copies nr_accesses and nr_accesses_bp
export const FLAG_MERGE_UNTIL_MAX = 8; // late 2024 (stable too): repeat merging while over max_nr_regions
export const FLAG_ACCESS_BP = 16; // 6.7+: maintain nr_accesses_bp every sample

// Memory statics: the first block above heapBase, at the same address in every thread.
export const MEM_FREES = 0; // u32, blocks freed so far: a stored pointer into a page table is stale once it changes
export const MEM_STATICS_BYTES = 64;

// Kernel-wide statics: one block per simulated kernel, shared by all its contexts.
export const KERNEL_LAST_NR_REGIONS = 0; // u32, the split step's function-static last_nr_regions
export const KERNEL_BYTES = 64;

// Sparse page tables: a root of 1024 pointers to middle nodes of 1024 pointers to leaves.
// A leaf covers 32768 4 KiB pages (128 MiB) with two bitmaps: Accessed bits, then "swapped"
// bits (paged out by DAMOS; the next access is a major fault). Covers 2^47 bytes, x86-64's
// user address space; unmapped holes cost nothing.
export const PAGE_SHIFT = 12;
export const LEAF_PAGE_BITS = 15;
export const MID_BITS = 10;
export const ROOT_BITS = 10;
export const NODE_BYTES = 4096; // root and middle nodes
export const LEAF_BYTES = 8192; // two 4096-byte bitmaps
export const LEAF_SWAPPED = 4096; // offset of the swapped bitmap in a leaf
export const ADDRESS_BITS = 47; // PAGE_SHIFT + LEAF_PAGE_BITS + MID_BITS + ROOT_BITS

// Pending block: a workload's accesses since the last prepare, as effect records, that the
// context's next sampling pass decides for each sampled page before checking it (instead of a
// pass of their own). Owned by the workload; the pass consumes it: NR_EFFECTS and the target's
// TARGET_PENDING go back to 0 and the coin stream moves on by one draw per region.
export const PENDING_COINS = 0; // u64, SplitMix64 state of the coin tosses (seeded by the workload)
export const PENDING_EFFECTS = 16; // u32 pointer to the effect records
export const PENDING_NR_EFFECTS = 20; // u32, 0 = nothing pending
export const PENDING_BYTES = 32;

// Effect record, for touchSampled: what one stretch of a workload's accesses did to one access
// pattern, in the terms the fast engine decides a sampled page by (@damon-sim/workload).
export const EFFECT_KIND = 0; // u32, EFFECT_* below
export const EFFECT_ZIPF_TABLE = 4; // u32 pointer to f64 miss probabilities by rank (zipf)
export const EFFECT_FIRST_PAGE = 8; // u64, first page number of the pattern's range
export const EFFECT_LAST_PAGE = 16; // u64, last page number
// sequential: a walk over positions [WALK_FIRST, WALK_LAST] of the pattern, all f64
export const EFFECT_BASE = 24;
export const EFFECT_LENGTH = 32;
export const EFFECT_STRIDE = 40;
export const EFFECT_POSITIONS = 48;
export const EFFECT_WALK_FIRST = 56;
export const EFFECT_WALK_LAST = 64;
// random: probability that a page was not touched, wholly inside the range or on an edge page
export const EFFECT_MISS_INSIDE = 24;
export const EFFECT_MISS_FIRST_PAGE = 32;
export const EFFECT_MISS_LAST_PAGE = 40;
export const EFFECT_BYTES = 72;
export const EFFECT_SEQUENTIAL = 0;
export const EFFECT_RANDOM = 1;
export const EFFECT_ZIPF = 2;
// Zipf miss tables: exact for the first ranks, then one value per 1/16 octave of rank.
export const ZIPF_EXACT_RANKS = 64;
export const ZIPF_PER_OCTAVE = 16;
