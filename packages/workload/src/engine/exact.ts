import { PAGE_SIZE } from "@damon-sim/core";
import { RANDOM, SEQUENTIAL, type CompiledPhase } from "../compile.js";
import type { FastRng } from "../fast-rng.js";
import { arcRuns, touchArc } from "./sequential.js";
import type { Toucher } from "./toucher.js";

/**
 * Every access sets its page's Accessed bit: sequential walks as page ranges (every page
 * they cross), random and Zipf accesses one by one. Cost grows with the number of accesses.
 */
export class ExactEngine {
  readonly #toucher: Toucher;
  readonly #rng: FastRng;
  readonly #arcs = new Float64Array(4);

  constructor(toucher: Toucher, rng: FastRng) {
    this.#toucher = toucher;
    this.#rng = rng;
  }

  apply(phase: CompiledPhase, counts: Float64Array): void {
    const toucher = this.#toucher;
    const rng = this.#rng;
    for (const p of phase.patterns) {
      const m = counts[p.id];
      if (m === 0) continue;
      if (p.kind === SEQUENTIAL) {
        const arcs = this.#arcs;
        for (let k = arcRuns(p, p.pos, m, arcs) * 2 - 2; k >= 0; k -= 2) touchArc(toucher, p, arcs[k], arcs[k + 1]);
        p.pos = (p.pos + m) % p.positions;
      } else if (p.kind === RANDOM) {
        for (let i = 0; i < m; i++) toucher.touch(p.base + rng.below(p.length));
      } else {
        const zipf = p.zipf!;
        for (let i = 0; i < m; i++) {
          toucher.touch(Math.max(p.base, (p.firstPage + zipf.sample(rng) - 1) * PAGE_SIZE));
        }
      }
    }
    toucher.flush();
  }
}
