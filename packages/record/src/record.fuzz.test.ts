// Every record format, truncated, bit-flipped, with a wrong magic or header, or random: the
// read either succeeds or ends in one RecordFormatError line; never a hang, a TypeError or a
// RangeError. What reads is then drawn by every report, which must not fail either.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzz } from "../../../tools/test-runner/src/fuzz.js";
import { RecordFormatError, ReportError } from "./errors.js";
import { readAllSnapshots } from "./read.js";
import { reportHeatmap } from "./reports/heatmap.js";
import { reportNrRegions } from "./reports/nr-regions.js";
import { reportRaw } from "./reports/raw.js";
import { reportWss } from "./reports/wss.js";
import { chunked, smallRecord, writeAll } from "./test-support.js";
import type { RecordFormat } from "./types.js";

const FORMATS = ["json", "json_compressed", "perf_script", "binary_v2"] as const;

const record = smallRecord;

// binary_v2 of `record`: the magic and version, then blocks of one time, two targets, three regions
const BINARY_HEADER = 20;
const BINARY_BLOCK = 20 + (12 + 40) + (12 + 20);

// One case may take this long at most (a loaded CI machine included): more is a hang.
const CASE_LIMIT_MS = 5_000;

/** Reads `bytes` (in chunks of `sizes`, as a file streams) and draws every report of what it read. */
async function readOrFail(bytes: Uint8Array, format: RecordFormat | undefined, sizes: number[]): Promise<"read" | RecordFormatError> {
  const started = performance.now();
  let outcome: "read" | RecordFormatError;
  try {
    const { snapshots } = await readAllSnapshots(sizes.length ? chunked(bytes, sizes) : bytes, format);
    outcome = "read";
    await reportRaw(snapshots);
    await reportWss(snapshots);
    await reportNrRegions(snapshots);
    // a record can be too short in time or space for a 40x80 map: a ReportError that says so
    await reportHeatmap(snapshots, { color: false }).catch((e: unknown) => {
      if (!(e instanceof ReportError)) throw e;
      expect(e.message).not.toContain("\n");
    });
  } catch (e) {
    if (!(e instanceof RecordFormatError)) throw new Error(`not a RecordFormatError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    expect(e.message).not.toContain("\n");
    expect(e.message).toMatch(/^(json|json_compressed|perf_script|binary_v2|detect): [^:]+: ./);
    outcome = e;
  }
  expect(performance.now() - started, "one case took too long").toBeLessThan(CASE_LIMIT_MS);
  return outcome;
}

const valid = new Map<RecordFormat, Uint8Array>();
async function validBytes(format: RecordFormat): Promise<Uint8Array> {
  if (!valid.has(format)) valid.set(format, await writeAll(format, record));
  return valid.get(format)!;
}

// chunk sizes for streaming (empty: the whole buffer at once)
const sizesArb = fc.oneof(fc.constant<number[]>([]), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }));
// read as the format (what --input_type says) or by detection
const asArb = (format: RecordFormat) => fc.constantFrom<RecordFormat | undefined>(format, undefined);

describe("fuzz: every record format", () => {
  for (const format of FORMATS) {
    it(`${format}: truncated anywhere`, async () => {
      const bytes = await validBytes(format);
      await fuzz(
        `record ${format} truncated`,
        fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), asArb(format), sizesArb, async (cut, as, sizes) => {
          const outcome = await readOrFail(bytes.subarray(0, cut), as, sizes);
          // What a cut may leave readable: nothing of JSON; whole snapshots of the others
          // (a cut between binary blocks or perf lines is a shorter record).
          const mustFail =
            format === "json" || format === "json_compressed" || cut === 0 || (format === "binary_v2" && (cut < BINARY_HEADER || (cut - BINARY_HEADER) % BINARY_BLOCK !== 0));
          if (mustFail) {
            expect(outcome).toBeInstanceOf(RecordFormatError);
            const e = outcome as RecordFormatError;
            expect(as === undefined ? [format, "detect"] : [format]).toContain(e.format);
            if (format === "binary_v2" && e.format === format) expect(e.message).toMatch(/^binary_v2: offset \d+: (truncated|no DAMON snapshots)/);
          }
        }),
        { ci: 60, weight: 0.25 },
      );
    });

    it(`${format}: bytes flipped, set, inserted or deleted`, async () => {
      const bytes = await validBytes(format);
      const edit = fc.oneof(
        fc.record({ at: fc.nat(), flip: fc.integer({ min: 1, max: 255 }) }),
        fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
        fc.record({ at: fc.nat(), insert: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
        fc.record({ at: fc.nat(), remove: fc.integer({ min: 1, max: 16 }) }),
      );
      await fuzz(
        `record ${format} corrupted`,
        fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), asArb(format), sizesArb, async (edits, as, sizes) => {
          let bad = Array.from(bytes);
          for (const e of edits) {
            const at = e.at % bad.length;
            if ("flip" in e) bad[at] ^= e.flip;
            else if ("bit" in e) bad[at] ^= 1 << e.bit;
            else if ("insert" in e) bad.splice(at, 0, ...e.insert);
            else bad.splice(at, e.remove);
          }
          if (!bad.length) bad = [0];
          const outcome = await readOrFail(Uint8Array.from(bad), as, sizes);
          // zlib's checksum catches any change to the data; a flip in the padding after the
          // last deflate block changes nothing
          if (format === "json_compressed" && outcome === "read") expect(await readAllSnapshots(Uint8Array.from(bad), format)).toEqual(await readAllSnapshots(bytes, format));
        }),
        { ci: 100, weight: 0.25 },
      );
    });

    it(`${format}: a wrong magic or header`, async () => {
      const bytes = await validBytes(format);
      const others = await Promise.all(FORMATS.filter((f) => f !== format).map(validBytes));
      const head = fc.oneof(
        fc.uint8Array({ minLength: 1, maxLength: 24 }),
        // another format's first bytes over this one's
        fc.tuple(fc.constantFrom(...others), fc.integer({ min: 1, max: 24 })).map(([other, n]) => other.subarray(0, n)),
      );
      await fuzz(
        `record ${format} wrong header`,
        fc.asyncProperty(head, fc.boolean(), asArb(format), sizesArb, async (h, replace, as, sizes) => {
          const bad = new Uint8Array(h.length + bytes.length - (replace ? Math.min(h.length, bytes.length) : 0));
          bad.set(replace ? bytes.subarray(Math.min(h.length, bytes.length)) : bytes, h.length);
          bad.set(h);
          await readOrFail(bad, as, sizes);
        }),
        { ci: 60, weight: 0.25 },
      );
    });
  }

  it("random bytes, as each format and by detection", async () => {
    const alphabet = new TextEncoder().encode('[]{}",:0123456789 -.\nabcdefghijklmnopqrstuvwxyz_=');
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(fc.nat({ max: alphabet.length - 1 }).map((i) => alphabet[i]), { maxLength: 300 }).map((a) => Uint8Array.from(a)),
    );
    await fuzz(
      "record random bytes",
      fc.asyncProperty(bytes, fc.constantFrom<RecordFormat | undefined>(...FORMATS, undefined), sizesArb, async (b, as, sizes) => {
        await readOrFail(b, as, sizes);
      }),
      { ci: 200, weight: 0.5 },
    );
  });
});

describe("fuzz: truncated perf_script", () => {
  it("a cut inside a snapshot (before its last line) fails naming the line", async () => {
    const bytes = await validBytes("perf_script");
    const lines = new TextDecoder().decode(bytes).split("\n");
    // target 1 snapshots have two lines: cut anywhere in their first line
    const firstLines = lines.flatMap((l, i) => (l.includes("target_id=1 ") && lines[i + 1]?.includes("target_id=1 ") ? [i] : []));
    await fuzz(
      "record perf_script cut inside a snapshot",
      fc.asyncProperty(fc.constantFrom(...firstLines), fc.nat(), sizesArb, async (line, k, sizes) => {
        const offset = lines.slice(0, line).join("\n").length + (line > 0 ? 1 : 0);
        const cut = offset + 1 + (k % lines[line].length);
        const outcome = await readOrFail(bytes.subarray(0, cut), "perf_script", sizes);
        expect(outcome).toBeInstanceOf(RecordFormatError);
        expect((outcome as RecordFormatError).message).toMatch(/^perf_script: line \d+: /);
      }),
      { ci: 40, weight: 0.05 },
    );
  });
});

describe("fuzz regressions", () => {
  it("a heatmap of a record too short for the resolution is a ReportError, not a RangeError", async () => {
    // found by the fuzz: the first lines of a perf script, one snapshot per target
    const cut = (await validBytes("perf_script")).subarray(0, 282);
    const { snapshots } = await readAllSnapshots(cut, "perf_script");
    const e = await reportHeatmap(snapshots, { color: false }).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(ReportError);
    expect((e as Error).message).toBe("heatmap: time 100000000-100000000 or address range 4096-8192 is smaller than the 40x80 resolution (see --resol)");
  });
});
