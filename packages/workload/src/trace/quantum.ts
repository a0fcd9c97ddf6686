import type { RunBuffer } from "./runs.js";

/**
 * Folds accesses into runs, one per page per time quantum: all accesses to a page within one
 * aligned quantum of `quantum` ticks become one run (first and last tick, count). Accessed
 * bits only record whether a page was used, so this loses nothing a monitor can see except
 * where a kdamond wake-up falls inside a quantum (the page then counts on both sides if it
 * was accessed on both). Runs leave in order of their first tick.
 */
export class QuantumRuns {
  readonly #out: RunBuffer;
  readonly #quantum: number;
  #end = -Infinity;
  // The current quantum's runs, in order of creation (= of first tick).
  #page = new Float64Array(256);
  #first = new Float64Array(256);
  #last = new Float64Array(256);
  #count = new Float64Array(256);
  #write = new Uint8Array(256);
  #n = 0;
  // Open-addressing index page -> run, valid for the current generation only.
  #keys = new Float64Array(512);
  #slots = new Int32Array(512);
  #gens = new Uint32Array(512);
  #gen = 1;
  #lastPage = -1;
  #lastRun = -1;

  constructor(out: RunBuffer, quantum: number) {
    if (!(quantum >= 1)) throw new RangeError(`quantum must be at least 1 tick, got ${quantum}`);
    this.#out = out;
    this.#quantum = quantum;
  }

  /** An access to `page` at `tick`; ticks must not decrease. */
  add(page: number, tick: number, write: boolean): void {
    if (tick >= this.#end) {
      this.flush();
      this.#end = (Math.floor(tick / this.#quantum) + 1) * this.#quantum;
    }
    let r = this.#lastRun;
    if (page !== this.#lastPage) {
      r = this.#find(page);
      this.#lastPage = page;
      this.#lastRun = r;
    }
    if (r < 0) {
      r = this.#create(page, tick);
      this.#lastRun = r;
    }
    this.#last[r] = tick;
    this.#count[r]++;
    if (write) this.#write[r] = 1;
  }

  /** Emits the current quantum's runs. */
  flush(): void {
    const n = this.#n;
    if (n === 0) return;
    const out = this.#out;
    out.reserve(n);
    const t = out.tail;
    out.page.set(this.#page.subarray(0, n), t);
    out.first.set(this.#first.subarray(0, n), t);
    out.last.set(this.#last.subarray(0, n), t);
    out.count.set(this.#count.subarray(0, n), t);
    out.write.set(this.#write.subarray(0, n), t);
    out.tail = t + n;
    this.#n = 0;
    if (++this.#gen === 2 ** 32) {
      this.#gens.fill(0);
      this.#gen = 1;
    }
    this.#lastPage = -1;
    this.#lastRun = -1;
  }

  #find(page: number): number {
    const mask = this.#keys.length - 1;
    for (let s = Math.imul(page | 0, 0x9e3779b1) >>> 0 & mask; ; s = (s + 1) & mask) {
      if (this.#gens[s] !== this.#gen) return -1;
      if (this.#keys[s] === page) return this.#slots[s];
    }
  }

  #create(page: number, tick: number): number {
    if (this.#n * 2 >= this.#keys.length) this.#grow();
    const r = this.#n++;
    this.#page[r] = page;
    this.#first[r] = tick;
    this.#count[r] = 0;
    this.#write[r] = 0;
    this.#index(page, r);
    return r;
  }

  #index(page: number, r: number): void {
    const mask = this.#keys.length - 1;
    let s = Math.imul(page | 0, 0x9e3779b1) >>> 0 & mask;
    while (this.#gens[s] === this.#gen) s = (s + 1) & mask;
    this.#keys[s] = page;
    this.#slots[s] = r;
    this.#gens[s] = this.#gen;
  }

  #grow(): void {
    const size = this.#page.length * 2;
    const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(a);
      return next;
    };
    this.#page = grow(this.#page, (n) => new Float64Array(n));
    this.#first = grow(this.#first, (n) => new Float64Array(n));
    this.#last = grow(this.#last, (n) => new Float64Array(n));
    this.#count = grow(this.#count, (n) => new Float64Array(n));
    this.#write = grow(this.#write, (n) => new Uint8Array(n));
    this.#keys = new Float64Array(size * 2);
    this.#slots = new Int32Array(size * 2);
    this.#gens = new Uint32Array(size * 2);
    this.#gen = 1;
    for (let r = 0; r < this.#n; r++) this.#index(this.#page[r], r);
  }
}
