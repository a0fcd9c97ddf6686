import { ADDRESS_LIMIT, PAGE_SIZE } from "@damon-sim/core";
import type { Area } from "../compile.js";
import { WorkloadError } from "../errors.js";
import { TraceDecoder, type TraceReadOptions } from "./decoder.js";
import { TraceInput, type TraceSource } from "./input.js";
import type { RunBuffer } from "./runs.js";

/** Linux's default vm.mmap_min_addr: nothing can be mapped below it. */
export const MMAP_MIN_ADDR = 0x10000;
export const DEFAULT_BLOCK_BYTES = 64 * 1024;

export interface LayoutOptions {
  /** Granularity of inferred mappings: every aligned block holding a touched page is mapped (default 64 KiB). */
  blockBytes?: number;
}

/** The blocks a trace touches, collected as its runs go by. */
export class BlockSet {
  readonly blocks = new Set<number>();
  readonly pagesPerBlock: number;
  #last = -1;

  constructor(blockBytes = DEFAULT_BLOCK_BYTES) {
    if (!(blockBytes >= PAGE_SIZE) || blockBytes % PAGE_SIZE !== 0) {
      throw new WorkloadError(`block size must be a multiple of ${PAGE_SIZE} bytes, got ${blockBytes}`);
    }
    this.pagesPerBlock = blockBytes / PAGE_SIZE;
  }

  /** Adds the blocks of runs [head, tail) of `runs`. */
  addRuns(runs: RunBuffer): void {
    for (let i = runs.head; i < runs.tail; i++) {
      const block = Math.floor(runs.page[i] / this.pagesPerBlock);
      if (block === this.#last) continue;
      this.#last = block;
      this.blocks.add(block);
    }
  }

  /** The blocks as mappings, adjacent blocks merged, in address order. */
  areas(): Area[] {
    const size = this.pagesPerBlock * PAGE_SIZE;
    const sorted = [...this.blocks].sort((a, b) => a - b);
    const out: Area[] = [];
    for (const block of sorted) {
      const start = Math.max(block * size, MMAP_MIN_ADDR);
      const end = Math.min((block + 1) * size, ADDRESS_LIMIT);
      if (end <= start) continue;
      const last = out[out.length - 1];
      if (last && last.end === start) last.end = end;
      else out.push({ name: "", start, end });
    }
    return out;
  }
}

/** A trace's mapped areas inferred from the pages it touches (one pass over the trace). */
export async function inferTraceLayout(source: TraceSource, options: TraceReadOptions & LayoutOptions = {}): Promise<Area[]> {
  const input = new TraceInput(source, new TraceDecoder(options));
  const blocks = new BlockSet(options.blockBytes);
  while (await input.pull()) {
    blocks.addRuns(input.decoder.runs);
    input.decoder.runs.clear();
  }
  return blocks.areas();
}

/** Reads /proc/PID/maps text (saved alongside a trace) as areas. */
export function parseProcMaps(text: string, file = "<maps>"): Area[] {
  const out: Area[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m = /^([0-9a-fA-F]+)-([0-9a-fA-F]+)\s+\S+(?:\s+\S+\s+\S+\s+\S+\s*(.*))?$/.exec(line.trim());
    if (!m) throw new WorkloadError(`not a /proc/PID/maps line: "${line}"`, { file, line: i + 1 });
    const start = parseInt(m[1], 16);
    const end = parseInt(m[2], 16);
    if (!(end > start)) throw new WorkloadError(`empty or reversed range "${m[1]}-${m[2]}"`, { file, line: i + 1 });
    if (end > ADDRESS_LIMIT) return; // [vsyscall] and other kernel-side mappings
    out.push({ name: m[3]?.trim() ?? "", start, end });
  });
  return out;
}
