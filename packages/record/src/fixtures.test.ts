// damo v3.3's own outputs on its test records, byte for byte.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { readAllSnapshots, readRecord } from "./read.js";
import { reportRaw } from "./reports/raw.js";
import { reportWss } from "./reports/wss.js";
import { carried, perTarget, writeAll } from "./test-support.js";
import { RECORD_FORMATS } from "./types.js";

const fixture = (name: string) => readFile(new URL(`../../../../shared/fixtures/damo/${name}`, import.meta.url));
const expected = async (name: string) => (await fixture(`expects/${name}`)).toString("utf8");

describe("damo fixtures", () => {
  it("reads both records, telling their formats by content", async () => {
    const json = await readAllSnapshots(await fixture("damon.data.json_compressed"));
    expect(json.format).toBe("json_compressed");
    expect(json.snapshots).toHaveLength(543);
    expect(json.meta.targets).toEqual([
      { id: 18446623438842320000n, kdamondIdx: null, contextIdx: null, schemeIdx: null, intervals: null, schemeFilters: [], dataSource: "unknown" },
    ]);
    expect(json.snapshots[0]).toMatchObject({ startNs: 539809434100, endNs: 539914032967 });
    expect(json.snapshots[0].targets[0].regions[0]).toEqual({ start: 0x563ebaa00000, end: 0x563ebadf3000, nrAccesses: 0, age: null });

    const perf = await readAllSnapshots(await fixture("perf.data.script"));
    expect(perf.format).toBe("perf_script");
    expect(perf.snapshots).toHaveLength(562);
    expect(perf.snapshots[0]).toMatchObject({ startNs: null, endNs: 82820952659000 });
    expect(perf.snapshots[1]).toMatchObject({ startNs: 82820952659000, endNs: 82821049567000 });
    expect(perf.meta.targets.map((t) => t.id)).toEqual([18446623435582458880n]);
  });

  it("report access --raw_form equals damo's on the json_compressed record", async () => {
    const record = await readRecord(await fixture("damon.data.json_compressed"));
    expect(await reportRaw(record.snapshots, { meta: record.meta })).toBe(await expected("report-raw"));
  });

  it("report access --raw_form equals damo's on the perf script (first start inferred as damo does)", async () => {
    const record = await readRecord(await fixture("perf.data.script"));
    expect(await reportRaw(record.snapshots, { meta: record.meta })).toBe(await expected("report-raw_perf_script"));
  });

  it("report wss -r 1 101 1 --raw_number equals damo's", async () => {
    const record = await readRecord(await fixture("damon.data.json_compressed"));
    expect(await reportWss(record.snapshots, { range: [1, 101, 1], rawNumber: true })).toBe(await expected("report-wss"));
  });

  // The two fixtures are different recordings (other times, addresses and target), so each is
  // carried through every format and must read back as what that format keeps.
  for (const name of ["damon.data.json_compressed", "perf.data.script"]) {
    it(`${name} survives every format`, async () => {
      const original = await readAllSnapshots(await fixture(name));
      for (const format of RECORD_FORMATS) {
        const back = await readAllSnapshots(await writeAll(format, original.snapshots, original.meta));
        expect(back.format).toBe(format);
        expect(perTarget(back.snapshots), format).toEqual(carried(format, original.snapshots));
      }
    });
  }
});
