import { mul32, Rng, type Seed } from "@damon-sim/core";

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/**
 * Core's seeded xoshiro128** stream, drawn bit for bit as `Rng.from(seed, stream)` draws it,
 * with the state in plain fields: the engines make one draw per sampled page or access, and
 * core's private-field Rng costs ~4x as much per draw in V8.
 */
export class FastRng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  constructor(seed: Seed, stream: string) {
    const s = Rng.from(seed, stream).state();
    this.#s0 = s[0] | 0;
    this.#s1 = s[1] | 0;
    this.#s2 = s[2] | 0;
    this.#s3 = s[3] | 0;
  }

  nextU32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const s2 = this.#s2 ^ this.#s0;
    const s3 = this.#s3 ^ s1;
    this.#s1 = s1 ^ s2;
    this.#s0 ^= s3;
    this.#s2 = s2 ^ t;
    this.#s3 = rotl(s3, 11);
    return result;
  }

  /** The next `n` draws of nextU32 into `out`, with the state in locals (the fast engine's hot loop). */
  fill(out: Uint32Array, n: number): void {
    let s0 = this.#s0;
    let s1 = this.#s1;
    let s2 = this.#s2;
    let s3 = this.#s3;
    for (let i = 0; i < n; i++) {
      out[i] = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = rotl(s3, 11);
    }
    this.#s0 = s0;
    this.#s1 = s1;
    this.#s2 = s2;
    this.#s3 = s3;
  }

  /** Uniform integer in [0, n), 1 <= n <= 2^53, exactly as Rng.below. */
  below(n: number): number {
    if (n < TWO_32) {
      let [hi, lo] = mul32(this.nextU32(), n);
      if (lo < n) {
        const t = (TWO_32 - n) % n;
        while (lo < t) [hi, lo] = mul32(this.nextU32(), n);
      }
      return hi;
    }
    if (n === TWO_32) return this.nextU32();
    const lim = TWO_53 % n;
    let r: number;
    do {
      r = (this.nextU32() >>> 11) * TWO_32 + this.nextU32();
    } while (r < lim);
    return r % n;
  }

  /** Uniform float in [0, 1), exactly as Rng.float. */
  float(): number {
    return ((this.nextU32() >>> 11) * TWO_32 + this.nextU32()) / TWO_53;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
