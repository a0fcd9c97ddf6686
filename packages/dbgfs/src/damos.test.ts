import { describe, expect, it } from "vitest";
import { boot } from "./test-support.js";

const MIB = 2 ** 20;

describe("DAMOS through the schemes file", () => {
  it("a pageout scheme for cold regions shrinks the hot/cold process, keeps the hot area, and its statistics add up", async () => {
    const t = await boot("6.8");
    const task = t.kernel.sim.machine.spawn("hotcold");
    const mm = task.mm!;
    const cold = mm.mmap(256 * MIB);
    const hot = mm.mmap(64 * MIB);
    t.sim.addActor({ advance: () => mm.space.touchRange(hot, hot + 64 * MIB) });
    const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(t.read(`/proc/${task.pid}/status`) as string)![1]) * 1024;
    const before = rss();
    // page out regions of any size with no access for at least 5 aggregations (0.5 s)
    expect(t.write("schemes", "4096 18446744073709551615 0 0 5 4294967295 2 0 0 0 0 0 0 0 0 0 0 0")).toBeGreaterThan(0);
    t.write("attrs", "5000 100000 1000000 10 1000");
    t.write("target_ids", `${task.pid}`);
    t.write("monitor_on", "on");
    t.sim.runFor(5_000_000);
    const after = rss();
    expect(after).toBeLessThan(before - 250 * MIB);
    expect(mm.space.countSwapped(hot, hot + 64 * MIB)).toBe(0);
    const fields = (t.read("schemes") as string).trim().split(" ").map(BigInt);
    const [nrTried, szTried, nrApplied, szApplied, qtExceeds] = fields.slice(18);
    expect(nrTried).toBeGreaterThan(0n);
    expect(nrApplied).toBeLessThanOrEqual(nrTried);
    expect(szApplied).toBeLessThanOrEqual(szTried);
    expect(szTried).toBeGreaterThanOrEqual(BigInt(before - after)); // everything reclaimed was tried
    expect(qtExceeds).toBe(0n);
  });
});
