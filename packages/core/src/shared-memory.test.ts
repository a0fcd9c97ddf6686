// One memory, many threads: a worker attaches to a simulation's memory with the compiled
// module and runs the passes on a table the main thread laid out; the main thread sees the
// result without copying, identical to running the passes itself.
import { compileDamon } from "@damon-sim/wasm";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { Simulation } from "./simulation.js";

const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.core).then(({ SimMemory }) => {
  const mem = SimMemory.attach(workerData.memory, workerData.module);
  for (let i = 0; i < workerData.rounds; i++) {
    mem.wasm.prepareAccessChecks(workerData.ctx);
    mem.wasm.checkAccesses(workerData.ctx);
  }
  let refused = false;
  try { mem.alloc(16); } catch (e) { refused = e.code === "EPERM"; }
  parentPort.postMessage({ refused, isShared: Object.prototype.toString.call(workerData.memory.buffer) });
});
`;

async function setup() {
  const sim = await Simulation.create({ seed: 8 });
  const task = sim.machine.spawn("shared");
  const area = task.mm!.mmap(32 << 20);
  task.mm!.space.touchRange(area, area + (8 << 20));
  const ctx = sim.createContext();
  ctx.setTargets([task.pid]);
  ctx.setInitRegions(Array.from({ length: 8 }, (_, i) => ({ target: 0, start: area + i * (4 << 20), end: area + (i + 1) * (4 << 20) })));
  ctx.syncTargetRoots();
  return { sim, ctx };
}

describe("shared memory across threads", () => {
  it("a worker's passes land in the main thread's table, as if run locally", async () => {
    const remote = await setup();
    const local = await setup();
    const module = await compileDamon();
    const result = await new Promise<{ refused: boolean; isShared: string }>((resolve, reject) => {
      const worker = new Worker(workerSource, {
        eval: true,
        workerData: {
          core: new URL("./index.ts", import.meta.url).href.replace(/src\/index\.ts$/, "dist/index.js"),
          memory: remote.sim.mem.memory,
          module,
          ctx: remote.ctx.ptr,
          rounds: 5,
        },
      });
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    for (let i = 0; i < 5; i++) {
      local.sim.mem.wasm.prepareAccessChecks(local.ctx.ptr);
      local.sim.mem.wasm.checkAccesses(local.ctx.ptr);
    }
    expect(result).toEqual({ refused: true, isShared: "[object SharedArrayBuffer]" });
    const regions = remote.ctx.regionsOf(0);
    expect(regions).toEqual(local.ctx.regionsOf(0));
    // Nothing touched pages between prepare and check, so nothing counts; but the worker's
    // prepare cleared the sampled pages of the touched 8 MiB in the main thread's page table.
    expect(regions.every((r) => r.nrAccesses === 0)).toBe(true);
    const count = (s: Awaited<ReturnType<typeof setup>>) => {
      const mm = s.sim.machine.task(s.ctx.targets[0].id)!.mm!;
      return mm.space.countAccessed(regions[0].start, regions[1].end);
    };
    expect(count(remote)).toBe(count(local));
    expect(count(remote)).toBeGreaterThanOrEqual(2048 - 10);
    expect(count(remote)).toBeLessThan(2048);
  });
});
