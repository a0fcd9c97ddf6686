// Corrupt, truncated and foreign inputs end in one RecordFormatError line that names what is
// wrong and where (the properties over every format are in record.fuzz.test.ts).
import { describe, expect, it } from "vitest";
import { RecordFormatError } from "./errors.js";
import { readAllSnapshots } from "./read.js";
import { smallRecord, writeAll } from "./test-support.js";
import type { RecordFormat } from "./types.js";

const record = smallRecord;

async function failure(bytes: Uint8Array, format?: RecordFormat): Promise<RecordFormatError> {
  const e = await readAllSnapshots(bytes, format).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RecordFormatError);
  const error = e as RecordFormatError;
  expect(error.message).not.toContain("\n");
  return error;
}

const text = (s: string) => new TextEncoder().encode(s);

describe("corrupt records", () => {
  it("names what is wrong and where", async () => {
    const cases: Array<[string, RecordFormat | undefined, RegExp]> = [
      ["", undefined, /^detect: offset 0: empty input$/],
      ["hello world\n", undefined, /^detect: offset 0: not a damo record/],
      ["[1, 2]", undefined, /^json: line 1, column 2: each record must be an object/],
      ['[{"target_id": 0}]', undefined, /^json: record 0: no 'snapshots'/],
      ['[{"snapshots": []}]', undefined, /^json: record 0: no 'target_id'/],
      ['[{"target_id": 0, "snapshots": [{"start_time": 0, "end_time": 1, "regions": [{"start": "9,007,199,254,740,993", "end": 1}]}]}]', undefined, /^json: record 0, snapshot 0, region 0: start 9007199254740992 is 2\^53 or more/],
      ['[{"target_id": 0, "snapshots": [{"start_time": 0, "end_time": 1, "regions": [{"start": 0, "end": 9007199254740993}]}]}]', undefined, /^json: record 0, snapshot 0, region 0: end 9007199254740993 is 2\^53 or more/],
      ['[{"target_id": 0, "snapshots": [{"end_time": 1, "regions": []}]}]', undefined, /^json: record 0, snapshot 0: no 'start_time'/],
      ['[{"target_id": 0, "snapshots": [{"start_time": 0, "end_time": 1, "regions": [{"start": 0, "end": 1}]}]}]', undefined, /region 0: no 'nr_accesses'/],
      ['[{"target_id": -1, "snapshots": []}]', undefined, /^json: record 0, 'target_id': must be a non-negative integer or null/],
      ['[{"target_id": 0,\n "snapshots": [}]', undefined, /^json: line 2, column 16: unexpected '}'/],
      ['[{"target_id": tru}]', undefined, /^json: line 1, column 16: unexpected 'tru'/],
      ["kdamond.0 1 [000] 1.000000: damon:damon_aggregated: target_id=0 nr_regions=1 10-5: 0\n", undefined, /^perf_script: line 1: region 10-5: ends before it starts/],
      ["kdamond.0 1 [000] 1.000000: damon:damon_aggregated: target_id=0 nr_regions=2 0-5: 0\nkdamond.0 1 [000] 1.000000: damon:damon_aggregated: target_id=1 nr_regions=2 5-9: 0\n", undefined, /^perf_script: line 2: target 0's snapshot of 2 regions is interrupted after 1/],
      ["kdamond.0 1 [000] 2.000000: damon:damon_aggregated: target_id=0 nr_regions=1 0-5: 0\nkdamond.0 1 [000] 1.000000: damon:damon_aggregated: target_id=0 nr_regions=1 0-5: 0\n", undefined, /^perf_script: line 2: not time-sorted/],
      ["kdamond.0 1 [000] 1.000000: damon:damon_aggregated: target_id=0 nr_regions=1 0-9007199254740993: 0\n", undefined, /^perf_script: line 1: address .* is 2\^53 or more/],
      ["kdamond.0 1 [000] 1.000000: damon:damon_aggregated: target_id=0 nr_regions=1 0-5: x\n", undefined, /^perf_script: line 1: nr_accesses 'x' is not an integer/],
      ["kdamond.0 1 [000] 1.000000: sched:sched_switch: prev_comm=a\n", undefined, /^perf_script: line 1: no DAMON snapshots in the input/],
      ["damon_recfmt_ver\x07\x00\x00\x00", undefined, /^binary_v2: offset 16: unsupported format version 7/],
    ];
    for (const [input, format, message] of cases) expect((await failure(text(input), format)).message).toMatch(message);
  });

  it("an address at 2^53 in binary fails instead of losing precision", async () => {
    const bytes = await writeAll("binary_v2", record);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    view.setUint32(20 + 20 + 12 + 4, 2 ** 21, true); // high word of the first region's start
    expect((await failure(bytes)).message).toBe("binary_v2: offset 52: a region start is 2^53 or more, beyond exact JavaScript numbers");
  });

  it("a corrupt file given as another format fails as that format", async () => {
    const json = await writeAll("json", record);
    expect((await failure(json, "binary_v2")).format).toBe("binary_v2");
    expect((await failure(json, "json_compressed")).message).toMatch(/^json_compressed: compressed byte \d+: corrupt zlib stream/);
    expect((await failure(json, "perf_script")).message).toMatch(/^perf_script: line 1: not a perf script line/);
  });
});
