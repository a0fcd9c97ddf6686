// The parsing and printing helpers of mm/damon/dbgfs.c, one function per kernel function,
// so the kunit vectors (dbgfs-test.h) can be run against them directly.
import type { DamonContext } from "@damon-sim/core";
import { Errno } from "./errno.js";
import { kscanf, scnprintf } from "./sscanf.js";
import type { DbgfsBehaviour } from "./versions.js";

/** str_to_target_ids (≤5.17, %lu) / str_to_ints (5.18+, %d): up to 32 numbers. */
export function strToIds(input: Uint8Array, len: number, signed: boolean): Array<bigint | number> {
  const ids: Array<bigint | number> = [];
  let pos = 0;
  while (ids.length < 32 && pos < len) {
    const r = kscanf(input, signed ? "%d%n" : "%lu%n", pos);
    if (r.count !== 1) break;
    pos += r.consumed[0];
    ids.push(r.values[0] as bigint | number);
  }
  return ids;
}

/** A kernel-like address for a target's struct pid, printed where ≤5.17 print the raw id. */
export function pidStructAddress(pid: number): bigint {
  return 0xffff888100000000n + BigInt(pid) * 0xc0n;
}

/** sprint_target_ids: ids separated by spaces, then "\n". */
export function sprintTargetIds(ctx: DamonContext): string {
  const ids = ctx.targets.map((t) => String(t.id));
  return `${ids.join(" ")}\n`;
}

/** The id a ≤5.17 kernel stores for a target: the struct pid pointer for vaddr, else the number. */
export function rawTargetId(ctx: DamonContext, index: number): bigint {
  const t = ctx.targets[index];
  return ctx.ops === "vaddr" ? pidStructAddress(t.id) : BigInt(t.id);
}

/** sprint_init_regions into a `count`-byte buffer; -ENOMEM when a line does not fit. */
export function sprintInitRegions(ctx: DamonContext, behaviour: DbgfsBehaviour, count: number): string | number {
  const lines: string[] = [];
  ctx.targets.forEach((_, t) => {
    const id = behaviour.initRegionsByIndex ? String(t) : String(rawTargetId(ctx, t));
    const table = ctx.regions;
    const first = table.firstOf(t);
    for (let i = first; i < first + table.countOf(t); i++) lines.push(`${id} ${table.startBig(i)} ${table.endBig(i)}\n`);
  });
  return renderLines(lines, count);
}

/**
 * Renders lines with scnprintf into a `count`-byte buffer as the kernel's sprint_* helpers do:
 * a line that does not fit is cut, and a later line that gets no room at all is -ENOMEM.
 */
export function renderLines(lines: readonly string[], count: number): string | number {
  let written = "";
  for (const line of lines) {
    const piece = scnprintf(count - written.length, line);
    if (!piece) return -Errno.ENOMEM;
    written += piece;
  }
  return written;
}

export interface InitRegionEntry {
  target: number;
  start: bigint;
  end: bigint;
}

/**
 * set_init_regions' parsing: triples until the first incomplete one. Returns the entries, or
 * -EINVAL for the first invalid one (start >= end, unknown target, overlap or disorder).
 * `targetIdOf(i)` gives the id 5.16 matches (pid number for vaddr, raw id otherwise).
 */
export function parseInitRegions(
  input: Uint8Array,
  len: number,
  behaviour: DbgfsBehaviour,
  nrTargets: number,
  targetIdOf: (index: number) => bigint,
): Array<{ target: number; start: bigint; end: bigint }> | number {
  const out: Array<{ target: number; start: bigint; end: bigint }> = [];
  const lastEnd = new Map<number, bigint>();
  let pos = 0;
  while (pos < len) {
    const r = kscanf(input, behaviour.initRegionsByIndex ? "%d %lu %lu%n" : "%lu %lu %lu%n", pos);
    if (r.count !== 3) break;
    const [who, start, end] = r.values as [bigint | number, bigint, bigint];
    if (start >= end) return -Errno.EINVAL;
    const targets: number[] = [];
    for (let t = 0; t < nrTargets; t++) {
      if (behaviour.initRegionsByIndex ? t === who : targetIdOf(t) === who) targets.push(t);
    }
    if (!targets.length) return -Errno.EINVAL;
    for (const t of targets) {
      const prev = lastEnd.get(t);
      if (prev !== undefined && prev > start) return -Errno.EINVAL;
      lastEnd.set(t, end);
      out.push({ target: t, start, end });
    }
    pos += r.consumed[0];
  }
  return out;
}
