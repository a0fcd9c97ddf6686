// The fast engine's wasm pass (touchSampled) on hand-made effect records: which sampled pages
// it touches, against expectations computed here from the definitions.
import { AddressSpace, PAGE_SIZE, SimMemory } from "@damon-sim/core";
import {
  EFFECT_BASE, EFFECT_BYTES, EFFECT_FIRST_PAGE, EFFECT_KIND, EFFECT_LAST_PAGE, EFFECT_LENGTH, EFFECT_MISS_FIRST_PAGE,
  EFFECT_MISS_INSIDE, EFFECT_MISS_LAST_PAGE, EFFECT_POSITIONS, EFFECT_RANDOM, EFFECT_SEQUENTIAL, EFFECT_STRIDE,
  EFFECT_WALK_FIRST, EFFECT_WALK_LAST, EFFECT_ZIPF, EFFECT_ZIPF_TABLE, PENDING_BYTES, PENDING_COINS, PENDING_EFFECTS,
  PENDING_NR_EFFECTS, REGION_BYTES, REGION_SAMPLING_ADDR, REGION_SAMPLING_WORD, ZIPF_EXACT_RANKS,
  ZIPF_PER_OCTAVE,
} from "@damon-sim/wasm";
import { beforeEach, describe, expect, it } from "vitest";

const BASE = 0x7f00_0000_0000; // above 2^32: the pass must use all 64 address bits

let mem: SimMemory;
let space: AddressSpace;

beforeEach(async () => {
  mem = await SimMemory.create();
  space = new AddressSpace(mem);
});

/** One region per page of [firstPage, firstPage + pages), each sampling its own page. */
function regionsSampling(firstPage: number, pages: number): number {
  const table = mem.alloc(pages * REGION_BYTES);
  space.map(firstPage * PAGE_SIZE, (firstPage + pages) * PAGE_SIZE);
  for (let i = 0; i < pages; i++) {
    const r = table + i * REGION_BYTES;
    mem.setU64(r + REGION_SAMPLING_ADDR, (firstPage + i) * PAGE_SIZE);
    mem.u32[(r + REGION_SAMPLING_WORD) >>> 2] = space.bitWord((firstPage + i) * PAGE_SIZE);
  }
  return table;
}

function effect(kind: number, firstPage: number, lastPage: number, fields: Record<number, number>): number {
  const e = mem.alloc(EFFECT_BYTES);
  mem.u32[(e + EFFECT_KIND) >>> 2] = kind;
  mem.setU64(e + EFFECT_FIRST_PAGE, firstPage);
  mem.setU64(e + EFFECT_LAST_PAGE, lastPage);
  for (const [offset, value] of Object.entries(fields)) mem.f64[(e + Number(offset)) >>> 3] = value;
  return e;
}

/** A pending block holding one effect record, its coin stream at `coins`. */
function pendingOf(e: number, coins = 0n): number {
  const pending = mem.alloc(PENDING_BYTES);
  mem.u32[(pending + PENDING_EFFECTS) >>> 2] = e;
  mem.u32[(pending + PENDING_NR_EFFECTS) >>> 2] = 1;
  mem.setU64Big(pending + PENDING_COINS, coins);
  return pending;
}

// SplitMix64's output after `state` moved on by one, as a uniform double in [0, 1).
function coinAfter(state: bigint): number {
  const M = (1n << 64n) - 1n;
  let z = (state + 0x9e3779b97f4a7c15n) & M;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
  z ^= z >> 31n;
  return Number(z >> 11n) / 2 ** 53;
}

function touchedPages(firstPage: number, pages: number): number[] {
  const out: number[] = [];
  for (let p = firstPage; p < firstPage + pages; p++) if (space.countAccessed(p * PAGE_SIZE, (p + 1) * PAGE_SIZE)) out.push(p);
  return out;
}

describe("touchSampled", () => {
  it("a walk touches exactly the pages its positions fall on, the last position clamped to the end", () => {
    const first = BASE / PAGE_SIZE;
    const length = 20 * PAGE_SIZE + 100; // 21 pages, the last one partly
    const stride = 3 * PAGE_SIZE + 5;
    const positions = Math.floor((length - 1) / stride) + 1 + 1; // one past the end: clamped
    const base = BASE + 7; // not page-aligned
    const lastPage = Math.floor((base + length - 1) / PAGE_SIZE);
    const table = regionsSampling(first, lastPage - first + 2);
    const e = effect(EFFECT_SEQUENTIAL, first, lastPage, {
      [EFFECT_BASE]: base, [EFFECT_LENGTH]: length, [EFFECT_STRIDE]: stride, [EFFECT_POSITIONS]: positions,
      [EFFECT_WALK_FIRST]: 2, [EFFECT_WALK_LAST]: positions - 1,
    });
    const pending = pendingOf(e);
    const written = mem.wasm.touchSampled(space.root, table, lastPage - first + 2, pending, 0);
    expect(mem.u32[(pending + PENDING_NR_EFFECTS) >>> 2]).toBe(0); // consumed
    expect(written).toBe(0);
    const expected = new Set<number>();
    for (let j = 2; j <= positions - 1; j++) expected.add(Math.floor((base + Math.min(j * stride, length - 1)) / PAGE_SIZE));
    expect(touchedPages(first, lastPage - first + 2)).toEqual([...expected].sort((a, b) => a - b));
    expect(expected.has(lastPage)).toBe(true);
  });

  it("random accesses: inside and edge pages use their own miss probabilities; the coins move on by n draws", () => {
    const first = BASE / PAGE_SIZE;
    const n = 12;
    const table = regionsSampling(first, n);
    // Pages first+1 .. first+8; the first edge never touched, the inside always, the last edge by coin.
    const e = effect(EFFECT_RANDOM, first + 1, first + 8, {
      [EFFECT_MISS_INSIDE]: 0, [EFFECT_MISS_FIRST_PAGE]: 1, [EFFECT_MISS_LAST_PAGE]: 0.5,
    });
    const GOLDEN = 0x9e3779b97f4a7c15n;
    for (const seed of [3n, 1n << 63n, 12345678901234567n]) {
      space.clearAccessed(first * PAGE_SIZE, (first + n) * PAGE_SIZE);
      const pending = pendingOf(e, seed);
      mem.wasm.touchSampled(space.root, table, n, pending, 0);
      const coin = coinAfter(seed) >= 0.5; // the one draw used: the last edge page's
      const inside = Array.from({ length: 6 }, (_, i) => first + 2 + i);
      expect(touchedPages(first, n)).toEqual(coin ? [...inside, first + 8] : inside);
      expect(mem.getU64Big(pending + PENDING_COINS)).toBe((seed + BigInt(n) * GOLDEN) & ((1n << 64n) - 1n));
    }
  });

  it("zipf: rank r reads entry r - 1 up to the exact ranks, then one entry per 1/16 octave", () => {
    const first = BASE / PAGE_SIZE;
    const n = 3000;
    const table = regionsSampling(first, n);
    const length = ZIPF_EXACT_RANKS + 6 * ZIPF_PER_OCTAVE;
    const miss = mem.alloc(length * 8);
    // Entry i touches (miss 0) when i is a multiple of 3, else never (miss 1).
    for (let i = 0; i < length; i++) mem.f64[(miss >>> 3) + i] = i % 3 === 0 ? 0 : 1;
    const e = effect(EFFECT_ZIPF, first, first + n - 1, {});
    mem.u32[(e + EFFECT_ZIPF_TABLE) >>> 2] = miss;
    mem.wasm.touchSampled(space.root, table, n, pendingOf(e), 0);
    const entry = (rank: number) => {
      if (rank <= ZIPF_EXACT_RANKS) return rank - 1;
      const octave = Math.floor(Math.log2(rank));
      return ZIPF_EXACT_RANKS + (octave - 6) * ZIPF_PER_OCTAVE + Math.floor(((rank - 2 ** octave) / 2 ** octave) * ZIPF_PER_OCTAVE);
    };
    const expected = Array.from({ length: n }, (_, i) => first + i).filter((page) => entry(page - first + 1) % 3 === 0);
    expect(touchedPages(first, n)).toEqual(expected);
  });

  it("with an output buffer, touched pages are listed instead of set; unmapped samples are skipped", () => {
    const first = BASE / PAGE_SIZE;
    const table = regionsSampling(first, 4);
    mem.setU64(table + 2 * REGION_BYTES + REGION_SAMPLING_ADDR, 0x1000); // region 2 sampled an unmapped page
    const e = effect(EFFECT_RANDOM, first, first + 3, { [EFFECT_MISS_INSIDE]: 0, [EFFECT_MISS_FIRST_PAGE]: 0, [EFFECT_MISS_LAST_PAGE]: 0 });
    const out = mem.alloc(4 * 8);
    const written = mem.wasm.touchSampled(space.root, table, 4, pendingOf(e), out);
    expect(written).toBe(3);
    expect([0, 1, 2].map((i) => mem.getU64(out + i * 8))).toEqual([first, first + 1, first + 3].map((p) => p * PAGE_SIZE));
    expect(touchedPages(first, 4)).toEqual([]);
  });
});
