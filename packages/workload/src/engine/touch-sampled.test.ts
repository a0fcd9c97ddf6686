// The fast engine's wasm pass (touchSampled) on hand-made effect records: which sampled pages
// it touches, against expectations computed here from the definitions.
import { AddressSpace, PAGE_SIZE, Rng, SimMemory } from "@damon-sim/core";
import {
  EFFECT_BASE, EFFECT_BYTES, EFFECT_FIRST_PAGE, EFFECT_KIND, EFFECT_LAST_PAGE, EFFECT_LENGTH, EFFECT_MISS_FIRST_PAGE,
  EFFECT_MISS_INSIDE, EFFECT_MISS_LAST_PAGE, EFFECT_POSITIONS, EFFECT_RANDOM, EFFECT_SEQUENTIAL, EFFECT_STRIDE,
  EFFECT_WALK_FIRST, EFFECT_WALK_LAST, EFFECT_ZIPF, EFFECT_ZIPF_TABLE, REGION_BYTES, REGION_SAMPLING_ADDR,
  REGION_SAMPLING_WORD, ZIPF_EXACT_RANKS, ZIPF_PER_OCTAVE,
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
  mem.f64[(e + EFFECT_FIRST_PAGE) >>> 3] = firstPage;
  mem.f64[(e + EFFECT_LAST_PAGE) >>> 3] = lastPage;
  for (const [offset, value] of Object.entries(fields)) mem.f64[(e + Number(offset)) >>> 3] = value;
  return e;
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
    const written = mem.wasm.touchSampled(table, lastPage - first + 2, e, 1, 0, 0);
    expect(written).toBe(0);
    const expected = new Set<number>();
    for (let j = 2; j <= positions - 1; j++) expected.add(Math.floor((base + Math.min(j * stride, length - 1)) / PAGE_SIZE));
    expect(touchedPages(first, lastPage - first + 2)).toEqual([...expected].sort((a, b) => a - b));
    expect(expected.has(lastPage)).toBe(true);
  });

  it("random accesses: inside and edge pages use their own miss probabilities; exactly n draws are taken", () => {
    const first = BASE / PAGE_SIZE;
    const n = 12;
    const table = regionsSampling(first, n);
    // Pages first+1 .. first+8; the first edge never touched, the inside always, the last edge by coin.
    const e = effect(EFFECT_RANDOM, first + 1, first + 8, {
      [EFFECT_MISS_INSIDE]: 0, [EFFECT_MISS_FIRST_PAGE]: 1, [EFFECT_MISS_LAST_PAGE]: 0.5,
    });
    const state = mem.alloc(16);
    const rng = Rng.from(3, "t");
    rng.saveState(mem.u32, state >>> 2);
    const coin = rng.nextU32() * 2 ** -32 >= 0.5; // the one draw used: the last edge page's
    mem.wasm.touchSampled(table, n, e, 1, state, 0);
    const inside = Array.from({ length: 6 }, (_, i) => first + 2 + i);
    expect(touchedPages(first, n)).toEqual(coin ? [...inside, first + 8] : inside);
    for (let i = 1; i < n; i++) rng.nextU32();
    const after = new Rng(mem.u32.subarray(state >>> 2, (state >>> 2) + 4));
    expect(after.nextU32()).toBe(rng.nextU32());
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
    const state = mem.alloc(16);
    mem.wasm.touchSampled(table, n, e, 1, state, 0);
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
    mem.u32[(table + 2 * REGION_BYTES + REGION_SAMPLING_WORD) >>> 2] = 0; // region 2 sampled an unmapped page
    const e = effect(EFFECT_RANDOM, first, first + 3, { [EFFECT_MISS_INSIDE]: 0, [EFFECT_MISS_FIRST_PAGE]: 0, [EFFECT_MISS_LAST_PAGE]: 0 });
    const out = mem.alloc(4 * 8);
    const written = mem.wasm.touchSampled(table, 4, e, 1, mem.alloc(16), out);
    expect(written).toBe(3);
    expect([0, 1, 2].map((i) => mem.getU64(out + i * 8))).toEqual([first, first + 1, first + 3].map((p) => p * PAGE_SIZE));
    expect(touchedPages(first, 4)).toEqual([]);
  });
});
