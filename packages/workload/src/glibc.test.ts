import { readFileSync } from "node:fs";
import { Simulation } from "@damon-sim/core";
import { describe, expect, it } from "vitest";
import { compileModel } from "./compile.js";
import { GlibcMalloc } from "./glibc.js";
import { loadMasimConfig } from "./masim/model.js";
import { masimFixture } from "./test-support.js";

describe("glibc malloc placement", () => {
  it("small requests follow tcache's chunk in the heap: the first one at heap start + 0x2a0", async () => {
    const sim = await Simulation.create();
    const mm = sim.machine.spawn("p").mm!;
    const heap = mm.vmas.find((v) => v.name === "[heap]")!;
    const malloc = new GlibcMalloc(mm);
    const a = malloc.malloc(256);
    const b = malloc.malloc(64);
    const c = malloc.malloc(1);
    expect(a).toBe(heap.start + 0x2a0);
    expect(b - a).toBe(256 + 16); // request + 8, rounded to 16
    expect(c - b).toBe(80);
    expect(malloc.malloc(0) - c).toBe(32); // MINSIZE
  });

  it("the heap grows with brk when the top chunk runs out", async () => {
    const sim = await Simulation.create();
    const mm = sim.machine.spawn("p").mm!;
    const malloc = new GlibcMalloc(mm);
    const before = mm.brk;
    let last = 0;
    for (let i = 0; i < 40; i++) last = malloc.malloc(100 * 1024);
    expect(mm.brk).toBeGreaterThan(before);
    expect(last + 100 * 1024).toBeLessThanOrEqual(mm.brk);
    expect(mm.vmas.filter((v) => v.name === "[heap]")).toHaveLength(1);
  });

  it("requests from 128 KiB on get their own mapping, 16 bytes into it, top-down", async () => {
    const sim = await Simulation.create();
    const mm = sim.machine.spawn("p").mm!;
    const malloc = new GlibcMalloc(mm);
    const a = malloc.malloc(10_000_000);
    const b = malloc.malloc(10_000_000);
    const vmaA = mm.find(a)!;
    expect(a - vmaA.start).toBe(16);
    expect(vmaA.end - vmaA.start).toBe(2442 * 4096); // 10,000,000 + 16 + 8, page-rounded
    expect(b).toBe(a - 2442 * 4096);
    expect(mm.find(malloc.malloc(128 * 1024 - 24))!.name).toBe("[heap]");
    expect(mm.find(malloc.malloc(128 * 1024 - 8))!.name).toBe("");
  });

  it("masim's stairs: s0 is allocated first, so it is the highest", async () => {
    const sim = await Simulation.create();
    const mm = sim.machine.spawn("masim").mm!;
    const { areas } = compileModel(loadMasimConfig(readFileSync(masimFixture("stairs.cfg"))), mm);
    for (let i = 1; i < 10; i++) expect(areas[i].end).toBeLessThan(areas[i - 1].start);
    const libc = mm.vmas.find((v) => v.name.includes("libc"))!;
    expect(areas[0].end).toBeLessThan(libc.start);
  });
});
