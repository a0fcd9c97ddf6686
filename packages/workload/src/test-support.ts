// Helpers shared by the tests (not part of the published package; no Node built-ins either,
// the tests read files themselves).
import type { AggregationSnapshot } from "@damon-sim/core";

/** Where a masim config of the shared fixtures is (read in place, never copied into the repo). */
export function masimFixture(name: string): URL {
  return new URL(`../../../../shared/fixtures/masim/${name}`, import.meta.url);
}

export const MASIM_FIXTURES = ["100mb.cfg", "2mb.cfg", "64.cfg", "default", "demo.cfg", "stairs.cfg", "zigzag.cfg"];

/** damo wss: bytes of regions with nr_accesses >= 1. */
export function snapshotWss(s: AggregationSnapshot, minNrAccesses = 1): number {
  let bytes = 0;
  for (let i = 0; i < s.nrRegions; i++) if (s.nrAccesses(i) >= minNrAccesses) bytes += s.end(i) - s.start(i);
  return bytes;
}

/** damo report wss's percentile: the sorted values at index int(p / 100 · n), clamped. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Distinct pages of a lackey trace's data accesses, read naively with a regex (an independent oracle). */
export function naiveLackeyPages(text: string, fromInstruction = 0, toInstruction = Infinity): Set<number> {
  const pages = new Set<number>();
  let instructions = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("I  ")) instructions++;
    const m = /^ [LSM] ([0-9a-fA-F]+),(\d+)$/.exec(line);
    if (!m || instructions < fromInstruction || instructions > toInstruction) continue;
    const addr = parseInt(m[1], 16);
    const end = addr + Math.max(1, Number(m[2])) - 1;
    for (let page = Math.floor(addr / 4096); page <= Math.floor(end / 4096); page++) pages.add(page);
  }
  return pages;
}

/**
 * Lackey output of an imaginary small program, made by our own generator (xorshift, fixed
 * seed): ld.so-like startup, a loop writing one byte per page of a 64-page static array, a
 * stack frame with loads and stores, an unaligned store across a page boundary, and
 * valgrind's ==PID== banner and summary. The fallback when valgrind is not installed; the
 * checked-in fixtures/synthetic.lackey is this text.
 */
export function syntheticLackeyTrace(): string {
  let x = 0x2545f491;
  const rand = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  const out = ["==4242== Lackey, an example Valgrind tool", "==4242== Command: ./synthetic", "==4242== "];
  const code = 0x108000;
  const data = 0x10a000;
  const stack = 0x1ffefffc40;
  let pc = 0x4001000;
  const instr = (n = 1) => {
    for (let i = 0; i < n; i++) out.push(`I  ${hex(pc)},${1 + Math.floor(rand() * 7)}`), (pc += 4);
  };
  // Dynamic loader: scattered reads over its own pages.
  for (let i = 0; i < 200; i++) {
    instr(2);
    out.push(` L ${hex(0x4020000 + Math.floor(rand() * 0x8000))},8`);
  }
  pc = code;
  // main: a stack frame, then one store per page of the array.
  instr();
  out.push(` S ${hex(stack)},8`, ` S ${hex(stack - 8)},8`);
  for (let page = 0; page < 64; page++) {
    instr(3);
    out.push(` M ${hex(stack - 16)},4`, ` S ${hex(data + page * 4096 + Math.floor(rand() * 4096))},1`);
  }
  instr();
  out.push(` S ${hex(data + 64 * 4096 - 2)},4`); // crosses into the page after the array
  instr();
  out.push(` L ${hex(stack)},8`);
  out.push("==4242== ", "==4242== Counted 1 call to main()", "==4242== ");
  return out.join("\n") + "\n";
}
