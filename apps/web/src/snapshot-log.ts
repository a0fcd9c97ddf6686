import type { RecordRegion, RecordSnapshot, TargetId } from "@damon-sim/record";

// One aggregation as float64 words, the same on both sides of the worker boundary:
//   header: [words, startNs, endNs, nrTargets, residentBytes, majorFaults, wssTrue, hotPrecision, hotRecall, frequencyMae]
//   per target: [id >> 32, id & 0xffffffff, nrRegions], then per region [start, end, nrAccesses, age]
// NaN marks an unknown value (no start, no age, no ground truth, a null target id). Ids are
// split so that old records' kernel-pointer ids (bigints) come back exact.
const WORDS = 0;
const START = 1;
const END = 2;
const NR_TARGETS = 3;
const RESIDENT = 4;
const FAULTS = 5;
const WSS_TRUE = 6;
const PRECISION = 7;
const RECALL = 8;
const MAE = 9;
const HEADER_WORDS = 10;
const TARGET_WORDS = 3;
const REGION_WORDS = 4;

/** Words per segment unless one aggregation needs more (8 MiB: ~260k regions). */
export const SEGMENT_WORDS = 1 << 20;

/** What the worker appends: an aggregation snapshot's shape, regions by index over all targets. */
export interface EntrySource {
  startNs: number | null;
  endNs: number;
  residentBytes: number | null;
  majorFaults: number | null;
  targets: ReadonlyArray<{ id: TargetId; first: number; nrRegions: number }>;
  start(i: number): number;
  end(i: number): number;
  nrAccesses(i: number): number;
  age(i: number): number | null;
}

/** Accuracy of one aggregation against the ground truth. */
export interface EntryAccuracy {
  wssTrue: number;
  hotPrecision: number;
  hotRecall: number;
  frequencyMae: number;
}

/** Where the worker's entries go: shared segments the page reads in place, or messages. */
export interface LogTransport {
  /** A zeroed segment of at least `words` words. */
  allocate(words: number): Float64Array;
  /** Makes the entries in `segment[from, to)` visible to the page; `count` in all so far. */
  publish(segment: Float64Array, from: number, to: number, count: number): void;
}

/**
 * The worker's side of the snapshot log: appends aggregations, lets accuracy be filled in
 * until they are published, then hands them to its transport.
 */
export class LogWriter {
  readonly #transport: LogTransport;
  #segment: Float64Array;
  #at = 0;
  #publishedAt = 0;
  #count = 0;
  #published = 0;
  // Unpublished entries: segment and offset, to fill accuracy in.
  readonly #pending: Array<{ segment: Float64Array; at: number; endNs: number }> = [];

  constructor(transport: LogTransport) {
    this.#transport = transport;
    this.#segment = transport.allocate(SEGMENT_WORDS);
  }

  get count(): number {
    return this.#count;
  }

  append(e: EntrySource): void {
    let nrRegions = 0;
    for (const t of e.targets) nrRegions += t.nrRegions;
    const words = HEADER_WORDS + e.targets.length * TARGET_WORDS + nrRegions * REGION_WORDS;
    this.#reserve(words);
    const w = this.#segment;
    const at = this.#at;
    w[at + START] = e.startNs ?? Number.NaN;
    w[at + END] = e.endNs;
    w[at + NR_TARGETS] = e.targets.length;
    w[at + RESIDENT] = e.residentBytes ?? Number.NaN;
    w[at + FAULTS] = e.majorFaults ?? Number.NaN;
    w.fill(Number.NaN, at + WSS_TRUE, at + HEADER_WORDS);
    let p = at + HEADER_WORDS;
    for (const t of e.targets) {
      const [high, low] = splitId(t.id);
      w[p++] = high;
      w[p++] = low;
      w[p++] = t.nrRegions;
      for (let i = t.first; i < t.first + t.nrRegions; i++) {
        w[p++] = e.start(i);
        w[p++] = e.end(i);
        w[p++] = e.nrAccesses(i);
        w[p++] = e.age(i) ?? Number.NaN;
      }
    }
    w[at + WORDS] = words; // last: a shared reader takes a zero length as "nothing yet"
    this.#pending.push({ segment: w, at, endNs: e.endNs });
    this.#at += words;
    this.#count++;
  }

  /** Accuracy for the unpublished aggregation ending at `endNs` (ignored once published). */
  setAccuracy(endNs: number, a: EntryAccuracy): void {
    const entry = this.#pending.find((p) => p.endNs === endNs);
    if (!entry) return;
    const { segment: w, at } = entry;
    w[at + WSS_TRUE] = a.wssTrue;
    w[at + PRECISION] = a.hotPrecision;
    w[at + RECALL] = a.hotRecall;
    w[at + MAE] = a.frequencyMae;
  }

  publish(): void {
    if (this.#published === this.#count) return;
    this.#transport.publish(this.#segment, this.#publishedAt, this.#at, this.#count);
    this.#publishedAt = this.#at;
    this.#published = this.#count;
    this.#pending.length = 0;
  }

  #reserve(words: number): void {
    if (this.#at + words <= this.#segment.length) return;
    // Whole entries only: a reader moves to the next segment at a zero length word.
    this.publish();
    this.#segment = this.#transport.allocate(Math.max(SEGMENT_WORDS, words + 1));
    this.#at = 0;
    this.#publishedAt = 0;
  }
}

/** One region as found in the log. */
export interface LogRegion {
  /** Index among its target's regions in that aggregation. */
  index: number;
  start: number;
  end: number;
  nrAccesses: number;
  age: number | null;
  targetId: TargetId;
}

/**
 * The page's side: indexes entries as they become visible and reads them where they lie
 * (shared segments or received messages), without copying the regions.
 */
export class LogReader {
  readonly #segments: Float64Array[] = [];
  // Per entry: segment index and word offset.
  #segmentOf = new Int32Array(1024);
  #offsetOf = new Int32Array(1024);
  #count = 0;
  #segment = 0;
  #at = 0;

  get count(): number {
    return this.#count;
  }

  addSegment(words: Float64Array): void {
    this.#segments.push(words);
  }

  /** Indexes entries up to `limit` (what the writer published); returns the new count. */
  sync(limit = Infinity): number {
    while (this.#count < limit) {
      const segment = this.#segments[this.#segment];
      if (!segment) break;
      const words = this.#at < segment.length ? segment[this.#at] : 0;
      if (!words) {
        if (this.#segment + 1 >= this.#segments.length) break; // the next segment has not arrived yet
        this.#segment++;
        this.#at = 0;
        continue;
      }
      this.#index(this.#segment, this.#at);
      this.#at += words;
    }
    return this.#count;
  }

  startNs(i: number): number | null {
    const v = this.#word(i, START);
    return Number.isNaN(v) ? null : v;
  }

  endNs(i: number): number {
    return this.#word(i, END);
  }

  residentBytes(i: number): number {
    return this.#word(i, RESIDENT);
  }

  majorFaults(i: number): number {
    return this.#word(i, FAULTS);
  }

  /** NaN fields when the aggregation was not compared with a ground truth. */
  accuracy(i: number): EntryAccuracy {
    return {
      wssTrue: this.#word(i, WSS_TRUE),
      hotPrecision: this.#word(i, PRECISION),
      hotRecall: this.#word(i, RECALL),
      frequencyMae: this.#word(i, MAE),
    };
  }

  /** Regions over all targets, and the working set (regions with nr_accesses ≥ 1, damo wss's default). */
  stats(i: number): { nrRegions: number; wss: number } {
    let nrRegions = 0;
    let wss = 0;
    this.#forEachTarget(i, (_id, w, first, n) => {
      nrRegions += n;
      for (let p = first, last = first + n * REGION_WORDS; p < last; p += REGION_WORDS) {
        if (w[p + 2] >= 1) wss += w[p + 1] - w[p];
      }
    });
    return { nrRegions, wss };
  }

  /** The region holding `addr` in target `tid` (any target when undefined). */
  regionAt(i: number, addr: number, tid?: TargetId): LogRegion | null {
    let found: LogRegion | null = null;
    this.#forEachTarget(i, (id, w, first, n) => {
      if (found || (tid !== undefined && id !== tid)) return;
      let lo = 0;
      let hi = n - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const p = first + mid * REGION_WORDS;
        if (addr < w[p]) hi = mid - 1;
        else if (addr >= w[p + 1]) lo = mid + 1;
        else {
          found = { index: mid, start: w[p], end: w[p + 1], nrAccesses: w[p + 2], age: Number.isNaN(w[p + 3]) ? null : w[p + 3], targetId: id };
          return;
        }
      }
    });
    return found;
  }

  /** The aggregation as the record package's reports take it (a fresh object each call). */
  snapshot(i: number): RecordSnapshot {
    const targets: RecordSnapshot["targets"] = [];
    this.#forEachTarget(i, (id, w, first, n) => {
      const regions: RecordRegion[] = new Array(n);
      for (let k = 0, p = first; k < n; k++, p += REGION_WORDS) {
        regions[k] = { start: w[p], end: w[p + 1], nrAccesses: w[p + 2], age: Number.isNaN(w[p + 3]) ? null : w[p + 3] };
      }
      targets.push({ id, regions });
    });
    return { startNs: this.startNs(i), endNs: this.endNs(i), targets };
  }

  /** Snapshots `from` (inclusive) to `to` (exclusive), generated lazily. */
  *snapshots(from = 0, to = this.#count): Generator<RecordSnapshot> {
    for (let i = from; i < to; i++) yield this.snapshot(i);
  }

  /** The last entry ending at or after `timeNs` and starting at or before it; -1 if none. */
  entryAt(timeNs: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.endNs(mid) < timeNs) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= this.#count) return -1;
    const start = this.startNs(lo);
    return timeNs <= this.endNs(lo) && (start === null || start <= timeNs) ? lo : -1;
  }

  #index(segment: number, at: number): void {
    if (this.#count === this.#segmentOf.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.#segmentOf = grow(this.#segmentOf);
      this.#offsetOf = grow(this.#offsetOf);
    }
    this.#segmentOf[this.#count] = segment;
    this.#offsetOf[this.#count] = at;
    this.#count++;
  }

  #word(i: number, field: number): number {
    return this.#segments[this.#segmentOf[i]][this.#offsetOf[i] + field];
  }

  #forEachTarget(i: number, visit: (id: TargetId, words: Float64Array, first: number, n: number) => void): void {
    const w = this.#segments[this.#segmentOf[i]];
    const at = this.#offsetOf[i];
    let p = at + HEADER_WORDS;
    for (let t = 0, nt = w[at + NR_TARGETS]; t < nt; t++) {
      const id = joinId(w[p], w[p + 1]);
      const n = w[p + 2];
      visit(id, w, p + TARGET_WORDS, n);
      p += TARGET_WORDS + n * REGION_WORDS;
    }
  }
}

const TWO_32 = 2 ** 32;

function splitId(id: TargetId): [number, number] {
  if (id === null) return [Number.NaN, 0];
  const big = BigInt(id);
  return [Number(big >> 32n), Number(big & 0xffffffffn)];
}

// As the record package reads them: a number below 2^53, a bigint from there on.
function joinId(high: number, low: number): TargetId {
  if (Number.isNaN(high)) return null;
  const n = high * TWO_32 + low;
  return Number.isSafeInteger(n) ? n : (BigInt(high) << 32n) | BigInt(low);
}
