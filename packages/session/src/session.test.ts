import { describe, expect, it } from "vitest";
import { Session, type SessionOptions } from "./session.js";

async function recordBytes(options: Omit<SessionOptions, "record">, chunkUs?: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const session = await Session.create({ ...options, record: { format: "json", sink: { write: (c) => void chunks.push(c) } } });
  await session.run(undefined, chunkUs);
  return Buffer.concat(chunks);
}

describe("Session", () => {
  it("the same inputs and seed give the same record, however the run is cut into steps", async () => {
    const options = { workload: { builtin: "zipf" }, seed: 3, durationUs: 3e6, attrs: { sampleUs: 3000, aggrUs: 60_000 } };
    const a = await recordBytes(options, 100_000);
    const b = await recordBytes(options, 37_000);
    const c = await recordBytes(options, 1_000_000);
    expect(a.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(await recordBytes({ ...options, seed: 4 })).not.toEqual(a);
  });

  it("stops early when asked and still closes a complete record", async () => {
    const chunks: Uint8Array[] = [];
    const session = await Session.create({ workload: { builtin: "hotcold" }, durationUs: 60e6, record: { format: "json", sink: { write: (c) => void chunks.push(c) } } });
    const summary = await session.run((now) => now >= 2e6);
    expect(summary.interrupted).toBe(true);
    expect(summary.snapshots).toBe(20);
    const text = new TextDecoder().decode(Buffer.concat(chunks));
    expect(JSON.parse(text)[0].snapshots).toHaveLength(20);
  });

  it("summarises regions, working sets and accuracy", async () => {
    const session = await Session.create({ workload: { builtin: "hotcold" }, durationUs: 5e6, accuracy: true });
    const s = await session.run();
    expect(s.snapshots).toBe(50);
    expect(s.nrRegions.min).toBeGreaterThanOrEqual(10);
    expect(s.wss.p50).toBeGreaterThan(0);
    expect(s.accuracy!.hotSet.precision).toBeGreaterThan(0.8);
  });
});
