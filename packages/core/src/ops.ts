import { DamonError } from "./errors.js";
import { newRegion, type AddressRange, type Region, type RegionTable } from "./region-table.js";

const alignUp = (value: number, to: number) => Math.ceil(value / to) * to;
const alignDown = (value: number, to: number) => Math.floor(value / to) * to;
const size = (r: AddressRange) => r.end - r.start;
const intersects = (r: AddressRange, range: AddressRange) => !(r.end <= range.start || range.end <= r.start);

/**
 * __damon_va_three_regions: the mapped extent minus its two largest gaps, bounds aligned up
 * to `minRegion`. Null when there are fewer than two gaps (the kernel then never monitors the
 * process). `vmas` must be sorted and non-overlapping.
 */
export function threeRegions(vmas: readonly AddressRange[], minRegion: number): AddressRange[] | null {
  let first: AddressRange = { start: 0, end: 0 };
  let second: AddressRange = { start: 0, end: 0 };
  let prev: AddressRange | undefined;
  let start = 0;
  for (const vma of vmas) {
    if (!prev) {
      start = vma.start;
    } else {
      let gap = { start: prev.end, end: vma.start };
      // Strictly greater, so among equal gaps the earlier one wins.
      if (size(gap) > size(second)) {
        [gap, second] = [second, gap];
        if (size(second) > size(first)) [second, first] = [first, second];
      }
    }
    prev = vma;
  }
  if (!prev || size(second) === 0 || size(first) === 0) return null;
  if (first.start > second.start) [first, second] = [second, first];
  return [
    { start: alignUp(start, minRegion), end: alignUp(first.start, minRegion) },
    { start: alignUp(first.end, minRegion), end: alignUp(second.start, minRegion) },
    { start: alignUp(second.end, minRegion), end: alignUp(prev.end, minRegion) },
  ];
}

/**
 * damon_va_evenly_split_region: cuts `region` into pieces of align_down(size / nrPieces)
 * bytes, the last one extended to the original end. Throws EINVAL as the kernel returns it.
 */
export function evenlySplit(region: Region | undefined, nrPieces: number, minRegion: number): Region[] {
  if (!region || !nrPieces) throw new DamonError("EINVAL", "evenly split: no region or zero pieces");
  const origEnd = region.end;
  const piece = alignDown(Math.floor(size(region) / nrPieces), minRegion);
  if (!piece) throw new DamonError("EINVAL", "evenly split: pieces would be smaller than the minimum region");
  const out: Region[] = [{ ...region, end: region.start + piece }];
  for (let start = region.start + piece; start + piece <= origEnd; start += piece) {
    out.push(newRegion(start, start + piece));
  }
  if (out.length > 1) out[out.length - 1].end = origEnd;
  return out;
}

/** __damon_va_init_regions: the three regions, each evenly split toward min_nr_regions. */
export function initialRegions(vmas: readonly AddressRange[], minNrRegions: number, minRegion: number): Region[] {
  const three = threeRegions(vmas, minRegion);
  if (!three) return [];
  let sz = three.reduce((total, r) => total + size(r), 0);
  if (minNrRegions) sz = Math.floor(sz / minNrRegions);
  if (sz < minRegion) sz = minRegion;
  const out: Region[] = [];
  for (const range of three) {
    const region = newRegion(range.start, range.end);
    const nrPieces = Math.floor(size(range) / sz) >>> 0;
    try {
      out.push(...evenlySplit(region, nrPieces, minRegion));
    } catch {
      out.push(region); // the kernel keeps the region whole when splitting fails
    }
  }
  return out;
}

/**
 * damon_set_regions (and v5.15's damon_va_apply_three_regions): drops regions outside every
 * range, stretches the first and last regions intersecting each range to its aligned bounds,
 * creates a region for a range nothing intersects, and (v6.1+, `fillHoles`) fills the holes
 * between intersecting regions. Returns the new list; `regions` is not modified.
 */
export function setRegions(
  regions: readonly Region[],
  ranges: readonly AddressRange[],
  minRegion: number,
  fillHoles = true,
): Region[] {
  const list = regions.filter((r) => ranges.some((range) => intersects(r, range))).map((r) => ({ ...r }));
  let cursor = 0;
  for (const range of ranges) {
    let first = -1;
    let last = -1;
    for (; cursor < list.length; cursor++) {
      const r = list[cursor];
      if (intersects(r, range)) {
        if (first < 0) first = cursor;
        last = cursor;
      }
      if (r.start >= range.end) break;
    }
    if (first < 0) {
      list.splice(cursor, 0, newRegion(alignDown(range.start, minRegion), alignUp(range.end, minRegion)));
      continue;
    }
    list[first].start = alignDown(range.start, minRegion);
    list[last].end = alignUp(range.end, minRegion);
    if (!fillHoles) continue;
    for (let i = first; i < last; i++) {
      if (list[i].end !== list[i + 1].start) {
        list.splice(i + 1, 0, newRegion(list[i].end, list[i + 1].start));
        last++;
        i++;
        cursor++; // the scan position (past `last`) shifts with the insertion
      }
    }
  }
  return list;
}

/** damon_region_sz_limit: total monitored size / min_nr_regions, at least the minimum region. */
export function regionSizeLimit(table: RegionTable, minNrRegions: number, minRegion: number): number {
  let sz = 0;
  for (let i = 0; i < table.count; i++) sz += table.end(i) - table.start(i);
  if (minNrRegions) sz = Math.floor(sz / minNrRegions);
  return Math.max(sz, minRegion);
}
