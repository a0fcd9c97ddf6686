import type { DamonContext } from "./context.js";
import type { AddressRange } from "./region-table.js";

/** DAMOS filter types (6.3+); anon/memcg/young need page state and are decided by the ops layer. */
export type DamosFilterType = "anon" | "memcg" | "young" | "addr" | "target";

export interface DamosFilter {
  type: DamosFilterType;
  /** Whether the filter excludes what matches (true) or what does not (false). */
  matching: boolean;
  /** For "addr". */
  addrRange?: AddressRange;
  /** For "target": index of the target in the context. */
  targetIdx?: number;
  /** For "memcg". */
  memcgId?: number;
}

/** damos_new_filter. */
export function newDamosFilter(type: DamosFilterType, matching: boolean): DamosFilter {
  return { type, matching };
}

/**
 * __damos_filter_out for the core-handled types: whether region `index` of target `t` is
 * filtered out. Address filters split a region that straddles the range first, as the
 * kernel does, so that only the part inside is judged.
 */
export function damosFilterOut(ctx: DamonContext, t: number, index: number, filter: DamosFilter): boolean {
  const table = ctx.regions;
  const align = (v: number) => Math.floor(v / ctx.minRegionSize) * ctx.minRegionSize;
  const carry = { age: ctx.behaviour.splitKeepsAge, accesses: ctx.behaviour.splitKeepsAccesses };
  let matched: boolean;
  switch (filter.type) {
    case "target":
      matched = t === filter.targetIdx;
      break;
    case "addr": {
      const start = align(filter.addrRange!.start);
      const end = align(filter.addrRange!.end);
      const [rStart, rEnd] = [table.start(index), table.end(index)];
      if (start <= rStart && rEnd <= end) matched = true;
      else if (rEnd <= start || end <= rStart) matched = false;
      else if (rStart < start) {
        table.splitAt(index, start - rStart, carry);
        matched = false;
      } else {
        table.splitAt(index, end - rStart, carry);
        matched = true;
      }
      break;
    }
    default:
      return false;
  }
  return matched === filter.matching;
}
