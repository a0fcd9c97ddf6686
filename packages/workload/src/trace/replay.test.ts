import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PAGE_SIZE, Simulation } from "@damon-sim/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkloadError } from "../errors.js";
import { runWorkload } from "../run.js";
import { naiveLackeyPages, syntheticLackeyTrace } from "../test-support.js";
import { lackeyToBinarySync } from "./convert.js";
import { inferTraceLayout, parseProcMaps } from "./layout.js";
import { TraceReplay, type TraceReplayOptions } from "./replay.js";

// A tiny C program with known accesses: one store per page of a 64-page static array, then
// one per page of a 300 KiB malloc (glibc mmaps it).
const PROGRAM = `
#include <stdlib.h>
static char big[64 * 4096];
int main(void) {
  for (int i = 0; i < 64; i++) big[i * 4096] = (char)i;
  volatile char *p = malloc(300 * 1024);
  for (int i = 0; i < 300 * 1024; i += 4096) p[i] = 1;
  return big[4096] - 1;
}
`;

const has = (cmd: string) => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;
let dir = "";
let trace: { text: string; from: string };

// A lackey trace of a real program when valgrind is installed (our C program if a compiler is
// there, /bin/true otherwise); else the checked-in trace our own generator made.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "damon-sim-lackey-"));
  if (has("valgrind")) {
    let program = "/bin/true";
    if (has("cc")) {
      writeFileSync(join(dir, "prog.c"), PROGRAM);
      if (spawnSync("cc", ["-O1", "-o", join(dir, "prog"), join(dir, "prog.c")]).status === 0) program = join(dir, "prog");
    }
    const log = join(dir, "trace.lackey");
    const run = spawnSync("valgrind", ["--tool=lackey", "--trace-mem=yes", `--log-file=${log}`, program], { stdio: "ignore" });
    if (run.status !== null) {
      trace = { text: readFileSync(log, "utf8"), from: program };
      return;
    }
  }
  trace = { text: readFileSync(new URL("../../fixtures/synthetic.lackey", import.meta.url), "utf8"), from: "fixture" };
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ONE_INSTRUCTION_PER_US: TraceReplayOptions = { ticksPerSecond: 1e6, exitAtEnd: false };

function accessedPages(replay: TraceReplay): Set<number> {
  const space = replay.task.mm!.space;
  const pages = new Set<number>();
  for (const a of replay.areas) for (let addr = a.start; addr < a.end; addr += PAGE_SIZE) if (space.isAccessed(addr)) pages.add(addr / PAGE_SIZE);
  return pages;
}

async function* chunksOf(bytes: Uint8Array, size: number) {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

describe("replaying a lackey trace of a real program", () => {
  it("sets exactly the pages the trace touches", async () => {
    if (has("valgrind") && has("cc")) expect(trace.from).toMatch(/prog$/);
    const expected = naiveLackeyPages(trace.text);
    expect(expected.size).toBeGreaterThan(60);
    const sim = await Simulation.create();
    const replay = TraceReplay.spawn(sim, new TextEncoder().encode(trace.text), ONE_INSTRUCTION_PER_US);
    await runWorkload(sim, replay);
    expect(replay.done).toBe(true);
    expect(accessedPages(replay)).toEqual(expected);
    if (trace.from.endsWith("prog")) {
      // The program's own stores: 75 consecutive pages of the malloc'ed buffer, 64 of the array.
      const runs: number[] = [];
      let run = 0;
      for (const page of [...expected].sort((a, b) => a - b)) {
        run = expected.has(page - 1) ? run + 1 : 1;
        if (!expected.has(page + 1)) runs.push(run);
      }
      runs.sort((a, b) => b - a);
      expect(runs[0]).toBeGreaterThanOrEqual(75);
      expect(runs[1]).toBeGreaterThanOrEqual(64);
    }
  });

  it("sets them in the right windows of time", async () => {
    const text = trace.text;
    const instructions = text.split("\n").filter((l) => l.startsWith("I  ")).length;
    const sim = await Simulation.create();
    const replay = TraceReplay.spawn(sim, new TextEncoder().encode(text), ONE_INSTRUCTION_PER_US);
    const space = replay.task.mm!.space;
    const window = Math.max(2000, Math.ceil(instructions / 20)); // > the runs' maximum gap (1000)
    for (let t = 0; t < instructions; t += window) {
      for (const a of replay.areas) space.clearAccessed(a.start, a.end);
      sim.runUntil(t + window);
      const expected = naiveLackeyPages(text, t + 1, t + window);
      expect(accessedPages(replay)).toEqual(expected);
    }
  });

  it("the binary format and a streamed trace replay the same", async () => {
    const bytes = new TextEncoder().encode(trace.text);
    const expected = naiveLackeyPages(trace.text);
    for (const source of [lackeyToBinarySync(bytes, { ticksPerSecond: 1e6 }), chunksOf(bytes, 4096), chunksOf(lackeyToBinarySync(bytes), 333)]) {
      const sim = await Simulation.create();
      const replay = TraceReplay.spawn(sim, source, ONE_INSTRUCTION_PER_US);
      await runWorkload(sim, replay, { chunkUs: 10_000 });
      expect(accessedPages(replay)).toEqual(expected);
    }
  });

  it("layouts: inferred in a first pass, streamed block by block, or given alongside", async () => {
    const bytes = new TextEncoder().encode(trace.text);
    const inferred = await inferTraceLayout(chunksOf(bytes, 5000));
    const sim = await Simulation.create();
    const whole = TraceReplay.spawn(sim, bytes, ONE_INSTRUCTION_PER_US);
    expect(whole.areas).toEqual(inferred);
    for (const a of inferred) {
      expect(a.start % 65536).toBe(0);
      expect(a.end % 65536).toBe(0);
    }
    const maps = inferred.map((a) => `${a.start.toString(16)}-${a.end.toString(16)} rw-p 00000000 00:00 0 [area]`).join("\n");
    const given = TraceReplay.spawn(sim, chunksOf(bytes, 777), { ...ONE_INSTRUCTION_PER_US, layout: parseProcMaps(maps) });
    expect(given.task.mm!.formatMaps()).toBe(whole.task.mm!.formatMaps().replace(/\n/g, "                   [area]\n"));
    const streamed = TraceReplay.spawn(sim, chunksOf(bytes, 777), ONE_INSTRUCTION_PER_US);
    expect(streamed.areas).toHaveLength(0);
    await runWorkload(sim, [whole, given, streamed]);
    expect(accessedPages(given)).toEqual(accessedPages(whole));
    expect(streamed.areas.reduce((t, a) => t + a.end - a.start, 0)).toBe(inferred.reduce((t, a) => t + a.end - a.start, 0));
  });

  it("a streamed trace must be prefetched before the simulation runs over it", async () => {
    const sim = await Simulation.create();
    const replay = TraceReplay.spawn(sim, chunksOf(new TextEncoder().encode(trace.text), 4096), ONE_INSTRUCTION_PER_US);
    expect(() => sim.runUntil(1000)).toThrow(WorkloadError);
    expect(() => sim.runUntil(1000)).toThrow(/was not prefetched: await prefetch\(\)/);
    expect(await replay.prefetch(1000)).toBe(1000);
    sim.runUntil(1000);
  });

  it("ends when the trace does: the process exits at its last access", async () => {
    const sim = await Simulation.create();
    const replay = TraceReplay.spawn(sim, new TextEncoder().encode(trace.text), { ticksPerSecond: 1e6 });
    const ctx = sim.createContext();
    ctx.setTargets([replay.task.pid]);
    sim.start();
    await runWorkload(sim, replay);
    const instructions = trace.text.split("\n").filter((l) => l.startsWith("I  ")).length;
    expect(replay.endUs).toBeLessThanOrEqual(instructions);
    expect(replay.task.alive).toBe(false);
    sim.runUntilIdle(sim.now + 1_000_000);
    expect(ctx.running).toBe(false);
  });

  it("its ground truth: per sampling window, the pages the trace touched in it", async () => {
    const text = trace.text;
    const sim = await Simulation.create();
    // 1e5 instructions per second: the trace lasts long enough for several aggregations.
    const replay = TraceReplay.spawn(sim, chunksOf(new TextEncoder().encode(text), 8192), { ticksPerSecond: 1e5, exitAtEnd: false });
    const ctx = sim.createContext();
    ctx.setTargets([replay.task.pid]);
    const truth = replay.groundTruth(ctx);
    const intervals: Array<{ startUs: number; endUs: number; pages: number; windows: number }> = [];
    truth.onInterval((t) => intervals.push({ startUs: t.startUs, endUs: t.endUs, pages: t.map.bytesAtLeast(1e-9) / PAGE_SIZE, windows: t.windows }));
    sim.start();
    await runWorkload(sim, replay, { chunkUs: 50_000 });
    sim.runUntil(sim.now + 200_000);
    expect(intervals.length).toBeGreaterThan(2);
    for (const t of intervals) {
      expect(t.windows).toBe(20);
      // One instruction per 10 µs: interval (start, end] holds instructions (start / 10, end / 10].
      expect(t.pages).toBe(naiveLackeyPages(text, t.startUs / 10 + 1, t.endUs / 10).size);
    }
    truth.dispose();
  });

  it("the checked-in fallback trace is what our generator makes", () => {
    const fixture = readFileSync(new URL("../../fixtures/synthetic.lackey", import.meta.url), "utf8");
    expect(fixture).toBe(syntheticLackeyTrace());
    expect(naiveLackeyPages(fixture).size).toBe(64 + 1 + 1 + 8); // array + the page it spills into, stack, ld.so
  });
});

describe("parseProcMaps", () => {
  it("reads areas and names, skips kernel mappings, rejects other lines", () => {
    const maps = [
      "555555554000-555555556000 r--p 00000000 08:01 1234   /usr/bin/prog",
      "555555556000-555555577000 rw-p 00000000 00:00 0      [heap]",
      "7ffff7fc3000-7ffff7fc5000 rw-p 00000000 00:00 0",
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]",
      "",
    ].join("\n");
    expect(parseProcMaps(maps)).toEqual([
      { name: "/usr/bin/prog", start: 0x555555554000, end: 0x555555556000 },
      { name: "[heap]", start: 0x555555556000, end: 0x555555577000 },
      { name: "", start: 0x7ffff7fc3000, end: 0x7ffff7fc5000 },
    ]);
    expect(() => parseProcMaps("hello", "m.txt")).toThrow('m.txt:1: not a /proc/PID/maps line: "hello"');
  });
});
