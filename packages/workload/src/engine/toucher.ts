import type { AddressSpace } from "@damon-sim/core";

const BATCH = 65536;

/**
 * Accesses sent to the process's page table and to every ground-truth shadow of it. Single
 * page accesses are batched into one touchPages call (one wasm call per batch); call flush()
 * before anything reads the bits.
 */
export class Toucher {
  readonly #spaces: AddressSpace[];
  readonly #buf = new Float64Array(BATCH);
  #n = 0;

  constructor(main: AddressSpace) {
    this.#spaces = [main];
  }

  /** Mirrors every later access into `space` (a ground-truth shadow); returns the undo. */
  mirror(space: AddressSpace): () => void {
    this.flush();
    this.#spaces.push(space);
    return () => {
      this.flush();
      this.#spaces.splice(this.#spaces.indexOf(space), 1);
    };
  }

  touch(addr: number): void {
    this.#buf[this.#n++] = addr;
    if (this.#n === BATCH) this.flush();
  }

  touchRange(start: number, end: number): void {
    for (const space of this.#spaces) space.touchRange(start, end);
  }

  flush(): void {
    if (this.#n === 0) return;
    for (const space of this.#spaces) space.touchPages(this.#buf, this.#n);
    this.#n = 0;
  }
}
