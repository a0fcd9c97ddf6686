import { RecordFormatError } from "../errors.js";
import { defaultTargetMeta } from "../meta.js";
import { targetIdFromDecimal } from "../numbers.js";
import type { JsonValue, RecordIntervals, RecordMeta, RecordRegion, RecordSnapshot, RecordTarget, RecordTargetMeta, TargetId } from "../types.js";
import { ValueProblem, checkSafe, toBytes, toNr, toNs, toPercent, toUs } from "./damo-text.js";
import { JsonNumber, RecordsJsonParser, type JsonAny, type JsonObject, type RecordsHandler } from "./json-parser.js";
import { inflateZlib } from "./zlib.js";

type Format = "json" | "json_compressed";

/** Reads damo's json (or zlib-compressed json) record by record, snapshot by snapshot. */
export async function* readJson(chunks: AsyncIterable<Uint8Array>, format: Format, meta: RecordMeta): AsyncGenerator<RecordSnapshot> {
  const records = new JsonRecords(format, meta);
  const parser = new RecordsJsonParser(format, records);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let offset = 0;
  const decode = (bytes?: Uint8Array): string => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      throw new RecordFormatError(format, `near ${format === "json" ? "" : "decompressed "}byte ${offset}`, "invalid UTF-8");
    }
  };
  for await (const bytes of format === "json" ? chunks : inflateZlib(chunks)) {
    parser.feed(decode(bytes));
    offset += bytes.length;
    yield* records.drain();
  }
  parser.feed(decode());
  parser.end();
  yield* records.drain();
}

/** Turns parser events into meta entries and snapshots. */
class JsonRecords implements RecordsHandler {
  private ready: RecordSnapshot[] = [];
  private index = -1;
  private target!: RecordTargetMeta;
  private hasId = false;
  private hasSnapshots = false;
  private nrSnapshots = 0;
  // Snapshots seen before the record's target_id (only in hand-written files).
  private waiting: JsonAny[] = [];

  constructor(
    private readonly format: Format,
    private readonly meta: RecordMeta,
  ) {}

  drain(): RecordSnapshot[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }

  recordStart(): void {
    this.index++;
    this.target = defaultTargetMeta(null);
    this.meta.targets.push(this.target);
    this.hasId = this.hasSnapshots = false;
    this.nrSnapshots = 0;
  }

  recordField(key: string, value: JsonAny): void {
    this.at(`record ${this.index}, '${key}'`, () => {
      const t = this.target;
      switch (key) {
        case "target_id":
          t.id = targetId(value);
          this.hasId = true;
          for (const s of this.waiting.splice(0)) this.snapshot(s);
          return;
        case "kdamond_idx":
        case "context_idx":
        case "scheme_idx": {
          const idx = value === null ? null : toNr(value, key);
          if (key === "kdamond_idx") t.kdamondIdx = idx;
          else if (key === "context_idx") t.contextIdx = idx;
          else t.schemeIdx = idx;
          return;
        }
        case "intervals":
          t.intervals = value === null ? null : intervals(object(value, key));
          return;
        case "scheme_filters":
          if (value !== null && !Array.isArray(value)) throw new ValueProblem("must be a list");
          t.schemeFilters = value === null ? [] : value.map(plain);
          return;
        case "data_source":
          if (typeof value !== "string") throw new ValueProblem("must be a string");
          t.dataSource = value;
      }
    });
  }

  snapshotsStart(): void {
    this.hasSnapshots = true;
  }

  snapshot(value: JsonAny): void {
    if (!this.hasId) {
      this.waiting.push(value);
      return;
    }
    const where = `record ${this.index}, snapshot ${this.nrSnapshots++}`;
    this.ready.push(this.at(where, () => snapshotOf(object(value, "a snapshot"), this.target, where, this.format)));
  }

  recordEnd(): void {
    if (!this.hasId) throw new RecordFormatError(this.format, `record ${this.index}`, "no 'target_id'");
    if (!this.hasSnapshots) throw new RecordFormatError(this.format, `record ${this.index}`, "no 'snapshots'");
  }

  private at<T>(where: string, read: () => T): T {
    try {
      return read();
    } catch (e) {
      if (e instanceof ValueProblem) throw new RecordFormatError(this.format, where, e.message);
      throw e;
    }
  }
}

function snapshotOf(s: JsonObject, meta: RecordTargetMeta, where: string, format: Format): RecordSnapshot {
  const regionsValue = required(s, "regions");
  if (!Array.isArray(regionsValue)) throw new ValueProblem("'regions' must be a list");
  const regions: RecordRegion[] = [];
  for (const [i, r] of regionsValue.entries()) {
    try {
      regions.push(regionOf(object(r, "a region"), meta.intervals));
    } catch (e) {
      if (e instanceof ValueProblem) throw new RecordFormatError(format, `${where}, region ${i}`, e.message);
      throw e;
    }
  }
  const target: RecordTarget = { id: meta.id, regions };
  if ("sample_interval_us" in s) target.sampleIntervalUs = s.sample_interval_us === null ? null : toUs(s.sample_interval_us, "sample_interval_us");
  if ("damos_stats" in s) target.damosStats = plain(s.damos_stats);
  return { startNs: toNs(required(s, "start_time"), "start_time"), endNs: toNs(required(s, "end_time"), "end_time"), targets: [target] };
}

function regionOf(r: JsonObject, intervals: RecordIntervals | null): RecordRegion {
  const start = toBytes(required(r, "start"), "start");
  const end = toBytes(required(r, "end"), "end");
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) throw new ValueProblem(`bad address range ${start}-${end}`);
  if (!("nr_accesses" in r) || r.nr_accesses === null) throw new ValueProblem("no 'nr_accesses'");
  const acc = object(r.nr_accesses, "nr_accesses");
  let nrAccesses: number;
  if (acc.samples !== undefined && acc.samples !== null) nrAccesses = toNr(acc.samples, "nr_accesses.samples");
  else if (acc.percent !== undefined && acc.percent !== null && intervals) {
    // damo's add_unset_unit: samples = int(percent * (aggr / sample) / 100)
    nrAccesses = Math.trunc((toPercent(acc.percent, "nr_accesses.percent") * (intervals.aggrUs / intervals.sampleUs)) / 100);
  } else throw new ValueProblem("nr_accesses has neither samples nor (with intervals) percent");
  let age: number | null = null;
  if ("age" in r && r.age !== null) {
    const a = object(r.age, "age");
    if (a.aggr_intervals !== undefined && a.aggr_intervals !== null) age = toNr(a.aggr_intervals, "age.aggr_intervals");
    else if (a.usec !== undefined && a.usec !== null && intervals) age = Math.trunc(toUs(a.usec, "age.usec") / intervals.aggrUs);
  }
  const region: RecordRegion = { start, end, nrAccesses, age };
  if ("sz_filter_passed" in r && r.sz_filter_passed !== null) region.szFilterPassed = toBytes(r.sz_filter_passed, "sz_filter_passed");
  return region;
}

function intervals(v: JsonObject): RecordIntervals {
  const out: RecordIntervals = {
    sampleUs: toUs(required(v, "sample_us"), "sample_us"),
    aggrUs: toUs(required(v, "aggr_us"), "aggr_us"),
    opsUpdateUs: toUs(required(v, "ops_update_us"), "ops_update_us"),
  };
  if ("intervals_goal" in v) out.goal = plain(v.intervals_goal);
  return out;
}

function targetId(v: JsonAny): TargetId {
  if (v === null) return null;
  const text = v instanceof JsonNumber ? v.raw : typeof v === "string" ? v.replaceAll(",", "") : "";
  if (!/^\d+$/.test(text)) throw new ValueProblem("must be a non-negative integer or null");
  return targetIdFromDecimal(text);
}

function required(o: JsonObject, key: string): JsonAny {
  if (!(key in o)) throw new ValueProblem(`no '${key}'`);
  return o[key];
}

function object(v: JsonAny, what: string): JsonObject {
  if (v === null || typeof v !== "object" || Array.isArray(v) || v instanceof JsonNumber) throw new ValueProblem(`${what} must be an object`);
  return v;
}

/** A passed-through value as plain JSON (numbers become JS numbers). */
function plain(v: JsonAny): JsonValue {
  if (v instanceof JsonNumber) return checkSafeOrFloat(v.raw);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function checkSafeOrFloat(raw: string): number {
  const n = Number(raw);
  return /^-?\d+$/.test(raw) ? checkSafe(n, raw) : n;
}
