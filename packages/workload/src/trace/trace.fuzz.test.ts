// Lackey and binary traces, mutated, truncated, with a wrong magic, or random: decoding either
// gives sane runs or throws one WorkloadError naming the file and the line (lackey) or byte
// (binary); where the chunks of a stream begin changes nothing; and a replay of what decodes
// runs without any other error.
import { readFileSync } from "node:fs";
import { Simulation } from "@damon-sim/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzz } from "../../../../tools/test-runner/src/fuzz.js";
import { WorkloadError } from "../errors.js";
import { BINARY_MAGIC } from "./binary.js";
import { lackeyToBinarySync } from "./convert.js";
import { TraceDecoder } from "./decoder.js";
import { TraceReplay } from "./replay.js";

const LACKEY = new Uint8Array(readFileSync(new URL("../../fixtures/synthetic.lackey", import.meta.url)));
const BINARY = lackeyToBinarySync(LACKEY, { runsPerChunk: 16 });
// 47-bit user addresses in 4 KiB pages
const PAGE_LIMIT = 2 ** 35;

type Outcome = { runs: number[][]; accesses: number } | { error: string };

/** Decodes `bytes` pushed in chunks of `sizes` (cycled; empty: all at once). */
function decode(bytes: Uint8Array, sizes: number[], file: string): Outcome {
  const decoder = new TraceDecoder({ file });
  const runs: number[][] = [];
  const collect = () => {
    const r = decoder.runs;
    for (let i = r.head; i < r.tail; i++) runs.push([r.page[i], r.first[i], r.last[i], r.count[i], r.write[i]]);
    r.clear();
  };
  try {
    if (!sizes.length) decoder.push(bytes);
    else {
      for (let at = 0, k = 0; at < bytes.length; k++) {
        const n = sizes[k % sizes.length];
        decoder.push(bytes.subarray(at, at + n));
        collect();
        at += n;
      }
    }
    decoder.end();
    collect();
  } catch (e) {
    if (!(e instanceof WorkloadError)) throw new Error(`not a WorkloadError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    expect(e.message).not.toContain("\n");
    expect(e.file).toBe(file);
    if (decoder.format === "lackey") expect(e.message).toMatch(new RegExp(`^${file}:\\d+: `));
    else expect(e.message).toMatch(new RegExp(`^${file}: .* \\(byte \\d+\\)$`));
    return { error: e.message };
  }
  for (const [page, first, last, count, write] of runs) {
    expect(Number.isInteger(page) && page >= 0 && page < PAGE_LIMIT, `page ${page}`).toBe(true);
    expect(Number.isSafeInteger(first) && first >= 0 && Number.isSafeInteger(last) && last >= first, `ticks ${first}-${last}`).toBe(true);
    expect(Number.isSafeInteger(count) && count >= 1, `count ${count}`).toBe(true);
    expect(write === 0 || write === 1).toBe(true);
  }
  for (let i = 1; i < runs.length; i++) expect(runs[i][1], "runs in order of first tick").toBeGreaterThanOrEqual(runs[i - 1][1]);
  return { runs, accesses: decoder.accesses };
}

/** Decodes whole and streamed: both give the same runs, or the same error. */
function check(bytes: Uint8Array, sizes: number[]): Outcome {
  const whole = decode(bytes, [], "t.trace");
  const streamed = decode(bytes, sizes, "t.trace");
  expect(streamed).toEqual(whole);
  return whole;
}

const sizesArb = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 4 });

type Edit = { at: number; flip: number } | { at: number; insert: Uint8Array } | { at: number; remove: number } | { cut: number };
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ at: fc.nat(), flip: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ at: fc.nat(), insert: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ at: fc.nat(), remove: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ cut: fc.nat() }),
);

function edit(bytes: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let out = Array.from(bytes);
  for (const e of edits) {
    if ("cut" in e) out = out.slice(0, e.cut % (out.length + 1));
    else {
      const at = e.at % (out.length + 1);
      if ("flip" in e) {
        if (out.length) out[at % out.length] ^= e.flip;
      } else if ("insert" in e) out.splice(at, 0, ...e.insert);
      else out.splice(at, e.remove);
    }
  }
  return Uint8Array.from(out);
}

// Lackey lines the parser knows, and near misses
const LINES = ["I  04001000,4", " L 0010a000,8", " S 1ffefffc40,4", " M 7fffffffffff,8", "==1== x", "--1-- y", "SB 1", "", " L ffffffffffffffffffff,8", " L 0,99999999999999999999", " X 1,2", "I 1,2", " L 1,", " L ,1", " L 1;2"];
const lineEditArb = fc.record({ at: fc.nat(), line: fc.constantFrom(...LINES), replace: fc.boolean() });

describe("fuzz: traces", () => {
  it("lackey: mutated lines and bytes", async () => {
    const text = new TextDecoder().decode(LACKEY).split("\n");
    await fuzz(
      "trace lackey mutated",
      fc.property(fc.array(lineEditArb, { maxLength: 4 }), fc.array(editArb, { maxLength: 3 }), sizesArb, (lineEdits, edits, sizes) => {
        const lines = text.slice();
        for (const e of lineEdits) lines.splice(e.at % (lines.length + 1), e.replace ? 1 : 0, e.line);
        check(edit(new TextEncoder().encode(lines.join("\n")), edits), sizes);
      }),
      { ci: 100, weight: 0.25 },
    );
  });

  it("binary: truncated, flipped, inserted, deleted", async () => {
    await fuzz(
      "trace binary corrupted",
      fc.property(fc.array(editArb, { minLength: 1, maxLength: 4 }), sizesArb, (edits, sizes) => {
        check(edit(BINARY, edits), sizes);
      }),
      { ci: 300, weight: 1 },
    );
  });

  it("binary: a chunk header's fields set to anything", async () => {
    // chunk headers: at 32, then each chunk's 24 + payload bytes further
    const starts: number[] = [];
    const view = new DataView(BINARY.buffer, BINARY.byteOffset);
    for (let at = 32; at < BINARY.length; at += 24 + view.getUint32(at, true)) starts.push(at);
    const field = fc.oneof(
      fc.record({ offset: fc.constantFrom(0, 4), u32: fc.oneof(fc.nat(), fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff)) }),
      fc.record({ offset: fc.constantFrom(8, 16), f64: fc.oneof(fc.double(), fc.constantFrom(-1, 2 ** 53, 2 ** 35, 0.5, NaN, Infinity)) }),
    );
    await fuzz(
      "trace binary chunk headers",
      fc.property(fc.constantFrom(...starts), field, sizesArb, (start, f, sizes) => {
        const bad = BINARY.slice();
        const v = new DataView(bad.buffer);
        if ("u32" in f) v.setUint32(start + f.offset, f.u32, true);
        else v.setFloat64(start + f.offset, f.f64, true);
        check(bad, sizes);
      }),
      { ci: 200, weight: 0.5 },
    );
  });

  it("random bytes, with and without the binary magic", async () => {
    await fuzz(
      "trace random bytes",
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(0, 8, 32), sizesArb, (bytes, keep, sizes) => {
        const head = BINARY.subarray(0, keep);
        const all = new Uint8Array(head.length + bytes.length);
        all.set(head);
        all.set(bytes, head.length);
        expect(all.subarray(0, Math.min(keep, 8))).toEqual(BINARY_MAGIC.subarray(0, Math.min(keep, 8)));
        check(all, sizes);
      }),
      { ci: 300, weight: 1 },
    );
  });

  it("a replay of whatever decodes runs to its end without any other error", async () => {
    const sim = Simulation.createSync({ seed: 1 });
    await fuzz(
      "trace replay",
      fc.property(fc.constantFrom(LACKEY, BINARY), fc.array(editArb, { minLength: 1, maxLength: 3 }), (base, edits) => {
        const bytes = edit(base, edits);
        let replay: TraceReplay | undefined;
        try {
          replay = TraceReplay.spawn(sim, bytes, { ticksPerSecond: 1e9 });
          sim.runFor(20_000);
        } catch (e) {
          if (!(e instanceof WorkloadError)) throw new Error(`not a WorkloadError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
        } finally {
          replay?.detach();
          if (replay?.task.alive) sim.machine.exit(replay.task.pid);
        }
      }),
      { ci: 60, weight: 0.05 },
    );
  });
});
