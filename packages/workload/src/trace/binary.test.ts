import { describe, expect, it } from "vitest";
import { syntheticLackeyTrace } from "../test-support.js";
import { BinaryTraceReader, encodeChunk, encodeHeader, isBinaryTrace } from "./binary.js";
import { lackeyToBinary, lackeyToBinarySync } from "./convert.js";
import { LackeyParser } from "./lackey.js";
import { RunBuffer } from "./runs.js";

const columns = (runs: RunBuffer) =>
  Array.from({ length: runs.length }, (_, k) => {
    const i = runs.head + k;
    return [runs.page[i], runs.first[i], runs.last[i], runs.count[i], runs.write[i]];
  });

function lackeyRuns(text: string) {
  const runs = new RunBuffer();
  const parser = new LackeyParser(runs);
  parser.push(new TextEncoder().encode(text));
  parser.end();
  return runs;
}

function readBinary(chunks: Uint8Array[]) {
  const runs = new RunBuffer();
  const reader = new BinaryTraceReader(runs, "t.bin");
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return { runs, reader };
}

describe("the binary trace format", () => {
  it("round-trips lackey's runs exactly, with the clock in the header", () => {
    const text = syntheticLackeyTrace();
    const binary = lackeyToBinarySync(new TextEncoder().encode(text), { ticksPerSecond: 2e9, runsPerChunk: 7 });
    expect(isBinaryTrace(binary)).toBe(true);
    const { runs, reader } = readBinary([binary]);
    expect(reader.ticksPerSecond).toBe(2e9);
    expect(columns(runs)).toEqual(columns(lackeyRuns(text)));
    expect(reader.accesses).toBe(columns(runs).reduce((t, r) => t + r[3], 0));
  });

  it("is compact: a few bytes per run against ~20 per lackey line", () => {
    const text = syntheticLackeyTrace();
    const binary = lackeyToBinarySync(new TextEncoder().encode(text));
    const runs = lackeyRuns(text).length;
    expect(binary.length).toBeLessThan(32 + 24 + runs * 6);
    expect(binary.length * 5).toBeLessThan(text.length);
  });

  it("streams: any cut of the bytes decodes the same", async () => {
    const data = new TextEncoder().encode(syntheticLackeyTrace());
    const parts: Uint8Array[] = [];
    async function* source() {
      for (let at = 0; at < data.length; at += 1000) yield data.subarray(at, at + 1000);
    }
    for await (const part of lackeyToBinary(source(), { runsPerChunk: 16 })) parts.push(part);
    const whole = Uint8Array.from(parts.flatMap((p) => [...p]));
    const expected = columns(readBinary([whole]).runs);
    for (let cut = 1; cut < whole.length; cut += 37) {
      expect(columns(readBinary([whole.subarray(0, cut), whole.subarray(cut)]).runs)).toEqual(expected);
    }
  });

  it("large page jumps, long runs and big tick gaps survive the varints", () => {
    const runs = new RunBuffer();
    runs.push(2 ** 35 - 1, 0, 0, 1, false);
    runs.push(16, 2 ** 40, 2 ** 40 + 2 ** 33, 2 ** 31 + 5, true);
    runs.push(2 ** 34, 2 ** 50, 2 ** 50, 1, true);
    const { runs: back } = readBinary([encodeHeader(1e9), encodeChunk(runs, 0, runs.length)]);
    expect(columns(back)).toEqual(columns(runs));
  });

  it("rejects bad input with the byte offset", () => {
    expect(() => readBinary([new TextEncoder().encode("I  00400000,1\n".repeat(4))])).toThrow(
      "t.bin: not a damon-sim binary trace (bad magic) (byte 0)",
    );
    const header = encodeHeader(1e9);
    expect(() => readBinary([header.subarray(0, 20)])).toThrow("t.bin: truncated header (byte 0)");
    const runs = new RunBuffer();
    runs.push(1, 1, 1, 1, false);
    const chunk = encodeChunk(runs, 0, 1);
    expect(() => readBinary([header, chunk.subarray(0, chunk.length - 1)])).toThrow(/truncated chunk/);
    const bad = header.slice();
    bad[8] = 9;
    expect(() => readBinary([bad])).toThrow("t.bin: unsupported version 9 (byte 8)");
  });
});
