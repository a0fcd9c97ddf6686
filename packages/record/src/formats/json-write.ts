import { Deflate, Inflate } from "fflate";
import { ChunkedText } from "../io.js";
import { targetMetaFrom } from "../meta.js";
import { targetKey } from "../numbers.js";
import { pyInt } from "../pyfmt.js";
import type { RecordMetaInput, RecordRegion, RecordSink, RecordSnapshot, RecordTarget, RecordTargetMeta, RecordWriter, TargetId } from "../types.js";
import { assertSnapshot } from "../validate.js";
import { pyJsonDumps, pyJsonString, type PyJson } from "./pyjson.js";
import { ZlibWriter } from "./zlib.js";

const IND = (level: number) => "    ".repeat(level);
const [I2, I3, I4, I5, I6, I7] = [2, 3, 4, 5, 6, 7].map(IND);

interface Rec {
  meta: RecordTargetMeta;
  count: number;
  lastEnd: number | null;
  /** A first snapshot without a start time, waiting for the next one to guess it. */
  held: { endNs: number; target: RecordTarget } | null;
  /** Records after the first are kept compressed until close: json groups snapshots by target. */
  spool: Spool | null;
}

/**
 * damo's json: Python's json.dumps(records, indent=4) byte for byte, streamed. The first target's
 * record goes straight out; other targets' snapshots wait deflated in memory until close.
 */
export function createJsonWriter(format: "json" | "json_compressed", sink: RecordSink, input?: RecordMetaInput): RecordWriter {
  const zlib = format === "json_compressed" ? new ZlibWriter(async (b) => sink.write(b)) : null;
  const text = new ChunkedText(async (b) => (zlib ? zlib.push(b) : sink.write(b)));
  const recs = new Map<string, Rec>();
  let closed = false;

  const recordFor = async (id: TargetId): Promise<Rec> => {
    const key = targetKey(id);
    let rec = recs.get(key);
    if (!rec) {
      rec = { meta: targetMetaFrom(input, id), count: 0, lastEnd: null, held: null, spool: recs.size === 0 ? null : new Spool() };
      recs.set(key, rec);
      if (!rec.spool) await text.add(recordHead(rec.meta, true));
    }
    return rec;
  };

  const emit = async (rec: Rec, startNs: number, endNs: number, target: RecordTarget) => {
    const json = (rec.count === 0 ? "\n" : ",\n") + snapshotJson(startNs, endNs, target);
    rec.count++;
    rec.lastEnd = endNs;
    if (rec.spool) rec.spool.add(json);
    else await text.add(json);
  };

  return {
    async write(snapshot) {
      if (closed) throw new Error("record writer is closed");
      assertSnapshot(snapshot);
      for (const target of snapshot.targets) {
        const rec = await recordFor(target.id);
        if (snapshot.startNs === null && rec.count === 0 && !rec.held) {
          rec.held = { endNs: snapshot.endNs, target };
          continue;
        }
        if (rec.held) {
          // damo would use the mean snapshot length; one snapshot ahead is all a stream has
          const { endNs, target: first } = rec.held;
          rec.held = null;
          await emit(rec, Math.max(0, endNs - (snapshot.endNs - endNs)), endNs, first);
        }
        await emit(rec, snapshot.startNs ?? rec.lastEnd ?? snapshot.endNs, snapshot.endNs, target);
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const rec of recs.values()) if (rec.held) await emit(rec, rec.held.endNs, rec.held.endNs, rec.held.target);
      // targets the caller named but that never had a snapshot still get their (empty) record
      for (const t of input?.targets ?? []) await recordFor(t.id);
      for (const rec of recs.values()) {
        if (rec.spool) {
          await text.add(recordHead(rec.meta, false));
          await text.flush();
          await rec.spool.drain(async (b) => (zlib ? zlib.push(b) : sink.write(b)));
        }
        await text.add(recordTail(rec.meta, rec.count));
      }
      await text.add(recs.size === 0 ? "[]" : "\n]");
      await text.flush();
      if (zlib) await zlib.push(new Uint8Array(0), true);
      await sink.close?.();
    },
  };
}

class Spool {
  private readonly parts: Uint8Array[] = [];
  private readonly deflate = new Deflate({ level: 6 }, (data) => {
    if (data.length > 0) this.parts.push(data);
  });
  private readonly encoder = new TextEncoder();

  add(text: string): void {
    this.deflate.push(this.encoder.encode(text));
  }

  async drain(out: (bytes: Uint8Array) => Promise<void>): Promise<void> {
    this.deflate.push(new Uint8Array(0), true);
    let ready: Uint8Array[] = [];
    const inflate = new Inflate((data) => {
      if (data.length > 0) ready.push(data);
    });
    const parts = this.parts.splice(0);
    for (const [i, part] of parts.entries()) {
      inflate.push(part, i === parts.length - 1);
      for (const data of ready) await out(data);
      ready = [];
    }
  }
}

function recordHead(m: RecordTargetMeta, first: boolean): string {
  const fields = [
    `${I2}"kdamond_idx": ${pyJsonDumps(m.kdamondIdx, 2)}`,
    `${I2}"context_idx": ${pyJsonDumps(m.contextIdx, 2)}`,
    `${I2}"intervals": ${m.intervals ? pyJsonDumps(intervalsJson(m.intervals), 2) : "null"}`,
    `${I2}"scheme_idx": ${pyJsonDumps(m.schemeIdx, 2)}`,
    `${I2}"target_id": ${pyJsonDumps(m.id, 2)}`,
    `${I2}"scheme_filters": ${pyJsonDumps(m.schemeFilters, 2)}`,
    `${I2}"snapshots": [`,
  ];
  return `${first ? "[" : ","}\n${IND(1)}{\n${fields.join(",\n")}`;
}

function recordTail(m: RecordTargetMeta, count: number): string {
  return `${count > 0 ? `\n${I2}]` : "]"},\n${I2}"data_source": ${pyJsonString(m.dataSource)}\n${IND(1)}}`;
}

function intervalsJson(i: NonNullable<RecordTargetMeta["intervals"]>): PyJson {
  const out: { [key: string]: PyJson } = { sample_us: pyInt(i.sampleUs), aggr_us: pyInt(i.aggrUs), ops_update_us: pyInt(i.opsUpdateUs) };
  if (i.goal !== undefined) out.intervals_goal = i.goal;
  return out;
}

// damo writes with raw numbers: times, addresses and sizes as decimal strings, samples as ints.
function snapshotJson(startNs: number, endNs: number, t: RecordTarget): string {
  const regions = t.regions.length === 0 ? "[]" : `[\n${t.regions.map(regionJson).join(",\n")}\n${I4}]`;
  const total = t.regions.reduce((sum, r) => sum + (r.end - r.start), 0);
  let extra = "";
  if (t.damosStats !== undefined) extra += `,\n${I4}"damos_stats": ${pyJsonDumps(t.damosStats, 4)}`;
  if (t.sampleIntervalUs !== undefined) extra += `,\n${I4}"sample_interval_us": ${t.sampleIntervalUs === null ? "null" : `"${pyInt(t.sampleIntervalUs)}"`}`;
  return (
    `${I3}{\n${I4}"start_time": "${pyInt(startNs)}",\n${I4}"end_time": "${pyInt(endNs)}",\n` +
    `${I4}"regions": ${regions},\n${I4}"total_bytes": "${total}"${extra}\n${I3}}`
  );
}

function regionJson(r: RecordRegion): string {
  const age = r.age === null ? "null" : `"${r.age}"`;
  const filtered = r.szFilterPassed === undefined ? "" : `,\n${I6}"sz_filter_passed": "${r.szFilterPassed}"`;
  return (
    `${I5}{\n${I6}"start": "${r.start}",\n${I6}"end": "${r.end}",\n` +
    `${I6}"nr_accesses": {\n${I7}"samples": ${r.nrAccesses},\n${I7}"percent": null\n${I6}},\n` +
    `${I6}"age": {\n${I7}"usec": null,\n${I7}"aggr_intervals": ${age}\n${I6}}${filtered}\n${I5}}`
  );
}
