import { createBinaryWriter } from "./formats/binary.js";
import { createJsonWriter } from "./formats/json-write.js";
import { createPerfScriptWriter } from "./formats/perf-script.js";
import type { RecordFormat, RecordMetaInput, RecordSink, RecordWriter } from "./types.js";

/**
 * A streaming writer in one of damo's formats. Snapshots go to the sink as they come (json keeps
 * targets after the first compressed in memory until close, as its records group by target).
 */
export function createRecordWriter(format: RecordFormat, sink: RecordSink, meta?: RecordMetaInput): RecordWriter {
  switch (format) {
    case "json":
    case "json_compressed":
      return createJsonWriter(format, sink, meta);
    case "perf_script":
      return createPerfScriptWriter(sink);
    case "binary_v2":
      return createBinaryWriter(sink);
  }
}
