import { RecordFormatError } from "../errors.js";
import { metaEntry } from "../meta.js";
import { targetKey } from "../numbers.js";
import type { RecordMeta, RecordRegion, RecordSnapshot, RecordTarget, TargetId } from "../types.js";

/** damo's marker for "this record had one snapshot": a 0-0 region with -1 accesses and age. */
export const FAKE_REGION: RecordRegion = { start: 0, end: 0, nrAccesses: -1, age: -1 };

function isFakeRegions(regions: readonly RecordRegion[]): boolean {
  return regions.length === 1 && regions[0].start === 0 && regions[0].end === 0 && regions[0].nrAccesses === -1;
}

/**
 * Formats that store only end times (perf_script, binary) hand in one target's regions at a
 * time; this gives each snapshot its start (the target's previous end), turns damo's fake
 * snapshot back into the start of a lone first snapshot, and keeps targets that share a time
 * window in one snapshot. It holds one snapshot back, so memory stays flat.
 */
export class SnapshotAssembler {
  private held: RecordSnapshot | null = null;
  private readonly lastEnd = new Map<string, number>();
  private readonly closedByFake = new Set<string>();
  private groups = 0;

  constructor(
    private readonly format: "perf_script" | "binary_v2",
    private readonly meta: RecordMeta,
  ) {}

  /** One target's complete group; returns the snapshots now ready. */
  add(id: TargetId, endNs: number, regions: RecordRegion[], where: string): RecordSnapshot[] {
    const key = targetKey(id);
    if (this.closedByFake.has(key)) throw new RecordFormatError(this.format, where, `target ${id} has snapshots after its closing fake snapshot`);
    const last = this.lastEnd.get(key);
    if (isFakeRegions(regions)) {
      const held = this.held;
      const lone = held !== null && held.startNs === null && held.targets.length === 1 && targetKey(held.targets[0].id) === key && this.lastEnd.get(key) === held.endNs;
      if (!lone || endNs < held.endNs) throw new RecordFormatError(this.format, where, "fake snapshot (a 0-0 region with -1 accesses) that does not follow a lone first snapshot");
      held.startNs = Math.max(0, held.endNs - (endNs - held.endNs));
      this.closedByFake.add(key);
      return [];
    }
    if (last !== undefined && endNs < last) throw new RecordFormatError(this.format, where, `not time-sorted: target ${id}'s snapshot ends at ${endNs} ns, before the previous one (${last} ns)`);
    this.lastEnd.set(key, endNs);
    this.groups++;
    metaEntry(this.meta, id);
    const startNs = last ?? null;
    const target: RecordTarget = { id, regions };
    const held = this.held;
    if (held && held.startNs === startNs && held.endNs === endNs && !held.targets.some((t) => targetKey(t.id) === key)) {
      held.targets.push(target);
      return [];
    }
    this.held = { startNs, endNs, targets: [target] };
    return held ? [held] : [];
  }

  finish(where: string): RecordSnapshot[] {
    if (this.groups === 0) throw new RecordFormatError(this.format, where, "no DAMON snapshots in the input");
    const held = this.held;
    this.held = null;
    return held ? [held] : [];
  }
}
