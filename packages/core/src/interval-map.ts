interface Range<V> {
  start: number;
  end: number;
  value: V;
}

/** A set of disjoint [start, end) ranges, each with a value; setting a range overwrites it. */
export class IntervalMap<V> {
  #ranges: Range<V>[] = [];

  get ranges(): ReadonlyArray<{ readonly start: number; readonly end: number; readonly value: V }> {
    return this.#ranges;
  }

  set(start: number, end: number, value: V): void {
    if (end <= start) return;
    this.clear(start, end);
    const at = this.#ranges.findIndex((r) => r.start >= end);
    this.#ranges.splice(at < 0 ? this.#ranges.length : at, 0, { start, end, value });
    this.#coalesce();
  }

  clear(start: number, end: number): void {
    const out: Range<V>[] = [];
    for (const r of this.#ranges) {
      if (r.end <= start || r.start >= end) out.push(r);
      else {
        if (r.start < start) out.push({ ...r, end: start });
        if (r.end > end) out.push({ ...r, start: end });
      }
    }
    this.#ranges = out;
  }

  /** Bytes covered by ranges whose value satisfies `predicate`. */
  bytes(predicate: (value: V) => boolean = () => true): number {
    return this.#ranges.reduce((sum, r) => sum + (predicate(r.value) ? r.end - r.start : 0), 0);
  }

  get(addr: number): V | undefined {
    return this.#ranges.find((r) => r.start <= addr && addr < r.end)?.value;
  }

  #coalesce(): void {
    const out: Range<V>[] = [];
    for (const r of this.#ranges) {
      const last = out[out.length - 1];
      if (last && last.end === r.start && last.value === r.value) last.end = r.end;
      else out.push({ ...r });
    }
    this.#ranges = out;
  }
}
