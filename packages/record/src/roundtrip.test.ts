// Every writer, then the reader, keeps everything its format can hold (fast-check).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { concat } from "./io.js";
import { targetKey } from "./numbers.js";
import { readAllSnapshots, readRecord } from "./read.js";
import { carried, chunked, metaArb, perTarget, recordArb, writeAll } from "./test-support.js";
import { RECORD_FORMATS, type RecordSnapshot, type TargetId } from "./types.js";

// in order of first appearance, which is the order of json's records
const idsOf = (snapshots: RecordSnapshot[]): TargetId[] => [...new Map(snapshots.flatMap((s) => s.targets.map((t) => [targetKey(t.id), t.id] as const))).values()];

describe("writer → reader round trips", () => {
  for (const format of RECORD_FORMATS) {
    it(`${format}: random records read back as written (what the format carries), in any chunking`, async () => {
      await fc.assert(
        fc.asyncProperty(recordArb(), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 4 }), async (snapshots, sizes) => {
          const bytes = await writeAll(format, snapshots);
          const back = await readRecord(chunked(bytes, sizes));
          const read: RecordSnapshot[] = [];
          for await (const s of back.snapshots) read.push(s);
          expect(back.format).toBe(format);
          expect(perTarget(read)).toEqual(carried(format, snapshots));
        }),
        { numRuns: 60 },
      );
    });
  }

  for (const format of ["json", "json_compressed"] as const) {
    it(`${format}: per-target metadata and null target ids survive`, async () => {
      const withNull = fc.oneof(fc.nat({ max: 9 }), fc.constant(null));
      await fc.assert(
        fc.asyncProperty(
          recordArb(withNull).chain((snapshots) => fc.tuple(fc.constant(snapshots), metaArb(idsOf(snapshots)))),
          async ([snapshots, targets]) => {
            const back = await readAllSnapshots(await writeAll(format, snapshots, { targets }));
            expect(back.meta.targets).toEqual(targets);
            expect(perTarget(back.snapshots)).toEqual(perTarget(snapshots));
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  it("json keeps DAMOS fields: sz_filter_passed, damos_stats, sample_interval_us, intervals_goal", async () => {
    const snapshots: RecordSnapshot[] = [
      {
        startNs: 0,
        endNs: 100_000_000,
        targets: [
          {
            id: 3,
            regions: [{ start: 4096, end: 8192, nrAccesses: 5, age: 2, szFilterPassed: 4096 }],
            sampleIntervalUs: 5000,
            damosStats: { nr_tried: 3, sz_tried: 12288, qt_exceeds: 0 },
          },
        ],
      },
    ];
    const meta = { targets: [{ id: 3, intervals: { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000, goal: { access_bp: 400, aggrs: 3 } } }] };
    const back = await readAllSnapshots(await writeAll("json_compressed", snapshots, meta));
    expect(back.snapshots).toEqual(snapshots);
    expect(back.meta.targets[0].intervals).toEqual(meta.targets[0].intervals);
  });

  it("json writes records damo can read: intervals, both age keys, strings for big numbers", async () => {
    const text = new TextDecoder().decode(
      await writeAll("json", [{ startNs: 0, endNs: 100_000_000, targets: [{ id: 0, regions: [{ start: 4096, end: 8192, nrAccesses: 20, age: 3 }] }] }], {
        intervals: { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000 },
      }),
    );
    expect(JSON.parse(text)).toEqual([
      {
        kdamond_idx: null,
        context_idx: null,
        intervals: { sample_us: "5000", aggr_us: "100000", ops_update_us: "1000000" },
        scheme_idx: null,
        target_id: 0,
        scheme_filters: [],
        snapshots: [
          {
            start_time: "0",
            end_time: "100000000",
            regions: [{ start: "4096", end: "8192", nr_accesses: { samples: 20, percent: null }, age: { usec: null, aggr_intervals: "3" } }],
            total_bytes: "4096",
          },
        ],
        data_source: "unknown",
      },
    ]);
    expect(text.startsWith('[\n    {\n        "kdamond_idx": null,')).toBe(true);
  });

  it("json_compressed is a zlib stream with Python's default header; perf_script is short ASCII lines", async () => {
    const record: RecordSnapshot[] = [{ startNs: 0, endNs: 100_000_000, targets: [{ id: 2 ** 64 - 2 ** 11 > 0 ? 18446623438842320000n : 0, regions: [{ start: 2 ** 52, end: 2 ** 53 - 1, nrAccesses: 4294967295, age: 4294967295 }] }] }];
    const z = await writeAll("json_compressed", record);
    expect([z[0], z[1]]).toEqual([0x78, 0x9c]);
    const perf = new TextDecoder().decode(await writeAll("perf_script", record));
    expect(perf).toMatch(/^[\x20-\x7e\n]+$/);
    for (const line of perf.split("\n").slice(0, -1)) expect(line.length).toBeLessThan(300);
    expect(perf.endsWith("\n")).toBe(true);
  });

  it("perf_script keeps microseconds, rounding the rest half up", async () => {
    const one = (endNs: number): RecordSnapshot => ({ startNs: endNs - 1_000_000, endNs, targets: [{ id: 1, regions: [{ start: 0, end: 4096, nrAccesses: 1, age: null }] }] });
    const back = await readAllSnapshots(await writeAll("perf_script", [one(1_000_000_499), one(1_000_001_500)]));
    expect(back.snapshots.map((s) => s.endNs)).toEqual([1_000_000_000, 1_000_002_000]);
  });

  it("reads binary format versions 1 (int32 target ids) and 0 (no magic)", async () => {
    const block = (v1: boolean, sec: number, nr: number) => {
      const b = new DataView(new ArrayBuffer(20 + (v1 ? 8 : 12) + 20));
      b.setBigUint64(0, BigInt(sec), true);
      b.setUint32(16, 1, true);
      let at = 20;
      if (v1) b.setInt32(at, 42, true);
      else b.setBigUint64(at, 42n, true);
      at += v1 ? 4 : 8;
      b.setUint32(at, 1, true);
      b.setBigUint64(at + 4, 4096n, true);
      b.setBigUint64(at + 12, 8192n, true);
      b.setUint32(at + 20, nr, true);
      return new Uint8Array(b.buffer);
    };
    const head = new Uint8Array(20);
    head.set(new TextEncoder().encode("damon_recfmt_ver"));
    new DataView(head.buffer).setInt32(16, 1, true);
    const v1 = await readAllSnapshots(concat([head, block(true, 1, 3), block(true, 2, 4)]));
    const v0 = await readAllSnapshots(concat([block(false, 1, 3), block(false, 2, 4)]), "binary_v2");
    for (const r of [v1, v0]) {
      expect(r.snapshots).toEqual([
        { startNs: null, endNs: 1e9, targets: [{ id: 42, regions: [{ start: 4096, end: 8192, nrAccesses: 3, age: null }] }] },
        { startNs: 1e9, endNs: 2e9, targets: [{ id: 42, regions: [{ start: 4096, end: 8192, nrAccesses: 4, age: null }] }] },
      ]);
    }
  });

  // damo runs `file -b` and wants exactly these strings (plain json shows damo's known problem).
  const hasFile = (() => {
    try {
      return execFileSync("file", ["-b", "--version"]).length > 0;
    } catch {
      return false;
    }
  })();
  it.skipIf(!hasFile)("libmagic names written files as damo needs: zlib compressed data, ASCII text", async () => {
    const dir = mkdtempSync(join(tmpdir(), "damo-record-"));
    try {
      const record: RecordSnapshot[] = [0, 1, 2].map((i) => ({
        startNs: i * 1e8,
        endNs: (i + 1) * 1e8,
        targets: [1, 18446623438842320000n].map((id) => ({ id, regions: [{ start: 2 ** 52, end: 2 ** 53 - 1, nrAccesses: 4294967295, age: 4294967295 }] })),
      }));
      const kinds: Record<string, string> = {};
      for (const format of RECORD_FORMATS) {
        const path = join(dir, format);
        writeFileSync(path, await writeAll(format, record));
        kinds[format] = execFileSync("file", ["-b", path]).toString().trim();
      }
      expect(kinds.json_compressed).toBe("zlib compressed data");
      expect(kinds.perf_script).toBe("ASCII text");
      expect(kinds.json).toMatch(/^JSON (text )?data$/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

