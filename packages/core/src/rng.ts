const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;

/** A seed: any integer (number or bigint) or string; strings are hashed. */
export type Seed = number | bigint | string;

/**
 * Expands a seed into a stream-specific xoshiro128** state (4 x u32) with SplitMix64, so
 * that every context, workload and generator of one simulation draws from its own stream.
 */
export function seedState(seed: Seed, stream: string | number): Uint32Array {
  let x = (toSeed64(seed) ^ (hashString(String(stream)) * 0x9e3779b97f4a7c15n)) & MASK64;
  const state = new Uint32Array(4);
  for (let i = 0; i < 2; i++) {
    x = (x + 0x9e3779b97f4a7c15n) & MASK64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    z ^= z >> 31n;
    state[2 * i] = Number(z & 0xffffffffn);
    state[2 * i + 1] = Number(z >> 32n);
  }
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1; // xoshiro's one forbidden state
  return state;
}

const MASK64 = 0xffffffffffffffffn;

function toSeed64(seed: Seed): bigint {
  if (typeof seed === "bigint") return seed & MASK64;
  if (typeof seed === "number") {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    return BigInt(seed) & MASK64;
  }
  return hashString(seed);
}

// FNV-1a 64 over UTF-16 code units: stable across engines.
function hashString(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) {
    h ^= BigInt(text.charCodeAt(i));
    h = (h * 0x100000001b3n) & MASK64;
  }
  return h;
}

/**
 * xoshiro128**, the same generator and the same `below` as the wasm passes. The state lives in
 * plain fields: engines draw once per access or sampled page, and V8's private fields cost
 * several times more per draw.
 */
export class Rng {
  protected s0: number;
  protected s1: number;
  protected s2: number;
  protected s3: number;

  constructor(state: Uint32Array | readonly number[]) {
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
  }

  static from(seed: Seed, stream: string | number): Rng {
    return new Rng(seedState(seed, stream));
  }

  state(): Uint32Array {
    return Uint32Array.of(this.s0, this.s1, this.s2, this.s3);
  }

  nextU32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const s2 = this.s2 ^ this.s0;
    const s3 = this.s3 ^ s1;
    this.s1 = s1 ^ s2;
    this.s0 ^= s3;
    this.s2 = s2 ^ t;
    this.s3 = rotl(s3, 11);
    return result;
  }

  /** The next `n` draws of nextU32 into `out`, with the state in locals (hot loops). */
  fill(out: Uint32Array, n = out.length): void {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
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
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2^53, drawing exactly as the wasm passes do. */
  below(n: number): number {
    if (n < TWO_32) {
      // Lemire's multiply-shift with rejection, on the 64-bit product's halves.
      let [hi, lo] = mul32(this.nextU32(), n);
      if (lo < n) {
        const t = (TWO_32 - n) % n;
        while (lo < t) [hi, lo] = mul32(this.nextU32(), n);
      }
      return hi;
    }
    if (n === TWO_32) return this.nextU32();
    if (n > TWO_53) throw new RangeError(`below(${n}): spans above 2^53 need the wasm passes`);
    const lim = TWO_53 % n;
    let r: number;
    do {
      const hi = this.nextU32() >>> 11;
      r = hi * TWO_32 + this.nextU32();
    } while (r < lim);
    return r % n;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.nextU32() >>> 11;
    return (hi * TWO_32 + this.nextU32()) / TWO_53;
  }
}

/** The high and low 32 bits of a * b for u32 a, b (exact: 16-bit partial products). */
export function mul32(a: number, b: number): [number, number] {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const ll = aLo * bLo;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const lo = (((mid & 0xffff) << 16) | (ll & 0xffff)) >>> 0;
  const hi = aHi * bHi + (lh >>> 16) + (hl >>> 16) + (mid >>> 16);
  return [hi, lo];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
