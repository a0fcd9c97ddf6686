import { PAGE_SIZE, type Mm } from "@damon-sim/core";
import { GlibcMalloc } from "./glibc.js";
import type { WorkloadModel } from "./model.js";
import { Zipf } from "./random.js";

/** A model region placed in the process: its bytes are [start, end). */
export interface Area {
  name: string;
  start: number;
  end: number;
}

export const SEQUENTIAL = 0;
export const RANDOM = 1;
export const ZIPF = 2;

/** A pattern ready to run: absolute addresses, its sequential position, its Zipf table. */
export interface CompiledPattern {
  /** Index among all patterns of the workload. */
  readonly id: number;
  readonly area: number;
  readonly kind: typeof SEQUENTIAL | typeof RANDOM | typeof ZIPF;
  readonly weight: number;
  /** Address of the pattern's first byte, and its byte length. */
  readonly base: number;
  readonly length: number;
  readonly stride: number;
  /** Sequential: number of distinct offsets (0, stride, …, up to length), cycled through. */
  readonly positions: number;
  /** Pages the range overlaps: [firstPage, lastPage] as page numbers. */
  readonly firstPage: number;
  readonly lastPage: number;
  readonly zipf: Zipf | null;
  /** Sequential: index of the last offset accessed (masim's last_offset / stride). */
  pos: number;
}

export interface CompiledPhase {
  readonly name: string;
  readonly durationUs: number;
  readonly patterns: readonly CompiledPattern[];
  readonly weights: Float64Array;
  readonly totalWeight: number;
}

export interface CompiledWorkload {
  readonly model: WorkloadModel;
  readonly areas: readonly Area[];
  readonly phases: readonly CompiledPhase[];
  readonly patterns: readonly CompiledPattern[];
  /** Length of one pass over the phases, in microseconds. */
  readonly cycleUs: number;
}

/** Places the model's regions in `mm` as the process would allocate them, in order. */
export function compileModel(model: WorkloadModel, mm: Mm): CompiledWorkload {
  const malloc = new GlibcMalloc(mm);
  const areas: Area[] = model.regions.map((r) => {
    const start = r.alloc === "mmap" ? mm.mmap(r.size) : malloc.malloc(r.size);
    return { name: r.name, start, end: start + r.size };
  });
  const index = new Map(model.regions.map((r, i) => [r.name, i]));
  const patterns: CompiledPattern[] = [];
  const phases = model.phases.map((phase) => {
    const list = phase.patterns.map((p) => {
      const area = index.get(p.region)!;
      const base = areas[area].start + p.offset;
      const firstPage = Math.floor(base / PAGE_SIZE);
      const lastPage = Math.floor((base + p.length - 1) / PAGE_SIZE);
      const compiled: CompiledPattern = {
        id: patterns.length,
        area,
        kind: p.access === "sequential" ? SEQUENTIAL : p.access === "random" ? RANDOM : ZIPF,
        weight: p.weight,
        base,
        length: p.length,
        stride: p.stride,
        positions: p.stride > 0 ? Math.floor(p.length / p.stride) + 1 : 1,
        firstPage,
        lastPage,
        zipf: p.access === "zipf" ? new Zipf(lastPage - firstPage + 1, p.exponent) : null,
        pos: 0,
      };
      patterns.push(compiled);
      return compiled;
    });
    const weights = Float64Array.from(list, (p) => p.weight);
    return {
      name: phase.name,
      durationUs: phase.durationMs * 1000,
      patterns: list,
      weights,
      totalWeight: weights.reduce((a, b) => a + b, 0),
    };
  });
  return { model, areas, phases, patterns, cycleUs: phases.reduce((t, p) => t + p.durationUs, 0) };
}

/**
 * Address of sequential position `j`. masim's offset may equal the size (it wraps only once
 * past it); that one-past-the-end byte is counted on the last byte's page.
 */
export function positionAddress(p: CompiledPattern, j: number): number {
  return p.base + Math.min(j * p.stride, p.length - 1);
}

/** Bytes of the pattern's range on the page numbered `page`. */
export function pageOverlap(p: CompiledPattern, page: number): number {
  return Math.min((page + 1) * PAGE_SIZE, p.base + p.length) - Math.max(page * PAGE_SIZE, p.base);
}
