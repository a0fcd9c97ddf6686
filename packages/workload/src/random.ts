import type { FastRng } from "./fast-rng.js";

/** Standard normal deviate (Box-Muller). */
export function gaussian(rng: FastRng): number {
  const u = 1 - rng.float(); // (0, 1]
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.float());
}

/**
 * Binomial(n, p) with bounded cost: exact (direct or by inversion) while n·p is small, the
 * normal approximation beyond, where its error is far below the sampling noise it models.
 */
export function binomial(rng: FastRng, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p > 0.5) return n - binomial(rng, n, 1 - p);
  if (n <= 32) {
    let k = 0;
    for (let i = 0; i < n; i++) if (rng.float() < p) k++;
    return k;
  }
  const mean = n * p;
  if (mean < 30) {
    // Inversion: walk the CDF from 0; expected steps ≈ mean.
    const q = 1 - p;
    let prob = Math.pow(q, n);
    let cdf = prob;
    const u = rng.float();
    let k = 0;
    while (u > cdf && k < n) {
      prob *= ((n - k) / (k + 1)) * (p / q);
      k++;
      cdf += prob;
      if (prob < 1e-300) break;
    }
    return k;
  }
  const k = Math.round(mean + Math.sqrt(mean * (1 - p)) * gaussian(rng));
  return Math.min(n, Math.max(0, k));
}

/** Index i with probability weights[i] / total (total = sum of weights, > 0). */
export function pick(rng: FastRng, weights: ArrayLike<number>, total: number): number {
  let r = rng.float() * total;
  const last = weights.length - 1;
  for (let i = 0; i < last; i++) {
    r -= weights[i];
    if (r < 0) return i;
  }
  return last;
}

/**
 * Zipf's law over ranks 1..n with exponent s: P(r) = r^-s / H(n, s). Sampling by rejection
 * inversion (Hörmann and Derflinger 1996), O(1) per draw whatever n is.
 */
export class Zipf {
  readonly n: number;
  readonly s: number;
  /** The normaliser H(n, s) = Σ r^-s. */
  readonly norm: number;
  readonly #hX1: number;
  readonly #hN: number;
  readonly #sv: number;

  constructor(n: number, s: number) {
    this.n = n;
    this.s = s;
    this.norm = harmonic(n, s);
    this.#hX1 = this.#H(1.5) - 1;
    this.#hN = this.#H(n + 0.5);
    this.#sv = 2 - this.#Hinv(this.#H(2.5) - this.#h(2));
  }

  /** P(rank r). */
  pmf(r: number): number {
    return Math.exp(-this.s * Math.log(r)) / this.norm;
  }

  sample(rng: FastRng): number {
    for (;;) {
      const u = this.#hN + rng.float() * (this.#hX1 - this.#hN);
      const x = this.#Hinv(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.#sv || u >= this.#H(k + 0.5) - this.#h(k)) return k;
    }
  }

  #h(x: number): number {
    return Math.exp(-this.s * Math.log(x));
  }

  // ∫ x^-s dx, written to stay accurate near s = 1.
  #H(x: number): number {
    const lx = Math.log(x);
    return expm1OverX((1 - this.s) * lx) * lx;
  }

  #Hinv(x: number): number {
    let t = x * (1 - this.s);
    if (t < -1) t = -1; // rounding guard: log1p's domain
    return Math.exp(log1pOverX(t) * x);
  }
}

function expm1OverX(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x / 2;
}

function log1pOverX(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x / 2;
}

// Σ_{r=1..n} r^-s: summed exactly up to 1e6 terms, the tail by Euler–Maclaurin.
function harmonic(n: number, s: number): number {
  const exact = Math.min(n, 1_000_000);
  let sum = 0;
  for (let r = exact; r >= 1; r--) sum += Math.exp(-s * Math.log(r));
  if (n === exact) return sum;
  const f = (x: number) => Math.exp(-s * Math.log(x));
  const integral = s === 1 ? Math.log(n / exact) : (Math.pow(n, 1 - s) - Math.pow(exact, 1 - s)) / (1 - s);
  return sum + integral + (f(n) - f(exact)) / 2;
}
