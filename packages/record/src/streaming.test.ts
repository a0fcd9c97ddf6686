// Long records go through in pieces: writers emit before close, readers yield before the end.
import { describe, expect, it } from "vitest";
import { readRecord } from "./read.js";
import { RECORD_FORMATS, type RecordSnapshot } from "./types.js";
import { createRecordWriter } from "./write.js";

const N = 1000;
const snapshot = (i: number): RecordSnapshot => ({
  startNs: i * 100_000_000,
  endNs: (i + 1) * 100_000_000,
  targets: [{ id: 0, regions: Array.from({ length: 30 }, (_, k) => ({ start: k * 65536, end: (k + 1) * 65536, nrAccesses: (i * k) % 21, age: i % 7 })) }],
});

describe("streaming", () => {
  for (const format of RECORD_FORMATS) {
    it(`${format}: the writer hands bytes to the sink long before close, and the reader yields before the input ends`, async () => {
      const chunks: Uint8Array[] = [];
      const total = () => chunks.reduce((n, c) => n + c.length, 0);
      const writer = createRecordWriter(format, { write: (c) => void chunks.push(c.slice()) });
      for (let i = 0; i < N; i++) await writer.write(snapshot(i));
      const beforeClose = total();
      await writer.close();
      expect(beforeClose).toBeGreaterThan(total() / 2);

      let served = 0;
      async function* source() {
        for (const c of chunks) {
          served++;
          yield c;
        }
      }
      const record = await readRecord(source(), format);
      let seen = 0;
      for await (const s of record.snapshots) {
        if (seen === 0) expect(served).toBeLessThan(chunks.length);
        expect(s.targets[0].regions).toHaveLength(30);
        seen++;
      }
      expect(seen).toBe(N);
    });
  }
});
