import type { RecordSnapshot } from "./types.js";

const MAX = Number.MAX_SAFE_INTEGER;

function count(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Writers refuse what no damo file could hold, with the offending value in the message. */
export function assertSnapshot(s: RecordSnapshot): void {
  const time = (t: number) => Number.isFinite(t) && t >= 0 && t <= MAX;
  if (!time(s.endNs)) throw new RangeError(`snapshot endNs ${s.endNs} is not a time in [0, 2^53)`);
  if (s.startNs !== null && !time(s.startNs)) throw new RangeError(`snapshot startNs ${s.startNs} is not a time in [0, 2^53)`);
  for (const t of s.targets) {
    const id = t.id;
    if (id !== null && !(typeof id === "bigint" ? id >= 0n && id < 2n ** 64n : count(id))) throw new RangeError(`target id ${id} is not null or an integer in [0, 2^64)`);
    for (const r of t.regions) {
      if (!count(r.start) || !count(r.end) || r.end < r.start) throw new RangeError(`region ${r.start}-${r.end} of target ${id} is not an address range below 2^53`);
      if (!count(r.nrAccesses)) throw new RangeError(`region ${r.start}-${r.end}: nrAccesses ${r.nrAccesses} is not a count`);
      if (r.age !== null && !count(r.age)) throw new RangeError(`region ${r.start}-${r.end}: age ${r.age} is not null or a count`);
    }
  }
}
