import { PAGE_SIZE, type Simulation, type Task } from "@damon-sim/core";
import { PAGE_SHIFT, REGION_BYTES, REGION_SAMPLING_ADDR, REGION_SAMPLING_WORD } from "@damon-sim/wasm";
import { pageOverlap, positionAddress, RANDOM, SEQUENTIAL, type CompiledPattern, type CompiledPhase } from "../compile.js";
import type { FastRng } from "../fast-rng.js";
import type { Zipf } from "../random.js";
import { arcHitsPage, arcPages, arcRuns, touchArc } from "./sequential.js";
import type { Toucher } from "./toucher.js";

// Sequential walks up to this many pages are touched outright (a few wasm word writes per
// 32 pages); longer ones are checked page by page against what DAMON samples.
const DIRECT_PAGES = 1 << 16;
// Region records as u32 words (the layout shared with the wasm passes).
const REGION_WORDS = REGION_BYTES / 4;
const ADDR_LO = REGION_SAMPLING_ADDR / 4;
const WORD = REGION_SAMPLING_WORD / 4;
const PAGES_PER_TWO_32 = 2 ** (32 - PAGE_SHIFT);

/** What a stretch of accesses did to one pattern, for the per-sample decisions. */
interface Effect {
  p: CompiledPattern;
  m: number;
  /** Sequential: the positions walked. */
  first: number;
  last: number;
  /** Random: probability that a page wholly inside the range was not touched. */
  missFull: number;
  /** Zipf: miss probabilities by rank. */
  zipf: ZipfMiss | null;
}

/**
 * Cost independent of the access rate. Sequential walks are deterministic given how many
 * accesses a pattern got, so short ones set their pages' bits exactly. For everything else
 * the engine looks only at the pages DAMON sampled this interval and decides, from the model,
 * whether each was touched: a long walk hits it or not; m uniform accesses over L bytes miss
 * a page of b bytes with probability (1 - b/L)^m; m Zipf accesses miss rank r with
 * probability (1 - P(r))^m. Only those bits are set (the rest of the page table is never read).
 * The pages the model most likely used are marked used, so swapped-out pages fault back in.
 */
export class FastEngine {
  readonly #sim: Simulation;
  readonly #task: Task;
  readonly #toucher: Toucher;
  readonly #rng: FastRng;
  readonly #zipfMiss = new Map<number, ZipfMiss>();
  readonly #effects: Effect[] = [];
  readonly #arcs = new Float64Array(4);
  #nEffects = 0;
  /** Whether an effect needs random draws (not only sequential walks). */
  #random = false;
  #draws = new Uint32Array(1024);
  #nextDraw = 0;

  constructor(sim: Simulation, task: Task, toucher: Toucher, rng: FastRng) {
    this.#sim = sim;
    this.#task = task;
    this.#toucher = toucher;
    this.#rng = rng;
  }

  apply(phase: CompiledPhase, counts: Float64Array): void {
    this.#nEffects = 0;
    this.#random = false;
    for (const p of phase.patterns) {
      const m = counts[p.id];
      if (m === 0) continue;
      if (p.kind === SEQUENTIAL) {
        const arcs = this.#arcs;
        for (let k = arcRuns(p, p.pos, m, arcs) * 2 - 2; k >= 0; k -= 2) {
          if (arcPages(p, arcs[k], arcs[k + 1]) <= DIRECT_PAGES) touchArc(this.#toucher, p, arcs[k], arcs[k + 1]);
          else this.#push(p, m, arcs[k], arcs[k + 1], 0);
        }
        p.pos = (p.pos + m) % p.positions;
      } else if (p.kind === RANDOM) {
        this.#push(p, m, 0, 0, Math.exp(m * Math.log1p(-Math.min(1, PAGE_SIZE / p.length))));
        this.#random = true;
      } else {
        this.#random = true;
        let miss = this.#zipfMiss.get(p.id);
        if (!miss) this.#zipfMiss.set(p.id, (miss = new ZipfMiss(p.zipf!)));
        miss.prepare(m);
        this.#push(p, m, 0, 0, 0, miss);
      }
    }
    this.#toucher.flush();
    if (this.#nEffects === 0) return;
    this.#decide();
    if (this.#task.mm!.space.swappedPages > 0) this.#markUsed();
  }

  #push(p: CompiledPattern, m: number, first: number, last: number, missFull: number, zipf: ZipfMiss | null = null): void {
    let e = this.#effects[this.#nEffects];
    if (!e) this.#effects.push((e = { p, m, first, last, missFull, zipf }));
    e.p = p;
    e.m = m;
    e.first = first;
    e.last = last;
    e.missFull = missFull;
    e.zipf = zipf;
    this.#nEffects++;
  }

  // For every running vaddr context monitoring the task, each region's sampling address (chosen
  // by its last prepare step) is read from the region table; pages the model touched get their
  // bit. With nothing swapped out a touch is only the bit, so it is set in place through the
  // bitmap word prepare found; otherwise touchPages also swaps the page back in.
  #decide(): void {
    const task = this.#task;
    const inPlace = task.mm!.space.swappedPages === 0;
    for (const ctx of this.#sim.contexts) {
      if (!ctx.running || ctx.ops !== "vaddr") continue;
      const t = ctx.targets.findIndex((target) => target.task === task);
      if (t < 0) continue;
      const table = ctx.regions;
      const nr = table.countOf(t);
      if (this.#random) this.#draw(nr);
      const u32 = this.#sim.mem.u32;
      let r = table.ptr(table.firstOf(t)) >>> 2;
      for (let i = 0; i < nr; i++, r += REGION_WORDS) {
        const word = u32[r + WORD];
        if (word === 0) continue; // unmapped
        const lo = u32[r + ADDR_LO];
        const hi = u32[r + ADDR_LO + 1];
        const miss = this.#miss((lo >>> PAGE_SHIFT) + hi * PAGES_PER_TWO_32);
        if (miss === 1) continue;
        // Touched with probability 1 - miss; branch-free, as the outcome is a coin toss.
        const hit = miss === 0 ? 1 : +(this.#draws[this.#nextDraw++] * 2 ** -32 >= miss);
        if (inPlace) u32[word >>> 2] |= hit << ((lo >>> PAGE_SHIFT) & 31);
        else if (hit) this.#toucher.touch(lo + hi * 2 ** 32);
      }
    }
    this.#toucher.flush();
  }

  /** The probability that the model did not touch `page` in this stretch. */
  #miss(page: number): number {
    const effects = this.#effects;
    let miss = 1;
    for (let k = 0; k < this.#nEffects; k++) {
      const e = effects[k];
      const p = e.p;
      if (page < p.firstPage || page > p.lastPage) continue;
      if (p.kind === SEQUENTIAL) {
        if (arcHitsPage(p, e.first, e.last, page)) return 0;
      } else if (p.kind === RANDOM) {
        miss *= page > p.firstPage && page < p.lastPage ? e.missFull : Math.pow(1 - pageOverlap(p, page) / p.length, e.m);
      } else {
        miss *= e.zipf!.at(page - p.firstPage + 1);
      }
    }
    return miss;
  }

  // One draw per sampled page at most, drawn in a batch.
  #draw(n: number): void {
    if (this.#draws.length < n) this.#draws = new Uint32Array(n * 2);
    this.#rng.fill(this.#draws, n);
    this.#nextDraw = 0;
  }

  // Swap accounting: the pages the model most likely used come back in (major faults).
  #markUsed(): void {
    const space = this.#task.mm!.space;
    for (let k = 0; k < this.#nEffects; k++) {
      const { p, m, first, last, missFull } = this.#effects[k];
      if (p.kind === SEQUENTIAL) {
        space.markUsed(positionAddress(p, first), positionAddress(p, last) + 1);
      } else if (p.kind === RANDOM) {
        const cover = 1 - missFull;
        if (cover >= 0.5) {
          space.markUsed(p.base, p.base + p.length);
        } else {
          const span = cover * p.length;
          const start = p.base + Math.floor(this.#rng.float() * (p.length - span));
          space.markUsed(start, start + span);
        }
      } else {
        // Ranks touched with probability >= 1/2: P(r) >= 1 - 2^(-1/m).
        const zipf = p.zipf!;
        const rMax = Math.floor(Math.pow(-Math.expm1(-Math.LN2 / m) * zipf.norm, -1 / zipf.s));
        if (rMax >= 1) space.markUsed(p.base, Math.min(p.base + p.length, (p.firstPage + rMax) * PAGE_SIZE));
      }
    }
  }
}

const EXACT_RANKS = 64;
const PER_OCTAVE = 16;

/**
 * (1 - P(r))^m for a Zipf pattern that made m accesses: exact for the first 64 ranks, then one
 * value per 1/16 octave of rank (P changes by under 5 % within one). Rebuilt only when m
 * changes, which in steady phases is never.
 */
class ZipfMiss {
  readonly #zipf: Zipf;
  readonly #table: Float64Array;
  #m = -1;

  constructor(zipf: Zipf) {
    this.#zipf = zipf;
    const octaves = Math.max(0, Math.ceil(Math.log2(zipf.n + 1)) - 6);
    this.#table = new Float64Array(EXACT_RANKS + octaves * PER_OCTAVE);
  }

  prepare(m: number): void {
    if (m === this.#m) return;
    this.#m = m;
    const table = this.#table;
    const miss = (r: number) => Math.exp(m * Math.log1p(-this.#zipf.pmf(r)));
    for (let r = 1; r <= EXACT_RANKS; r++) table[r - 1] = miss(r);
    for (let i = EXACT_RANKS; i < table.length; i++) {
      const k = i - EXACT_RANKS;
      table[i] = miss(2 ** (6 + Math.floor(k / PER_OCTAVE) + ((k % PER_OCTAVE) + 0.5) / PER_OCTAVE));
    }
  }

  at(rank: number): number {
    if (rank <= EXACT_RANKS) return this.#table[rank - 1];
    const octave = 31 - Math.clz32(rank); // ranks stay below 2^31 (pages of one pattern)
    const base = 1 << octave;
    const sub = Math.floor(((rank - base) * PER_OCTAVE) / base);
    return this.#table[EXACT_RANKS + (octave - 6) * PER_OCTAVE + sub];
  }
}
