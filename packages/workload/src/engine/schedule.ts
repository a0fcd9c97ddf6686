import type { CompiledPhase, CompiledWorkload } from "../compile.js";
import type { FastRng } from "../fast-rng.js";
import { binomial, pick } from "../random.js";

/** Receives each stretch of one phase: `counts[pattern.id]` accesses per pattern of `phase`. */
export type PieceSink = (phase: CompiledPhase, counts: Float64Array) => void;

/**
 * The model's clock: which phase runs when, how many accesses fit in a stretch of time
 * (accessRate per second, counted from the phase start so rounding never drifts), and which
 * pattern gets them. Patterns are chosen per burst as masim does; a stretch holding many
 * bursts draws their split at once (a multinomial), so the cost does not grow with the rate.
 */
export class Schedule {
  readonly startUs: number;
  /** When the last phase ends (Infinity for a looping model). */
  readonly endUs: number;
  readonly counts: Float64Array;
  readonly #w: CompiledWorkload;
  readonly #rng: FastRng;
  readonly #perUs: number;
  readonly #burst: number;
  #phase = 0;
  #phaseStart: number;
  #done = 0;
  #cursor: number;
  #burstPattern = -1;
  #burstLeft = 0;
  #ended = false;

  constructor(w: CompiledWorkload, rng: FastRng, startUs: number) {
    this.#w = w;
    this.#rng = rng;
    this.#perUs = w.model.accessRate / 1e6;
    this.#burst = w.model.burst;
    this.startUs = this.#cursor = this.#phaseStart = startUs;
    this.endUs = w.model.loop ? Infinity : startUs + w.cycleUs;
    this.counts = new Float64Array(w.patterns.length);
    this.#enterPhase();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The phase running now (the last one once ended). */
  get phase(): CompiledPhase {
    return this.#w.phases[Math.min(this.#phase, this.#w.phases.length - 1)];
  }

  /** Runs the model up to `nowUs`, handing each non-empty stretch to `sink`. */
  advance(nowUs: number, sink: PieceSink): void {
    while (!this.#ended && this.#cursor < nowUs) {
      const phase = this.#w.phases[this.#phase];
      const phaseEnd = this.#phaseStart + phase.durationUs;
      const to = Math.min(nowUs, phaseEnd);
      const target = Math.floor((to - this.#phaseStart) * this.#perUs);
      const n = target - this.#done;
      if (n > 0 && phase.totalWeight > 0) {
        this.#distribute(phase, n);
        sink(phase, this.counts);
      }
      this.#done = target;
      this.#cursor = to;
      if (to >= phaseEnd) this.#nextPhase(phaseEnd);
    }
  }

  #nextPhase(at: number): void {
    this.#phase++;
    this.#phaseStart = at;
    this.#done = 0;
    this.#burstLeft = 0;
    if (this.#phase === this.#w.phases.length) {
      if (!this.#w.model.loop) {
        this.#ended = true;
        return;
      }
      this.#phase = 0;
    }
    this.#enterPhase();
  }

  // Each phase has its own patterns, whose sequential offsets start over (masim: last_offset = 0).
  #enterPhase(): void {
    for (const p of this.#w.phases[this.#phase].patterns) p.pos = 0;
  }

  // Finishes the burst in progress, splits the whole bursts among patterns by weight, and
  // starts a new burst with what is left.
  #distribute(phase: CompiledPhase, n: number): void {
    const counts = this.counts;
    const patterns = phase.patterns;
    for (const p of patterns) counts[p.id] = 0;
    if (this.#burstLeft > 0) {
      const k = Math.min(this.#burstLeft, n);
      counts[patterns[this.#burstPattern].id] += k;
      this.#burstLeft -= k;
      n -= k;
    }
    if (n === 0) return;
    const burst = this.#burst;
    let full = Math.floor(n / burst);
    const rest = n - full * burst;
    let weightLeft = phase.totalWeight;
    for (let i = 0; i < patterns.length && full > 0; i++) {
      const w = phase.weights[i];
      if (w === 0) continue;
      const k = w >= weightLeft ? full : binomial(this.#rng, full, w / weightLeft);
      counts[patterns[i].id] += k * burst;
      full -= k;
      weightLeft -= w;
    }
    if (rest > 0) {
      const i = pick(this.#rng, phase.weights, phase.totalWeight);
      counts[patterns[i].id] += rest;
      this.#burstPattern = i;
      this.#burstLeft = burst - rest;
    }
  }
}
