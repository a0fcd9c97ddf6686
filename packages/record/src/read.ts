import { readBinary } from "./formats/binary.js";
import { DETECT_BYTES, detectFormat } from "./formats/detect.js";
import { readJson } from "./formats/json-read.js";
import { readPerfScript } from "./formats/perf-script.js";
import { ByteSource, type ByteInput } from "./io.js";
import type { RecordFormat, RecordMeta, RecordSnapshot, RecordStream } from "./types.js";

/**
 * Opens a record, telling its format by content unless given. Resolves once the header and the
 * first snapshot are read, so that an unreadable file fails here; the snapshots then stream.
 */
export async function readRecord(input: ByteInput, format?: RecordFormat): Promise<RecordStream> {
  const source = new ByteSource(input);
  const chosen = format ?? detectFormat(await source.peek(DETECT_BYTES));
  const meta: RecordMeta = { targets: [] };
  const chunks = source.chunks();
  const all =
    chosen === "binary_v2" ? readBinary(chunks, meta) : chosen === "perf_script" ? readPerfScript(chunks, meta) : readJson(chunks, chosen, meta);
  const first = await all.next();
  let used = false;
  return {
    format: chosen,
    meta,
    snapshots: {
      [Symbol.asyncIterator]() {
        if (used) throw new Error("a record's snapshots can be iterated only once");
        used = true;
        return rest(first, all);
      },
    },
  };
}

async function* rest(first: IteratorResult<RecordSnapshot>, all: AsyncGenerator<RecordSnapshot>): AsyncGenerator<RecordSnapshot> {
  if (first.done) return;
  yield first.value;
  yield* all;
}

/** Reads a whole record into memory: meta (complete) and every snapshot. */
export async function readAllSnapshots(input: ByteInput, format?: RecordFormat): Promise<{ format: RecordFormat; meta: RecordMeta; snapshots: RecordSnapshot[] }> {
  const stream = await readRecord(input, format);
  const snapshots: RecordSnapshot[] = [];
  for await (const s of stream.snapshots) snapshots.push(s);
  return { format: stream.format, meta: stream.meta, snapshots };
}
