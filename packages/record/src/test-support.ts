// Helpers shared by the tests (not part of the published package).
import fc from "fast-check";
import { concat } from "./io.js";
import { targetKey } from "./numbers.js";
import type { RecordFormat, RecordMetaInput, RecordRegion, RecordSnapshot, RecordTargetMeta, TargetId } from "./types.js";
import { createRecordWriter } from "./write.js";

/** Writes snapshots in a format into memory. */
/** Six snapshots of two targets (two regions and one), small enough to corrupt byte by byte. */
export const smallRecord: RecordSnapshot[] = Array.from({ length: 6 }, (_, i) => ({
  startNs: i * 100_000_000,
  endNs: (i + 1) * 100_000_000,
  targets: [
    { id: 1, regions: [{ start: 4096, end: 8192 + i * 4096, nrAccesses: i, age: i }, { start: 1 << 20, end: 2 << 20, nrAccesses: 2 * i, age: 0 }] },
    { id: 2, regions: [{ start: 0, end: 4096, nrAccesses: 1, age: 7 }] },
  ],
}));

export async function writeAll(format: RecordFormat, snapshots: Iterable<RecordSnapshot> | AsyncIterable<RecordSnapshot>, meta?: RecordMetaInput): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const writer = createRecordWriter(format, { write: (c) => void parts.push(c.slice()) }, meta);
  for await (const s of snapshots) await writer.write(s);
  await writer.close();
  return concat(parts);
}

/** Feeds bytes in chunks of the given sizes (cycled), to exercise chunk boundaries. */
export async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    yield bytes.slice(at, at + n);
    at += n;
  }
}

export interface PerTarget {
  id: TargetId;
  snapshots: Array<{ startNs: number | null; endNs: number; regions: RecordRegion[] }>;
}

/**
 * One list per target, by target id: the shape every format keeps (perf_script and binary may
 * move a target's lone first snapshot to the end, so the order between targets is not kept).
 */
export function perTarget(snapshots: readonly RecordSnapshot[]): PerTarget[] {
  const out = new Map<string, PerTarget>();
  for (const s of snapshots) {
    for (const t of s.targets) {
      const key = targetKey(t.id);
      if (!out.has(key)) out.set(key, { id: t.id, snapshots: [] });
      out.get(key)!.snapshots.push({ startNs: s.startNs, endNs: s.endNs, regions: t.regions.map((r) => ({ ...r })) });
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

/**
 * What a format carries of a record: perf_script and binary keep end times only (a start is the
 * target's previous end; a lone snapshot's start comes back through damo's fake snapshot) and
 * binary keeps no age.
 */
export function carried(format: RecordFormat, snapshots: readonly RecordSnapshot[]): PerTarget[] {
  const series = perTarget(snapshots);
  if (format === "json" || format === "json_compressed") {
    // json needs every start: a missing first one is guessed from the next snapshot's length
    for (const { snapshots: [first, second] } of series) {
      if (first.startNs === null) first.startNs = second ? Math.max(0, first.endNs - (second.endNs - first.endNs)) : first.endNs;
    }
    return series;
  }
  // perf_script times are microseconds, rounded half up
  const t = format === "perf_script" ? (ns: number) => Math.floor(ns / US) * US + (ns % US >= US / 2 ? US : 0) : (ns: number) => ns;
  const lone = (s: { startNs: number | null; endNs: number }) => (s.startNs === null ? null : 2 * t(s.endNs) - t(2 * s.endNs - s.startNs));
  return series.map(({ id, snapshots: list }) => ({
    id,
    snapshots: list.map((s, k) => ({
      startNs: k > 0 ? t(list[k - 1].endNs) : list.length === 1 ? lone(s) : null,
      endNs: t(s.endNs),
      regions: s.regions.map((r) => ({ start: r.start, end: r.end, nrAccesses: r.nrAccesses, age: format === "binary_v2" ? null : r.age })),
    })),
  }));
}

const US = 1000;

/** Target ids: small integers, and kernel-pointer-like ones beyond 2^53 as bigints. */
const targetIdArb: fc.Arbitrary<number | bigint> = fc.oneof(fc.nat({ max: 100_000 }), fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }));

/** Sorted, disjoint regions below 2^53. */
const regionsArb: fc.Arbitrary<RecordRegion[]> = fc
  .array(fc.tuple(fc.nat({ max: 1 << 30 }), fc.nat({ max: 1 << 30 }), fc.nat({ max: 400 }), fc.option(fc.nat({ max: 10_000 }), { nil: null })), { minLength: 1, maxLength: 6 })
  .chain((parts) =>
    fc.nat({ max: 2 ** 52 }).map((base) => {
      let at = base;
      return parts.map(([gap, size, nrAccesses, age]) => {
        const start = at + gap;
        at = start + size;
        return { start, end: at, nrAccesses, age };
      });
    }),
  );

/** Records in microsecond steps (what perf_script keeps), each snapshot a subset of the targets. */
export function recordArb(ids: fc.Arbitrary<TargetId> = targetIdArb): fc.Arbitrary<RecordSnapshot[]> {
  return fc.uniqueArray(ids, { minLength: 1, maxLength: 3, selector: targetKey }).chain((targets) =>
    fc
      .tuple(
        fc.nat({ max: 2 ** 40 }),
        fc.array(fc.tuple(fc.nat({ max: 10_000_000 }), fc.subarray(targets, { minLength: 1 }), fc.array(regionsArb, { minLength: 3, maxLength: 3 })), { minLength: 1, maxLength: 8 }),
      )
      .map(([start, steps]) => {
        let at = start * US;
        return steps.map(([duration, present, regions]) => {
          const s: RecordSnapshot = { startNs: at, endNs: at + duration * US, targets: present.map((id, i) => ({ id, regions: regions[i] })) };
          at = s.endNs;
          return s;
        });
      }),
  );
}

/** Per-target metadata damo's json carries. */
export function metaArb(ids: readonly TargetId[]): fc.Arbitrary<RecordTargetMeta[]> {
  const idx = fc.option(fc.nat({ max: 4 }), { nil: null });
  const intervals = fc.option(
    fc.record({ sampleUs: fc.integer({ min: 1, max: 100_000 }), aggrUs: fc.integer({ min: 1, max: 10_000_000 }), opsUpdateUs: fc.integer({ min: 1, max: 100_000_000 }) }),
    { nil: null },
  );
  const filter = fc.record({ filter_type: fc.constantFrom("anon", "memcg", "addr"), matching: fc.boolean(), memcg_path: fc.string() });
  return fc.tuple(
    ...ids.map((id) =>
      fc.record({
        id: fc.constant(id),
        kdamondIdx: idx,
        contextIdx: idx,
        schemeIdx: idx,
        intervals,
        schemeFilters: fc.array(filter, { maxLength: 2 }),
        dataSource: fc.constantFrom("unknown", "damon_stat"),
      }),
    ),
  );
}
