/**
 * A queue of access runs, column by column: a run is one page accessed `count` times from
 * tick `first` to tick `last` (within one time quantum). Runs are in order of `first`; runs
 * of different pages may overlap in time. Trace readers append, the replayer consumes from
 * the head.
 */
export class RunBuffer {
  page = new Float64Array(4096);
  first = new Float64Array(4096);
  last = new Float64Array(4096);
  count = new Float64Array(4096);
  write = new Uint8Array(4096);
  head = 0;
  tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(page: number, first: number, last: number, count: number, write: boolean): void {
    if (this.tail === this.page.length) this.#makeRoom();
    const i = this.tail++;
    this.page[i] = page;
    this.first[i] = first;
    this.last[i] = last;
    this.count[i] = count;
    this.write[i] = write ? 1 : 0;
  }

  /** Makes room for `n` more runs, so a reader can write the columns at `tail` directly. */
  reserve(n: number): void {
    while (this.tail + n > this.page.length) this.#makeRoom(n);
  }

  clear(): void {
    this.head = this.tail = 0;
  }

  // Drops consumed runs; grows when more than half would still be queued.
  #makeRoom(extra = 1): void {
    const live = this.tail - this.head;
    if ((live + extra) * 2 > this.page.length) {
      let size = this.page.length * 2;
      while (size < live + extra) size *= 2;
      for (const key of ["page", "first", "last", "count"] as const) {
        const next = new Float64Array(size);
        next.set(this[key].subarray(this.head, this.tail));
        this[key] = next;
      }
      const write = new Uint8Array(size);
      write.set(this.write.subarray(this.head, this.tail));
      this.write = write;
    } else {
      for (const column of [this.page, this.first, this.last, this.count, this.write]) column.copyWithin(0, this.head, this.tail);
    }
    this.head = 0;
    this.tail = live;
  }
}
