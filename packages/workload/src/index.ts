export { WorkloadError, type ErrorLocation } from "./errors.js";
export { parseSize } from "./units.js";
export {
  DEFAULT_ACCESS_RATE, DEFAULT_BURST, validateModel,
  type AccessKind, type AccessMode, type AllocKind, type PatternSpec, type PhaseSpec, type RegionSpec,
  type WorkloadModel, type WorkloadModelInput,
} from "./model.js";
export { BUILTIN_NAMES, builtinWorkload, describeBuiltin, type BuiltinName, type BuiltinOptions } from "./builtins.js";
export { resolveWorkload, type WorkloadSpec } from "./spec.js";
export { parseMasimConfig, type MasimConfig, type MasimPattern, type MasimPhase, type MasimRegion } from "./masim/parse.js";
export { loadMasimConfig, masimToModel, type MasimOptions } from "./masim/model.js";
export { GlibcMalloc } from "./glibc.js";
export type { Area } from "./compile.js";
export { ModelWorkload, type EngineKind, type ModelWorkloadOptions, type Workload } from "./workload.js";
export { runWorkload, type RunWorkloadOptions } from "./run.js";
export { RunBuffer } from "./trace/runs.js";
export { LackeyParser, type LackeyOptions } from "./trace/lackey.js";
export { QuantumRuns } from "./trace/quantum.js";
export { BINARY_MAGIC, BINARY_VERSION, BinaryTraceReader, encodeChunk, encodeHeader, isBinaryTrace } from "./trace/binary.js";
export { TraceDecoder, type TraceFormat, type TraceReadOptions } from "./trace/decoder.js";
export type { TraceSource } from "./trace/input.js";
export { lackeyToBinary, lackeyToBinarySync, type ConvertOptions } from "./trace/convert.js";
export { DEFAULT_BLOCK_BYTES, inferTraceLayout, parseProcMaps, type LayoutOptions } from "./trace/layout.js";
export { TraceReplay, type TraceReplayOptions } from "./trace/replay.js";
export { FrequencyMap } from "./truth/frequency-map.js";
export { GroundTruth, type TruthInterval, type TruthListener } from "./truth/ground-truth.js";
export {
  AccuracyTracker, compareAggregation, summarize, trackAccuracy,
  type AccuracyOptions, type AccuracyReport, type AggregationAccuracy, type DamonRegions,
} from "./accuracy.js";
