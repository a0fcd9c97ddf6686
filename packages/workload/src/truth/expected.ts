import { PAGE_SIZE } from "@damon-sim/core";
import { pageOverlap, positionAddress, RANDOM, SEQUENTIAL, type CompiledPattern, type CompiledPhase } from "../compile.js";
import { arcRuns } from "../engine/sequential.js";
import type { TruthCollector } from "./collector.js";
import { FrequencyMapBuilder, type FrequencyMap } from "./frequency-map.js";

const pageOf = (addr: number) => Math.floor(addr / PAGE_SIZE);

/**
 * The fast engine's ground truth: no page table, but from the model, for each window, the
 * probability that each page was touched given how many accesses each pattern made — 1 on a
 * sequential walk (the share of pages hit when the stride skips pages), 1 - (1 - b/L)^m for m
 * uniform accesses, 1 - (1 - P(r))^m for Zipf rank r (in buckets of a quarter octave past rank
 * 16). Patterns on the same pages combine as independent events. Everything is kept as page
 * ranges, so the cost does not depend on the memory size.
 */
export class ExpectedCollector implements TruthCollector {
  readonly #patterns: readonly CompiledPattern[];
  readonly #domain: ReadonlyArray<[number, number]>;
  readonly #detach: () => void;
  readonly #m: Float64Array;
  readonly #start: Float64Array;
  #active: number[] = [];
  #items: number[] = [];

  /** `attach` starts calling onPiece before each stretch is applied and returns the undo. */
  constructor(
    patterns: readonly CompiledPattern[],
    domain: ReadonlyArray<[number, number]>,
    attach: (collector: ExpectedCollector) => () => void,
  ) {
    this.#patterns = patterns;
    this.#domain = domain;
    this.#m = new Float64Array(patterns.length);
    this.#start = new Float64Array(patterns.length);
    this.#detach = attach(this);
  }

  /** A stretch of accesses, seen before the engine moves the sequential positions. */
  onPiece(phase: CompiledPhase, counts: Float64Array): void {
    for (const p of phase.patterns) {
      const m = counts[p.id];
      if (m === 0) continue;
      if (this.#m[p.id] === 0) {
        this.#start[p.id] = p.pos;
        this.#active.push(p.id);
      }
      this.#m[p.id] += m;
    }
  }

  openWindow(): void {
    for (const id of this.#active) this.#m[id] = 0;
    this.#active = [];
  }

  closeWindow(): void {
    const items: number[] = [];
    for (const id of this.#active) coverage(this.#patterns[id], this.#m[id], this.#start[id], items);
    const window = sweep(items, true);
    for (let i = 0; i < window.length; i++) this.#items.push(window[i]);
    this.openWindow();
  }

  aggregate(windows: number): FrequencyMap {
    const sums = sweep(this.#items, false);
    this.#items = [];
    const out = new FrequencyMapBuilder();
    let k = 0;
    for (const [first, end] of this.#domain) {
      let at = first;
      for (; k < sums.length && sums[k] < end; k += 3) {
        out.push(at, sums[k], 0);
        out.push(sums[k], sums[k + 1], windows ? Math.min(1, sums[k + 2] / windows) : 0);
        at = sums[k + 1];
      }
      out.push(at, end, 0);
    }
    return out.build();
  }

  dispose(): void {
    this.#detach();
  }
}

/** Pushes (firstPage, endPage, probability) triples for what `m` accesses of `p` touched. */
function coverage(p: CompiledPattern, m: number, start: number, out: number[]): void {
  if (p.kind === SEQUENTIAL) {
    const arcs = new Float64Array(4);
    for (let k = arcRuns(p, start, m, arcs) * 2 - 2; k >= 0; k -= 2) {
      const first = pageOf(positionAddress(p, arcs[k]));
      const last = pageOf(positionAddress(p, arcs[k + 1]));
      out.push(first, last + 1, p.stride <= PAGE_SIZE ? 1 : Math.min(1, (arcs[k + 1] - arcs[k] + 1) / (last - first + 1)));
    }
    return;
  }
  const f = p.firstPage;
  const l = p.lastPage;
  if (p.kind === RANDOM) {
    const edge = (page: number) => 1 - Math.pow(1 - pageOverlap(p, page) / p.length, m);
    out.push(f, f + 1, edge(f));
    if (l > f + 1) out.push(f + 1, l, -Math.expm1(m * Math.log1p(-PAGE_SIZE / p.length)));
    if (l > f) out.push(l, l + 1, edge(l));
    return;
  }
  const zipf = p.zipf!;
  const n = l - f + 1;
  for (let r = 1; r <= n; ) {
    const next = Math.min(n + 1, r + (r <= 16 ? 1 : Math.floor(r / 4)));
    out.push(f + r - 1, f + next - 1, -Math.expm1(m * Math.log1p(-zipf.pmf((r + next - 1) / 2))));
    r = next;
  }
}

/**
 * Combines overlapping (first, end, value) triples into disjoint sorted ones: as independent
 * probabilities (`union`: 1 - Π(1 - p)) or as a sum.
 */
function sweep(items: number[], union: boolean): number[] {
  const n = items.length / 3;
  const order = new Array<number>(2 * n);
  for (let i = 0; i < 2 * n; i++) order[i] = i;
  // Event e: item e >> 1, opening when e is even; closes sort before opens at the same page.
  const pos = (e: number) => items[3 * (e >> 1) + (e & 1)];
  order.sort((a, b) => pos(a) - pos(b) || (b & 1) - (a & 1));
  const out: number[] = [];
  let active = 0;
  let certain = 0;
  let acc = 0;
  let prev = 0;
  for (const e of order) {
    const at = pos(e);
    if (active > 0 && at > prev) {
      const value = union ? (certain > 0 ? 1 : -Math.expm1(acc)) : acc;
      if (value > 0) out.push(prev, at, value);
    }
    const v = items[3 * (e >> 1) + 2];
    const sign = e & 1 ? -1 : 1;
    active += sign;
    if (!union) acc += sign * v;
    else if (v >= 1) certain += sign;
    else acc += sign * Math.log1p(-v);
    if (active === 0) acc = 0; // no drift across gaps
    prev = at;
  }
  return out;
}
