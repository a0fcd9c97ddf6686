import { describe, expect, it } from "vitest";
import { syntheticLackeyTrace } from "../test-support.js";
import { BinaryTraceReader, encodeChunk, encodeHeader, isBinaryTrace, MAX_CHUNK_RUNS } from "./binary.js";
import { lackeyToBinary, lackeyToBinarySync } from "./convert.js";
import { TraceDecoder } from "./decoder.js";
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

  describe("corrupt chunks fail with their offset (found by trace.fuzz.test.ts)", () => {
    const header = encodeHeader(1e9);
    const runs = new RunBuffer();
    runs.push(5, 10, 10, 1, false);
    runs.push(6, 20, 30, 4, true);
    const chunk = encodeChunk(runs, 0, 2);
    const withHeader = (edit: (view: DataView, bytes: Uint8Array) => void) => {
      const bytes = chunk.slice();
      edit(new DataView(bytes.buffer), bytes);
      return bytes;
    };

    it("a run count that cannot fit its payload, or too many runs: no allocation of gigabytes", () => {
      expect(() => readBinary([header, withHeader((v) => v.setUint32(4, 0xffffffff, true))])).toThrow(
        `t.bin: chunk of ${0xffffffff} runs, more than ${MAX_CHUNK_RUNS} (byte 36)`,
      );
      expect(() => readBinary([header, withHeader((v) => v.setUint32(4, 1000, true))])).toThrow(/cannot hold 1000 runs \(byte 32\)$/);
    });

    it("a base tick or page that is not a whole number in range, or a tick going back", () => {
      expect(() => readBinary([header, withHeader((v) => v.setFloat64(8, NaN, true))])).toThrow(/chunk base tick NaN .* \(byte 40\)$/);
      expect(() => readBinary([header, withHeader((v) => v.setFloat64(16, 2 ** 35, true))])).toThrow(/chunk base page 34359738368 .* \(byte 48\)$/);
      const later = withHeader((v) => v.setFloat64(8, 5, true)); // the second chunk starts before the first's last run
      expect(() => readBinary([header, chunk, later])).toThrow(
        `t.bin: chunk base tick 5 is not an integer from the previous run's 20 up to 2^53 (byte ${32 + chunk.length + 8})`,
      );
    });

    it("runs that read past their payload fail the same wherever the stream is cut", () => {
      const short = withHeader((v) => v.setUint32(0, v.getUint32(0, true) - 1, true));
      const whole = [header, short, chunk];
      const message = /chunk payload of \d+ bytes ends inside its runs \(byte 32\)$/;
      expect(() => readBinary(whole)).toThrow(message);
      const all = Uint8Array.from(whole.flatMap((p) => [...p]));
      for (let cut = 1; cut < all.length; cut++) expect(() => readBinary([all.subarray(0, cut), all.subarray(cut)])).toThrow(message);
    });

    it("a varint of more than 8 bytes, or a page outside 0 to 2^35", () => {
      const long = Uint8Array.from([...chunk.subarray(0, 24), ...Array(9).fill(0x80), 0x01, 0x00]);
      new DataView(long.buffer).setUint32(0, 11, true);
      new DataView(long.buffer).setUint32(4, 1, true);
      expect(() => readBinary([header, long])).toThrow(/a varint of more than 8 bytes .* \(byte 32\)$/);
      const below = Uint8Array.from([...chunk.subarray(0, 24), 4 * 11 + 0, 0x00]); // page 5 - 6
      new DataView(below.buffer).setUint32(0, 2, true);
      new DataView(below.buffer).setUint32(4, 1, true);
      expect(() => readBinary([header, below])).toThrow("t.bin: a run's page -1 is outside 0 to 2^35 (byte 32)");
    });
  });
});

describe("format detection", () => {
  it("a stream whose first chunks are shorter than the magic is still binary", () => {
    const binary = lackeyToBinarySync(new TextEncoder().encode(syntheticLackeyTrace()));
    const expected = columns(readBinary([binary]).runs);
    for (const first of [1, 3, 7]) {
      const decoder = new TraceDecoder({ file: "t.bin" });
      decoder.push(binary.subarray(0, first));
      decoder.push(binary.subarray(first, first + 1));
      decoder.push(binary.subarray(first + 1));
      decoder.end();
      expect(decoder.format).toBe("binary");
      expect(columns(decoder.runs)).toEqual(expected);
    }
    const cut = new TraceDecoder({ file: "t.bin" });
    cut.push(binary.subarray(0, 4));
    expect(() => cut.end()).toThrow("t.bin: truncated header (byte 0)");
  });
});

