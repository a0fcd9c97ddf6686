import { RecordFormatError } from "../errors.js";
import { ChunkedText } from "../io.js";
import { safeDecimal, targetIdFromDecimal } from "../numbers.js";
import type { RecordMeta, RecordRegion, RecordSink, RecordSnapshot, RecordWriter, TargetId } from "../types.js";
import { assertSnapshot } from "../validate.js";
import { SnapshotAssembler } from "./assemble.js";
import { FirstSnapshotHold, type Block } from "./first-hold.js";

// `perf script` prints "<comm> <pid> [<cpu>] <sec>.<usec>: <event>: <fields>"; comm may hold spaces.
const TIMESTAMP = /^(\d+)\.(\d{1,9}):$/;
const EVENT = /^[\w-]+:[\w-]+:$/;

/** The index of the timestamp field, or -1 if the line is not perf script output. */
function timestampIndex(fields: readonly string[]): number {
  for (let i = 1; i + 1 < fields.length; i++) if (TIMESTAMP.test(fields[i]) && EVENT.test(fields[i + 1])) return i;
  return -1;
}

export function isPerfScriptLine(line: string): boolean {
  return timestampIndex(line.trim().split(/\s+/)) >= 0;
}

interface Group {
  id: TargetId;
  nrRegions: number;
  endNs: number;
  regions: RecordRegion[];
}

const FIELD = {
  target_id: /^target_id=(\d+)$/,
  target_idx: /^target_idx=(\d+)$/,
  nr_regions: /^nr_regions=(\d+)$/,
  range: /^(\d+)-(\d+):$/,
  integer: /^-?\d+$/,
};

/** Reads `perf script` output of damon:damon_aggregated (and damos_before_apply) events. */
export async function* readPerfScript(chunks: AsyncIterable<Uint8Array>, meta: RecordMeta): AsyncGenerator<RecordSnapshot> {
  const parser = new PerfScriptParser(meta);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let carry = "";
  const decode = (bytes?: Uint8Array): string => {
    try {
      return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
    } catch {
      return parser.fail("invalid UTF-8");
    }
  };
  for await (const bytes of chunks) {
    const lines = (carry + decode(bytes)).split("\n");
    carry = lines.pop()!;
    for (const line of lines) yield* parser.line(line);
  }
  carry += decode();
  if (carry !== "") yield* parser.line(carry);
  yield* parser.finish();
}

class PerfScriptParser {
  private readonly assembler: SnapshotAssembler;
  private lineNo = 0;
  private group: Group | null = null;

  constructor(meta: RecordMeta) {
    this.assembler = new SnapshotAssembler("perf_script", meta);
  }

  line(line: string): RecordSnapshot[] {
    this.lineNo++;
    const fields = line.trim().split(/\s+/);
    if (fields[0] === "") return [];
    const ts = timestampIndex(fields);
    if (ts < 0) return this.fail(`not a perf script line: '${line.slice(0, 60)}'`);
    const event = fields[ts + 1].slice(0, -1);
    const rest = fields.slice(ts + 2);
    let id: TargetId;
    let nrRegions: number;
    let region: RecordRegion;
    if (event === "damon:damon_aggregated") {
      if (rest.length !== 4 && rest.length !== 5) return this.fail(`damon_aggregated needs 4 or 5 fields after the event, found ${rest.length}`);
      [id, nrRegions, region] = [this.id(rest[0], "target_id"), this.nrRegions(rest[1]), this.region(rest.slice(2))];
    } else if (event === "damon:damos_before_apply") {
      // damo files these under the target index
      if (rest.length !== 7) return this.fail(`damos_before_apply needs 7 fields after the event, found ${rest.length}`);
      [id, nrRegions, region] = [this.id(rest[2], "target_idx"), this.nrRegions(rest[3]), this.region(rest.slice(4))];
    } else return []; // other events, e.g. damon_monitor_intervals_tune
    const [, sec, frac] = TIMESTAMP.exec(fields[ts])!;
    const endNs = safeDecimal(sec + frac.padEnd(9, "0"));
    if (endNs === null) return this.fail(`timestamp ${sec}.${frac} is 2^53 ns or more`);
    const group = (this.group ??= { id, nrRegions, endNs, regions: [] });
    if (group.id !== id || group.nrRegions !== nrRegions) {
      return this.fail(`target ${group.id}'s snapshot of ${group.nrRegions} regions is interrupted after ${group.regions.length}`);
    }
    group.regions.push(region);
    if (group.regions.length < group.nrRegions) return [];
    this.group = null;
    return this.assembler.add(group.id, group.endNs, group.regions, `line ${this.lineNo}`);
  }

  finish(): RecordSnapshot[] {
    const g = this.group;
    if (g) this.fail(`truncated: target ${g.id}'s last snapshot has ${g.regions.length} of ${g.nrRegions} regions`);
    return this.assembler.finish(`line ${this.lineNo}`);
  }

  fail(problem: string): never {
    throw new RecordFormatError("perf_script", `line ${this.lineNo}`, problem);
  }

  private id(field: string, name: "target_id" | "target_idx"): TargetId {
    const m = FIELD[name].exec(field);
    return m ? targetIdFromDecimal(m[1]) : this.fail(`expected ${name}=<n>, found '${field}'`);
  }

  private nrRegions(field: string): number {
    const m = FIELD.nr_regions.exec(field);
    const n = m ? safeDecimal(m[1]) : null;
    return n !== null && n > 0 ? n : this.fail(`expected nr_regions=<n> with n > 0, found '${field}'`);
  }

  private region(f: string[]): RecordRegion {
    const range = FIELD.range.exec(f[0]);
    if (!range) return this.fail(`expected <start>-<end>:, found '${f[0]}'`);
    const start = safeDecimal(range[1]);
    const end = safeDecimal(range[2]);
    if (start === null || end === null) return this.fail(`address ${f[0]} is 2^53 or more, beyond exact JavaScript numbers`);
    if (end < start) return this.fail(`region ${f[0]} ends before it starts`);
    const nrAccesses = this.integer(f[1], "nr_accesses");
    const age = f.length > 2 ? this.integer(f[2], "age") : null;
    // -1 appears only in damo's fake snapshot, a 0-0 region
    const fake = nrAccesses === -1 && start === 0 && end === 0;
    if (nrAccesses < 0 && !fake) return this.fail(`negative nr_accesses ${nrAccesses}`);
    if (age !== null && age < 0 && !fake) return this.fail(`negative age ${age}`);
    return { start, end, nrAccesses, age };
  }

  private integer(field: string, name: string): number {
    const n = FIELD.integer.test(field) ? Number(field) : Number.NaN;
    return Number.isSafeInteger(n) ? n : this.fail(`${name} '${field}' is not an integer`);
  }
}

/** damo's perf_script writer: placeholder comm/pid/cpu, microsecond timestamps, one line per region. */
export function createPerfScriptWriter(sink: RecordSink): RecordWriter {
  const text = new ChunkedText(async (b) => sink.write(b));
  const hold = new FirstSnapshotHold();
  let closed = false;
  const writeBlocks = async (blocks: Block[]) => {
    for (const block of blocks) {
      const prefix = `kdamond.x xxxx xxxx ${timestamp(block.endNs)}: damon:damon_aggregated: target_id=`;
      for (const t of block.targets) {
        if (t.id === null) throw new RangeError("perf_script needs integer target ids, found null");
        for (const r of t.regions) {
          await text.add(`${prefix}${t.id} nr_regions=${t.regions.length} ${r.start}-${r.end}: ${r.nrAccesses}${r.age === null ? "" : ` ${r.age}`}\n`);
        }
      }
    }
  };
  return {
    async write(snapshot) {
      if (closed) throw new Error("record writer is closed");
      assertSnapshot(snapshot);
      if (snapshot.targets.some((t) => t.regions.length === 0)) throw new RangeError("perf_script cannot hold a target snapshot without regions");
      await writeBlocks(hold.add(snapshot));
    },
    async close() {
      if (closed) return;
      closed = true;
      await writeBlocks(hold.finish());
      await text.flush();
      await sink.close?.();
    },
  };
}

/** "<sec>.<usec>" of a time in ns, rounded to the microsecond (perf's precision). */
function timestamp(ns: number): string {
  const whole = Math.round(ns);
  const us = Math.floor(whole / 1000) + (whole % 1000 >= 500 ? 1 : 0);
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, "0")}`;
}
