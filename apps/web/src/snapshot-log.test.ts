import { readFile } from "node:fs/promises";
import { readAllSnapshots, type RecordSnapshot } from "@damon-sim/record";
import { Session, toRecordSnapshot } from "@damon-sim/session";
import { describe, expect, it } from "vitest";
import { recordEntry, snapshotEntry } from "./entries.js";
import { messageTransport, sharedTransport } from "./log-transport.js";
import { LogReader, LogWriter, SEGMENT_WORDS, type EntrySource } from "./snapshot-log.js";

/** A writer and a reader joined as in the app: posted segments arrive at the reader. */
function pipe(kind: "shared" | "messages") {
  const reader = new LogReader();
  const posted: Float64Array[] = [];
  const post = (words: Float64Array) => {
    posted.push(words);
    reader.addSegment(words);
  };
  if (kind === "shared") {
    const { transport, control } = sharedTransport(post);
    return { reader, posted, writer: new LogWriter(transport), sync: () => reader.sync(Atomics.load(control, 0)) };
  }
  return { reader, posted, writer: new LogWriter(messageTransport(post)), sync: () => reader.sync() };
}

async function sessionLog(kind: "shared" | "messages") {
  const p = pipe(kind);
  const expected: RecordSnapshot[] = [];
  const session = await Session.create({
    workload: { builtin: "stairs" },
    seed: 2,
    durationUs: 3e6,
    onSnapshot: (s) => {
      expected.push(toRecordSnapshot(s));
      p.writer.append(snapshotEntry(s));
    },
  });
  await session.run(() => void p.writer.publish(), 500_000);
  return { ...p, expected, session };
}

describe("the snapshot log", () => {
  for (const kind of ["shared", "messages"] as const) {
    it(`carries every aggregation of a session unchanged (${kind})`, async () => {
      const { reader, expected, sync } = await sessionLog(kind);
      expect(sync()).toBe(expected.length);
      expect(expected.length).toBe(30);
      expect([...reader.snapshots()]).toEqual(expected);
      const last = expected[expected.length - 1];
      const wss = last.targets[0].regions.filter((r) => r.nrAccesses >= 1).reduce((n, r) => n + r.end - r.start, 0);
      expect(reader.stats(expected.length - 1)).toEqual({ nrRegions: last.targets[0].regions.length, wss });
    });
  }

  it("shares its segments instead of copying them when isolated", async () => {
    const { posted } = await sessionLog("shared");
    expect(posted.length).toBe(1);
    expect(posted[0].buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it("shows nothing before publication, and takes accuracy until then", () => {
    const { reader, writer, sync } = pipe("shared");
    writer.append(entry(0, [[0, 4096, 3, 1]]));
    expect(sync()).toBe(0);
    writer.setAccuracy(1000, { wssTrue: 4096, hotPrecision: 1, hotRecall: 0.5, frequencyMae: 0.25 });
    writer.publish();
    writer.setAccuracy(1000, { wssTrue: 0, hotPrecision: 0, hotRecall: 0, frequencyMae: 0 }); // too late: ignored
    expect(sync()).toBe(1);
    expect(reader.accuracy(0)).toEqual({ wssTrue: 4096, hotPrecision: 1, hotRecall: 0.5, frequencyMae: 0.25 });
  });

  it("finds the aggregation at a time and the region at an address", () => {
    const { reader, writer, sync } = pipe("messages");
    writer.append(entry(0, [[0, 4096, 1, 0], [4096, 12288, 7, 3]]));
    writer.append(entry(1000, [[0, 8192, 2, 1], [8192, 12288, 0, 9]]));
    writer.publish();
    sync();
    expect(reader.entryAt(500)).toBe(0);
    expect(reader.entryAt(1500)).toBe(1);
    expect(reader.entryAt(2500)).toBe(-1);
    expect(reader.regionAt(0, 5000)).toEqual({ index: 1, start: 4096, end: 12288, nrAccesses: 7, age: 3, targetId: 0 });
    expect(reader.regionAt(1, 9000, 0)?.age).toBe(9);
    expect(reader.regionAt(1, 9000, 1)).toBeNull();
    expect(reader.regionAt(1, 20000)).toBeNull();
  });

  it("moves to a new segment when an aggregation does not fit, and reads across", () => {
    const { reader, writer, posted, sync } = pipe("shared");
    writer.append(entry(0, [[0, 4096, 1, 0]]));
    const many = Array.from({ length: SEGMENT_WORDS / 4 }, (_, i): [number, number, number, number] => [i * 4096, (i + 1) * 4096, i % 20, 0]);
    writer.append(entry(1000, many));
    writer.append(entry(2000, [[0, 4096, 5, 2]]));
    writer.publish();
    expect(posted.length).toBe(3); // the first, one just for the big one, the next
    expect(sync()).toBe(3);
    expect(reader.snapshot(1).targets[0].regions.length).toBe(many.length);
    expect(reader.regionAt(2, 0)?.nrAccesses).toBe(5);
  });

  it("keeps what a damo record holds: ids, null starts and ages", async () => {
    const bytes = await readFile(new URL("../../../../shared/fixtures/damo/damon.data.json_compressed", import.meta.url));
    const { snapshots } = await readAllSnapshots(bytes);
    const { reader, writer, sync } = pipe("messages");
    for (const s of snapshots) writer.append(recordEntry(s));
    writer.publish();
    expect(sync()).toBe(snapshots.length);
    const core = (s: RecordSnapshot) => ({
      startNs: s.startNs,
      endNs: s.endNs,
      targets: s.targets.map((t) => ({ id: t.id, regions: t.regions.map(({ start, end, nrAccesses, age }) => ({ start, end, nrAccesses, age })) })),
    });
    expect([...reader.snapshots()]).toEqual(snapshots.map(core));
  });
});

// One target (id 0), regions as [start, end, nrAccesses, age], lasting 1000 ns.
function entry(startNs: number, regions: Array<[number, number, number, number]>): EntrySource {
  return {
    startNs,
    endNs: startNs + 1000,
    residentBytes: null,
    majorFaults: null,
    targets: [{ id: 0, first: 0, nrRegions: regions.length }],
    start: (i) => regions[i][0],
    end: (i) => regions[i][1],
    nrAccesses: (i) => regions[i][2],
    age: (i) => regions[i][3],
  };
}
