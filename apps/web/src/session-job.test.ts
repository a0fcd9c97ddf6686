import { describe, expect, it } from "vitest";
import { messageTransport } from "./log-transport.js";
import { MAX_SPEED, Pacer, type PacerClock } from "./pacer.js";
import type { JobInfo, RunConfig } from "./protocol.js";
import { chunkUs, runSessionJob } from "./session-job.js";
import { LogReader, LogWriter } from "./snapshot-log.js";
import { cliRecord } from "./test-support.js";

const immediate: PacerClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  yield: () => new Promise((resolve) => setTimeout(resolve, 0)),
};

const CONFIG: RunConfig = {
  workload: { builtin: "zigzag" },
  attrs: { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000, minNrRegions: 10, maxNrRegions: 1000 },
  seed: 9,
  durationUs: 3e6,
  accuracy: true,
  pageoutIdleUs: 0,
  speed: MAX_SPEED,
};

function job(config: RunConfig, pacer: Pacer) {
  const reader = new LogReader();
  const log = new LogWriter(messageTransport((words) => reader.addSegment(words)));
  let info: JobInfo | null = null;
  const result = runSessionJob(config, { log, pacer, started: (i) => (info = i), progress: () => {} });
  return { reader, result, info: () => info };
}

describe("a session job (what the worker runs)", () => {
  it("chunks on whole sampling intervals", () => {
    expect(chunkUs({ attrs: CONFIG.attrs })).toBe(100_000);
    expect(chunkUs({ attrs: { ...CONFIG.attrs, sampleUs: 3000, aggrUs: 100_000 } })).toBe(102_000);
    expect(chunkUs({ attrs: { ...CONFIG.attrs, sampleUs: 0, aggrUs: 7 } })).toBe(7);
  });

  it("writes the CLI's record, logs every aggregation with its accuracy, and reports the run", async () => {
    const { reader, result, info } = job(CONFIG, new Pacer(MAX_SPEED, immediate));
    const { summary, record } = await result;
    expect(Buffer.from(record).equals(await cliRecord(CONFIG))).toBe(true);
    expect(info()).toMatchObject({ kind: "session", name: "zigzag", startUs: 0, endUs: 3e6 });
    expect(reader.sync()).toBe(30);
    expect(summary).toMatchObject({ kind: "session", snapshots: 30, virtualUs: 3e6, interrupted: false });
    expect(summary.accuracy?.aggregations).toBe(30);
    expect(reader.accuracy(29).wssTrue).toBeGreaterThan(0);
    expect(reader.residentBytes(29)).toBeGreaterThan(0);
  });

  it("gives the same record when paused, stepped and resumed", async () => {
    const pacer = new Pacer(MAX_SPEED, immediate);
    pacer.pause();
    const { result } = job(CONFIG, pacer);
    for (let i = 0; i < 5; i++) {
      pacer.step();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    pacer.setSpeed(100);
    pacer.resume();
    await new Promise((resolve) => setTimeout(resolve, 5));
    pacer.setSpeed(MAX_SPEED);
    const { record } = await result;
    expect(Buffer.from(record).equals(await cliRecord(CONFIG))).toBe(true);
  });

  it("stops early with a complete record of what ran", async () => {
    const pacer = new Pacer(1, immediate);
    const { reader, result } = job(CONFIG, pacer);
    await new Promise((resolve) => setTimeout(resolve, 250));
    pacer.stop();
    const { summary, record } = await result;
    expect(summary.interrupted).toBe(true);
    expect(summary.virtualUs).toBeLessThan(1e6);
    expect(record.length).toBeGreaterThan(0);
    expect(reader.sync()).toBe(summary.snapshots);
  });

  it("adds a pageout scheme: resident size falls, and touching paged-out memory faults", async () => {
    // stairs: each step goes idle after its turn, and the warm-up touched every step
    const { reader, result } = job({ ...CONFIG, workload: { builtin: "stairs" }, durationUs: 8e6, pageoutIdleUs: 500_000 }, new Pacer(MAX_SPEED, immediate));
    await result;
    const n = reader.sync();
    expect(reader.residentBytes(n - 1)).toBeLessThan(reader.residentBytes(0));
    expect(reader.majorFaults(n - 1)).toBeGreaterThan(0);
  });
});
