// The pass benchmarks: the same scenarios as native/damon.c (see its setup()), run on the wasm
// module and on the TS reference over identical memory.
import { AddressSpace, LEAF_SPAN, ReferencePasses, Rng, SimMemory } from "@damon-sim/core";
import {
  CTX_BP_WINDOW, CTX_CAPACITY, CTX_FLAGS, CTX_HEADER_BYTES, CTX_KERNEL, CTX_MAX_NR_REGIONS, CTX_MAX_THRES,
  CTX_MIN_REGION, CTX_NR_REGIONS, CTX_NR_TARGETS, CTX_REGIONS, CTX_RNG, CTX_SPARE, CTX_SZ_LIMIT, CTX_TARGETS,
  BP_STEPS, CTX_BP_STEPS, CTX_MEM_STATICS, KERNEL_BYTES, KERNEL_LAST_NR_REGIONS, REGION_AGE, REGION_BYTES, REGION_END, REGION_LAST_NR_ACCESSES,
  REGION_NR_ACCESSES, REGION_NR_ACCESSES_BP, REGION_START, TARGET_BYTES, TARGET_NR_REGIONS, TARGET_ROOT,
} from "@damon-sim/wasm";

export const GIB = 2 ** 30;
export const TIB = 2 ** 40;
const BASE = 0x7f0000000000;
const CTX_SEED = [0x9e3779b9, 0x243f6a88, 0xb7e15162, 0x12345678];
const REPS = 5;
export const BASE_ITERS = { sampling1g: 4e7, sampling1t: 8e6, aggregation: 2e7 };

/** One context with N equal regions over [BASE, BASE + mapped), allocated as damon.c does. */
export function setup(mapped, n, withCounters) {
  const mem = SimMemory.createSync({ initialPages: Math.ceil((mapped / LEAF_SPAN) * 4096 / 65536) + 64 });
  const kernel = mem.alloc(KERNEL_BYTES);
  const ctx = mem.alloc(CTX_HEADER_BYTES);
  const targets = mem.alloc(TARGET_BYTES);
  const space = new AddressSpace(mem);
  space.map(BASE, BASE + mapped);
  const live = mem.alloc(3 * n * REGION_BYTES);
  const spare = mem.alloc(3 * n * REGION_BYTES);
  const saved = withCounters ? mem.alloc(n * REGION_BYTES) : 0;
  const data = new Rng([1, 2, 3, 4]);
  const u32 = mem.u32;
  for (let leafStart = BASE; leafStart < BASE + mapped; leafStart += LEAF_SPAN) {
    const leaf = space.bitWord(leafStart) >>> 2;
    for (let k = 0; k < 1024; k++) u32[leaf + k] = data.nextU32();
  }
  const size = Math.floor(mapped / n / 4096) * 4096;
  for (let i = 0; i < n; i++) {
    const r = live + i * REGION_BYTES;
    const start = BASE + i * size;
    mem.setU64(r + REGION_START, start);
    mem.setU64(r + REGION_END, i === n - 1 ? BASE + mapped : start + size);
    if (withCounters) {
      const nr = data.below(21);
      u32[(r + REGION_NR_ACCESSES) >>> 2] = nr;
      u32[(r + REGION_LAST_NR_ACCESSES) >>> 2] = data.below(21);
      u32[(r + REGION_AGE) >>> 2] = data.below(101);
      u32[(r + REGION_NR_ACCESSES_BP) >>> 2] = nr * 10000;
    }
  }
  u32[(targets + TARGET_ROOT) >>> 2] = space.root;
  u32[(targets + TARGET_NR_REGIONS) >>> 2] = n;
  u32.set(CTX_SEED, (ctx + CTX_RNG) >>> 2);
  const set32 = (off, v) => (u32[(ctx + off) >>> 2] = v);
  set32(CTX_REGIONS, live);
  set32(CTX_SPARE, spare);
  set32(CTX_CAPACITY, 3 * n);
  set32(CTX_NR_REGIONS, n);
  set32(CTX_TARGETS, targets);
  set32(CTX_NR_TARGETS, 1);
  mem.setU64(ctx + CTX_MIN_REGION, 4096);
  mem.setU64(ctx + CTX_SZ_LIMIT, Math.floor(mapped / 10));
  set32(CTX_MAX_NR_REGIONS, 4 * n);
  set32(CTX_MAX_THRES, 20);
  set32(CTX_BP_WINDOW, 20);
  set32(CTX_FLAGS, 31);
  set32(CTX_KERNEL, kernel);
  // What DamonContext also provides: the memory statics and the moving sum's step table
  // (allocated last, so the blocks above sit where damon.c puts them).
  set32(CTX_MEM_STATICS, mem.statics);
  set32(CTX_BP_STEPS, mem.alloc(BP_STEPS * 4));
  if (saved) mem.u8.copyWithin(saved, live, live + n * REGION_BYTES);
  return { mem, ctx, kernel, saved, n };
}

export function passesOf(sim, impl) {
  return impl === "wasm" ? sim.mem.wasm : new ReferencePasses(sim.mem);
}

function restore(sim) {
  const { mem, ctx, kernel, saved, n } = sim;
  const live = mem.u32[(ctx + CTX_REGIONS) >>> 2];
  mem.u8.copyWithin(live, saved, saved + n * REGION_BYTES);
  mem.u32[(ctx + CTX_NR_REGIONS) >>> 2] = n;
  mem.u32[(kernel + KERNEL_LAST_NR_REGIONS) >>> 2] = 0;
  mem.u32.set(CTX_SEED, (ctx + CTX_RNG) >>> 2);
}

export function fnv1a(mem, ptr, length) {
  const u8 = mem.u8;
  let h = 0x811c9dc5;
  for (let i = ptr; i < ptr + length; i++) h = Math.imul(h ^ u8[i], 0x01000193) >>> 0;
  return h;
}

function best(reps, fn) {
  let min = Infinity;
  for (let rep = 0; rep < reps; rep++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min * 1e6; // ns
}

export function benchSampling(impl, n, mapped, iters) {
  const sim = setup(mapped, n, false);
  const passes = passesOf(sim, impl);
  const ctx = sim.ctx;
  const round = () => {
    for (let i = 0; i < iters; i++) {
      passes.prepareAccessChecks(ctx);
      passes.checkAccesses(ctx);
    }
  };
  round(); // warm-up
  return best(REPS, round) / (iters * n);
}

export function benchAggregation(impl, n, mapped, iters) {
  const sim = setup(mapped, n, true);
  const passes = passesOf(sim, impl);
  const ctx = sim.ctx;
  const round = () => {
    for (let i = 0; i < iters; i++) {
      restore(sim);
      passes.mergeRegions(ctx, 2);
      passes.resetAndSplit(ctx);
    }
  };
  round();
  const total = best(REPS, round);
  const restoreOnly = best(REPS, () => {
    for (let i = 0; i < iters; i++) restore(sim);
  });
  return Math.max(0, total - restoreOnly) / (iters * n);
}

/** The check lines of damon.c, computed on wasm or the reference. */
export function checks(impl) {
  const a = setup(GIB, 100, false);
  const pa = passesOf(a, impl);
  for (let k = 0; k < 3; k++) {
    pa.prepareAccessChecks(a.ctx);
    pa.checkAccesses(a.ctx);
  }
  const sampling = fnv1a(a.mem, a.mem.u32[(a.ctx + CTX_REGIONS) >>> 2], 100 * REGION_BYTES);
  const b = setup(GIB, 100, true);
  const pb = passesOf(b, impl);
  restore(b);
  pb.mergeRegions(b.ctx, 2);
  pb.resetAndSplit(b.ctx);
  const regionsAfter = b.mem.u32[(b.ctx + CTX_NR_REGIONS) >>> 2];
  const aggregation = fnv1a(b.mem, b.mem.u32[(b.ctx + CTX_REGIONS) >>> 2], regionsAfter * REGION_BYTES);
  return { sampling, aggregation, regionsAfter };
}
