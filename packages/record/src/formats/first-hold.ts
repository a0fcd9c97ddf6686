import { targetKey } from "../numbers.js";
import type { RecordSnapshot, RecordTarget } from "../types.js";
import { FAKE_REGION } from "./assemble.js";

/** Targets that share an end time, written together (one binary block, or perf lines with one timestamp). */
export interface Block {
  endNs: number;
  targets: RecordTarget[];
}

interface Pending {
  order: number;
  startNs: number | null;
  endNs: number;
  target: RecordTarget;
}

/**
 * perf_script and binary keep end times only; damo tells a lone snapshot's start by a fake
 * snapshot after it. Whether a target's first snapshot is its only one is known at its second
 * or at close, so each target's first snapshot waits until then (one per target at most).
 */
export class FirstSnapshotHold {
  private readonly pending = new Map<string, Pending>();
  private readonly released = new Set<string>();
  private order = 0;

  /** The blocks to write for this snapshot, in order. */
  add(snapshot: RecordSnapshot): Block[] {
    const order = this.order++;
    const now: RecordTarget[] = [];
    const freed: Pending[] = [];
    for (const target of snapshot.targets) {
      const key = targetKey(target.id);
      const waiting = this.pending.get(key);
      if (this.released.has(key)) now.push(target);
      else if (waiting) {
        this.pending.delete(key);
        this.released.add(key);
        freed.push(waiting);
        now.push(target);
      } else this.pending.set(key, { order, startNs: snapshot.startNs, endNs: snapshot.endNs, target });
    }
    const blocks = group(freed);
    if (now.length > 0) blocks.push({ endNs: snapshot.endNs, targets: now });
    return blocks;
  }

  /** At close: the lone snapshots, each followed by damo's fake snapshot when its start is known. */
  finish(): Block[] {
    const blocks: Block[] = [];
    for (const p of [...this.pending.values()].sort((a, b) => a.order - b.order)) {
      blocks.push({ endNs: p.endNs, targets: [p.target] });
      if (p.startNs !== null) blocks.push({ endNs: p.endNs + (p.endNs - p.startNs), targets: [{ id: p.target.id, regions: [FAKE_REGION] }] });
    }
    this.pending.clear();
    return blocks;
  }
}

/** Released first snapshots, back in their original snapshots' grouping. */
function group(freed: Pending[]): Block[] {
  const byOrder = new Map<number, Block>();
  for (const p of freed.sort((a, b) => a.order - b.order)) {
    const block = byOrder.get(p.order);
    if (block) block.targets.push(p.target);
    else byOrder.set(p.order, { endNs: p.endNs, targets: [p.target] });
  }
  return [...byOrder.values()];
}
