import { PAGE_SIZE, seedState, type DamonContext, type Simulation, type Task } from "@damon-sim/core";
import {
  EFFECT_BASE, EFFECT_BYTES, EFFECT_FIRST_PAGE, EFFECT_KIND, EFFECT_LAST_PAGE, EFFECT_LENGTH, EFFECT_MISS_FIRST_PAGE,
  EFFECT_MISS_INSIDE, EFFECT_MISS_LAST_PAGE, EFFECT_POSITIONS, EFFECT_RANDOM, EFFECT_SEQUENTIAL, EFFECT_STRIDE,
  EFFECT_WALK_FIRST, EFFECT_WALK_LAST, EFFECT_ZIPF, EFFECT_ZIPF_TABLE, PENDING_BYTES, PENDING_EFFECTS,
  PENDING_COINS, PENDING_NR_EFFECTS, ZIPF_EXACT_RANKS, ZIPF_PER_OCTAVE,
} from "@damon-sim/wasm";
import { pageOverlap, positionAddress, RANDOM, SEQUENTIAL, type CompiledPattern, type CompiledPhase } from "../compile.js";
import type { FastRng } from "../fast-rng.js";
import type { Zipf } from "../random.js";
import { arcPages, arcRuns, touchArc } from "./sequential.js";
import type { Toucher } from "./toucher.js";

// Sequential walks up to this many pages are touched outright (a few wasm word writes per
// 32 pages); longer ones are checked page by page against what DAMON samples.
const DIRECT_PAGES = 1 << 16;
const TWO_32 = 2 ** 32;

/** What a stretch of accesses did to one pattern, for swap accounting (the wasm pass has its own copy). */
interface Effect {
  p: CompiledPattern;
  m: number;
  /** Sequential: the positions walked. */
  first: number;
  last: number;
  /** Random: probability that a page wholly inside the range was not touched. */
  missFull: number;
}

/**
 * Cost independent of the access rate. Sequential walks are deterministic given how many
 * accesses a pattern got, so short ones set their pages' bits exactly. For everything else
 * the engine looks only at the pages DAMON sampled this interval and decides, from the model,
 * whether each was touched: a long walk hits it or not; m uniform accesses over L bytes miss
 * a page of b bytes with probability (1 - b/L)^m; m Zipf accesses miss rank r with
 * probability (1 - P(r))^m. Only those bits are set (the rest of the page table is never read).
 * The per-page decisions are made in wasm from effect records this class writes to simulation
 * memory: when one context samples the process, by that context's next sampling pass as it
 * checks each page (deferSampledAccesses), otherwise by a pass of their own (touchSampled).
 * Either way the same pages, with the same draws. The pages the model most likely used are
 * marked used, so swapped-out pages fault back in.
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
  /** Simulation memory: the pending block (PENDING_*), effect records, touched addresses. */
  readonly #pending: number;
  /** Where the pending block was handed over, until this engine takes it back. */
  #deferredTo: { ctx: DamonContext; t: number } | null = null;
  #records = 0;
  #recordCapacity = 0;
  #out = 0;
  #outCapacity = 0;

  constructor(sim: Simulation, task: Task, toucher: Toucher, rng: FastRng) {
    this.#sim = sim;
    this.#task = task;
    this.#toucher = toucher;
    this.#rng = rng;
    this.#pending = sim.mem.alloc(PENDING_BYTES);
    // The coin tosses have a stream of their own, drawn only by the wasm passes.
    const coins = seedState(sim.seed, `workload:${task.pid}:coins`);
    sim.mem.u32[(this.#pending + PENDING_COINS) >>> 2] = coins[0];
    sim.mem.u32[((this.#pending + PENDING_COINS) >>> 2) + 1] = coins[1];
  }

  apply(phase: CompiledPhase, counts: Float64Array): void {
    if (this.#deferredTo) this.#takeBack();
    this.#nEffects = 0;
    for (const p of phase.patterns) {
      const m = counts[p.id];
      if (m === 0) continue;
      if (p.kind === SEQUENTIAL) {
        const arcs = this.#arcs;
        for (let k = arcRuns(p, p.pos, m, arcs) * 2 - 2; k >= 0; k -= 2) {
          if (arcPages(p, arcs[k], arcs[k + 1]) <= DIRECT_PAGES) touchArc(this.#toucher, p, arcs[k], arcs[k + 1]);
          else this.#pushWalk(p, m, arcs[k], arcs[k + 1]);
        }
        p.pos = (p.pos + m) % p.positions;
      } else if (p.kind === RANDOM) {
        this.#pushRandom(p, m, Math.exp(m * Math.log1p(-Math.min(1, PAGE_SIZE / p.length))));
      } else {
        let miss = this.#zipfMiss.get(p.id);
        if (!miss) this.#zipfMiss.set(p.id, (miss = new ZipfMiss(this.#sim, p.zipf!)));
        miss.prepare(m);
        this.#pushZipf(p, m, miss);
      }
    }
    this.#toucher.flush();
    if (this.#nEffects === 0) return;
    this.#decide();
    if (this.#task.mm!.space.swappedPages > 0) this.#markUsed();
  }

  // Appends an effect: the JS object for swap accounting, and its record for the wasm pass
  // (kind and page range written here, the rest by the caller). Returns the record's f64 index.
  #push(p: CompiledPattern, m: number, first: number, last: number, missFull: number, kind: number): number {
    let e = this.#effects[this.#nEffects];
    if (!e) this.#effects.push((e = { p, m, first, last, missFull }));
    e.p = p;
    e.m = m;
    e.first = first;
    e.last = last;
    e.missFull = missFull;
    if (this.#nEffects === this.#recordCapacity) this.#growRecords();
    const at = this.#records + this.#nEffects * EFFECT_BYTES;
    this.#nEffects++;
    const mem = this.#sim.mem;
    mem.u32[(at + EFFECT_KIND) >>> 2] = kind;
    mem.setU64(at + EFFECT_FIRST_PAGE, p.firstPage);
    mem.setU64(at + EFFECT_LAST_PAGE, p.lastPage);
    return at >>> 3;
  }

  #pushWalk(p: CompiledPattern, m: number, first: number, last: number): void {
    const f = this.#push(p, m, first, last, 0, EFFECT_SEQUENTIAL);
    const f64 = this.#sim.mem.f64;
    f64[f + EFFECT_BASE / 8] = p.base;
    f64[f + EFFECT_LENGTH / 8] = p.length;
    f64[f + EFFECT_STRIDE / 8] = p.stride;
    f64[f + EFFECT_POSITIONS / 8] = p.positions;
    f64[f + EFFECT_WALK_FIRST / 8] = first;
    f64[f + EFFECT_WALK_LAST / 8] = last;
  }

  // The two edge pages may be partly covered: their own (1 - overlap/L)^m.
  #pushRandom(p: CompiledPattern, m: number, missFull: number): void {
    const f = this.#push(p, m, 0, 0, missFull, EFFECT_RANDOM);
    const f64 = this.#sim.mem.f64;
    f64[f + EFFECT_MISS_INSIDE / 8] = missFull;
    f64[f + EFFECT_MISS_FIRST_PAGE / 8] = Math.pow(1 - pageOverlap(p, p.firstPage) / p.length, m);
    f64[f + EFFECT_MISS_LAST_PAGE / 8] = Math.pow(1 - pageOverlap(p, p.lastPage) / p.length, m);
  }

  #pushZipf(p: CompiledPattern, m: number, miss: ZipfMiss): void {
    const f = this.#push(p, m, 0, 0, 0, EFFECT_ZIPF);
    this.#sim.mem.u32[((f << 3) + EFFECT_ZIPF_TABLE) >>> 2] = miss.table;
  }

  #growRecords(): void {
    const mem = this.#sim.mem;
    const capacity = Math.max(8, this.#recordCapacity * 2);
    const records = mem.alloc(capacity * EFFECT_BYTES);
    if (this.#recordCapacity > 0) {
      mem.u8.copyWithin(records, this.#records, this.#records + this.#recordCapacity * EFFECT_BYTES);
      mem.free(this.#records, this.#recordCapacity * EFFECT_BYTES);
    }
    this.#records = records;
    this.#recordCapacity = capacity;
  }

  // The sampled pages of every running vaddr context target that is this task (prepare has
  // just chosen them). With one such target and nothing swapped out, its context's next
  // sampling pass decides them; otherwise touchSampled does now, once per target: with swapped
  // pages it lists the touched ones and touchPages swaps them back in with fault accounting.
  #decide(): void {
    const task = this.#task;
    const mem = this.#sim.mem;
    const u32 = mem.u32;
    const pending = this.#pending >>> 2;
    u32[pending + PENDING_EFFECTS / 4] = this.#records;
    const watching: Array<{ ctx: DamonContext; t: number }> = [];
    for (const ctx of this.#sim.contexts) {
      if (!ctx.running || ctx.ops !== "vaddr") continue;
      ctx.targets.forEach((target, t) => {
        if (target.task === task) watching.push({ ctx, t });
      });
    }
    const inPlace = task.mm!.space.swappedPages === 0;
    if (inPlace && watching.length === 1) {
      u32[pending + PENDING_NR_EFFECTS / 4] = this.#nEffects;
      if (watching[0].ctx.deferSampledAccesses(watching[0].t, this.#pending)) {
        this.#deferredTo = watching[0];
        return;
      }
    }
    for (const { ctx, t } of watching) {
      const table = ctx.regions;
      const nr = table.countOf(t);
      if (!inPlace && nr > this.#outCapacity) this.#growOut(nr);
      const out = inPlace ? 0 : this.#out;
      mem.u32[pending + PENDING_NR_EFFECTS / 4] = this.#nEffects;
      const touched = mem.wasm.touchSampled(task.mm!.root, table.ptr(table.firstOf(t)), nr, this.#pending, out);
      const words = mem.u32;
      for (let i = 0, w = out >>> 2; i < touched; i++, w += 2) this.#toucher.touch(words[w] + words[w + 1] * TWO_32);
    }
    this.#toucher.flush();
  }

  // The pending block back from a context: normally its sampling pass took it. If no pass did
  // (the context stopped, or slept for its watermarks), the pages are decided now, as they
  // would have been; if the context dropped the target, there is nothing left to decide.
  #takeBack(): void {
    const { ctx, t } = this.#deferredTo!;
    this.#deferredTo = null;
    const mem = this.#sim.mem;
    if (mem.u32[(this.#pending + PENDING_NR_EFFECTS) >>> 2] !== 0) {
      const stillThere = ctx.targets[t]?.task === this.#task && ctx.takePending(t) === this.#pending;
      const table = ctx.regions;
      const [root, first, nr] = stillThere && ctx.running ? [this.#task.mm!.root, table.ptr(table.firstOf(t)), table.countOf(t)] : [0, 0, 0];
      mem.wasm.touchSampled(root, first, nr, this.#pending, 0);
    }
  }

  #growOut(nr: number): void {
    const mem = this.#sim.mem;
    if (this.#outCapacity > 0) mem.free(this.#out, this.#outCapacity * 8);
    this.#outCapacity = Math.max(nr, this.#outCapacity * 2);
    this.#out = mem.alloc(this.#outCapacity * 8);
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

/**
 * (1 - P(r))^m for a Zipf pattern that made m accesses, in simulation memory for touchSampled:
 * exact for the first ZIPF_EXACT_RANKS ranks, then one value per 1/ZIPF_PER_OCTAVE octave of
 * rank (P changes by under 5 % within one). Rebuilt only when m changes, which in steady
 * phases is never.
 */
class ZipfMiss {
  readonly #sim: Simulation;
  readonly #zipf: Zipf;
  /** Pointer to the f64 table. */
  readonly table: number;
  readonly #length: number;
  #m = -1;

  constructor(sim: Simulation, zipf: Zipf) {
    this.#sim = sim;
    this.#zipf = zipf;
    const octaves = Math.max(0, Math.ceil(Math.log2(zipf.n + 1)) - Math.log2(ZIPF_EXACT_RANKS));
    this.#length = ZIPF_EXACT_RANKS + octaves * ZIPF_PER_OCTAVE;
    this.table = sim.mem.alloc(this.#length * 8);
  }

  prepare(m: number): void {
    if (m === this.#m) return;
    this.#m = m;
    const f64 = this.#sim.mem.f64;
    const at = this.table >>> 3;
    const miss = (r: number) => Math.exp(m * Math.log1p(-this.#zipf.pmf(r)));
    for (let r = 1; r <= ZIPF_EXACT_RANKS; r++) f64[at + r - 1] = miss(r);
    const firstOctave = Math.log2(ZIPF_EXACT_RANKS);
    for (let i = ZIPF_EXACT_RANKS; i < this.#length; i++) {
      const k = i - ZIPF_EXACT_RANKS;
      f64[at + i] = miss(2 ** (firstOctave + Math.floor(k / ZIPF_PER_OCTAVE) + ((k % ZIPF_PER_OCTAVE) + 0.5) / ZIPF_PER_OCTAVE));
    }
  }
}
