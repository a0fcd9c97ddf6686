import { describe, expect, it } from "vitest";
import { MAX_SPEED, Pacer, type PacerClock } from "./pacer.js";

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
// A few turns: enough for the loop under test to reach its next wait.
const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

/** A clock that moves when told or slept on, recording sleeps and yields (each a real event-loop turn). */
function fakeClock() {
  const log: string[] = [];
  let now = 0;
  const clock: PacerClock & { advance(ms: number): void } = {
    now: () => now,
    advance: (ms) => void (now += ms),
    sleep: async (ms) => {
      log.push(`sleep ${ms}`);
      now += ms;
      await tick();
    },
    yield: async () => {
      log.push("yield");
      await tick();
    },
  };
  return { clock, log };
}

describe("the pacer", () => {
  it("as fast as possible: never waits, but yields to the event loop every 12 ms of work", async () => {
    const { clock, log } = fakeClock();
    const pacer = new Pacer(MAX_SPEED, clock);
    for (let virtualUs = 0; virtualUs < 10e6; virtualUs += 100_000) {
      clock.advance(1);
      expect(await pacer.gate(virtualUs, () => log.push("idle"))).toBe(false);
    }
    expect(log.filter((l) => l === "yield").length).toBe(8); // 100 ms of work
    expect(log).not.toContain("idle");
    expect(pacer.waitedMs).toBe(0); // the turns are part of the run
  });

  it("at 10×, lets one virtual second take 100 ms of wall time", async () => {
    const { clock, log } = fakeClock();
    const pacer = new Pacer(10, clock);
    for (let virtualUs = 0; virtualUs <= 1e6; virtualUs += 100_000) await pacer.gate(virtualUs, () => {});
    expect(clock.now()).toBe(100);
    expect(log.every((l) => l === "sleep 10")).toBe(true);
    expect(pacer.waitedMs).toBe(100); // all of it ahead of the wall clock
  });

  it("paused: waits (publishing first), runs one chunk per step, resumes and stops", async () => {
    const { clock } = fakeClock();
    const pacer = new Pacer(MAX_SPEED, clock);
    pacer.pause();
    let idle = 0;
    let passed = 0;
    const loop = (async () => {
      for (let virtualUs = 0; ; virtualUs += 100_000) {
        if (await pacer.gate(virtualUs, () => void idle++)) return virtualUs;
        passed++;
        clock.advance(5); // each chunk's work
      }
    })();
    await settle();
    expect([passed, idle]).toEqual([0, 1]);
    clock.advance(40); // a pause of 40 ms counts as waiting
    pacer.step();
    await settle();
    expect(passed).toBe(1);
    pacer.step();
    pacer.step();
    await settle();
    expect(passed).toBe(3);
    pacer.resume();
    await settle();
    expect(passed).toBeGreaterThan(3);
    pacer.step(); // while running: pauses
    await settle();
    const paused = passed;
    await settle();
    expect(passed).toBe(paused);
    pacer.stop();
    expect(await loop).toBe(paused * 100_000);
    expect(pacer.waitedMs).toBeGreaterThanOrEqual(40);
    expect(pacer.waitedMs).toBeLessThan(40 + 5 * passed); // never a chunk's work
  });
});
