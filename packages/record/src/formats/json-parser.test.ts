import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { JsonNumber, RecordsJsonParser, type JsonAny } from "./json-parser.js";

/** Everything the parser reports, as a log. */
function parse(chunks: string[]): unknown[] {
  const log: unknown[] = [];
  const plain = (v: JsonAny): unknown => (v instanceof JsonNumber ? `#${v.raw}` : Array.isArray(v) ? v.map(plain) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v);
  const parser = new RecordsJsonParser("json", {
    recordStart: () => log.push("record"),
    recordField: (key, value) => log.push([key, plain(value)]),
    snapshotsStart: () => log.push("snapshots"),
    snapshot: (value) => log.push(["snapshot", plain(value)]),
    recordEnd: () => log.push("end"),
  });
  for (const c of chunks) parser.feed(c);
  parser.end();
  return log;
}

const doc = `[
  {"target_id": 18446623438842320000, "intervals": {"sample_us": "5 ms"}, "snapshots": [
    {"start_time": "1,000", "regions": [{"start": -1.5e+3, "s": "a\\"b\\u00e9\\\\"}], "x": [true, false, null, []]},
    {}
  ], "data_source": "unknown"},
  {"snapshots": [], "target_id": 0}
]`;

describe("records json push parser", () => {
  it("streams records and snapshots, numbers kept as text", () => {
    expect(parse([doc])).toEqual([
      "record",
      ["target_id", "#18446623438842320000"],
      ["intervals", { sample_us: "5 ms" }],
      "snapshots",
      ["snapshot", { start_time: "1,000", regions: [{ start: "#-1.5e+3", s: 'a"bé\\' }], x: [true, false, null, []] }],
      ["snapshot", {}],
      ["data_source", "unknown"],
      "end",
      "record",
      "snapshots",
      ["target_id", "#0"],
      "end",
    ]);
  });

  it("gives the same events whatever the chunk boundaries", () => {
    const whole = parse([doc]);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: doc.length }), { maxLength: 12 }), (cuts) => {
        const points = [...new Set([0, ...cuts, doc.length])].sort((a, b) => a - b);
        expect(parse(points.slice(1).map((end, i) => doc.slice(points[i], end)))).toEqual(whole);
      }),
    );
  });

  it("refuses what is not json, with line and column", () => {
    expect(() => parse(['[{"a": 1,}]'])).toThrow("json: line 1, column 10: unexpected '}'");
    expect(() => parse(["[\n  {\"a\" 1}]"])).toThrow("json: line 2, column 8: unexpected value");
    expect(() => parse(['[{"a": "x\ny"}]'])).toThrow("json: line 1, column 10: control character in a string");
    expect(() => parse(['[{"a": 01}]'])).toThrow("json: line 1, column 8: unexpected '01'");
    expect(() => parse(['[{"a": 1}] x'])).toThrow("json: line 1, column 12: unexpected 'x'");
    expect(() => parse(['{"a": 1}'])).toThrow("the file must be a json array of records, found an object");
    expect(() => parse(['[{"snapshots": {}}]'])).toThrow("'snapshots' must be an array");
    expect(() => parse(['[{"a": "\\q"}]'])).toThrow("bad escape in a string");
    expect(() => parse(['[{"a": "abc'])).toThrow("truncated inside a string");
    expect(() => parse(['[{"a": [1, 2'])).toThrow("truncated: 3 unclosed array(s)/object(s)");
    expect(() => parse([" \n "])).toThrow("empty input");
  });
});
