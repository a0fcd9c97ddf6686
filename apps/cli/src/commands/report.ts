import {
  adjust, adjustMeta, createRecordWriter, readRecord, RecordFormatError, ReportError, reportHeatmap, reportNrRegions, reportRaw,
  reportWss, type RecordFormat, type RecordStream,
} from "@damon-sim/record";
import { RunError, UsageError } from "../errors.js";
import { atomicSink, inputStream, writeAtomically } from "../io.js";

/** Opens a record file for reading, turning format problems into one-line failures. */
export async function openRecord(path: string): Promise<RecordStream> {
  return guard(path, async () => readRecord(await inputStream(path)));
}

/** Runs work on the record at `path`; a format problem found on the way names that file. */
async function guard<T>(path: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RecordFormatError || error instanceof ReportError) throw new RunError(path, error.message, { cause: error });
    throw error;
  }
}

export async function reportRawCommand(options: { input: string; raw_number?: boolean }): Promise<string> {
  return guard(options.input, async () => {
    const record = await openRecord(options.input);
    const text = await reportRaw(record.snapshots, { rawNumber: options.raw_number, meta: record.meta });
    return text;
  });
}

export interface WssOptions {
  input: string;
  range?: string[];
  raw_number?: boolean;
  acc_thres: number;
  sz_thres: number;
  exclude_samples: number;
  work_time: number;
  sortby: "size" | "time";
  per_target?: boolean;
  all_wss?: boolean;
}

export function parseRange(values: string[] | undefined): [number, number, number] | undefined {
  if (!values) return undefined;
  const numbers = values.map(Number);
  if (numbers.length !== 3 || numbers.some((n) => !Number.isInteger(n)) || numbers[2] === 0) {
    throw new UsageError(`--range takes three integers START STOP STEP (STEP not 0); got '${values.join(" ")}'`);
  }
  return numbers as [number, number, number];
}

export async function reportWssCommand(options: WssOptions): Promise<string> {
  const range = parseRange(options.range);
  return guard(options.input, async () => {
    const record = await openRecord(options.input);
    return reportWss(record.snapshots, {
      range,
      rawNumber: options.raw_number,
      accThres: options.acc_thres,
      szThres: options.sz_thres,
      excludeSamples: options.exclude_samples,
      workTime: options.work_time,
      sortby: options.sortby,
      collapseTargets: !options.per_target,
      allWss: options.all_wss,
    });
  });
}

export async function reportNrRegionsCommand(options: { input: string; range?: string[]; sortby: "size" | "time" }): Promise<string> {
  const range = parseRange(options.range);
  return guard(options.input, async () => {
    const record = await openRecord(options.input);
    return reportNrRegions(record.snapshots, { range, sortby: options.sortby });
  });
}

export interface HeatmapCliOptions {
  input: string;
  output: string;
  resol?: string[];
  time_range?: string[];
  address_range?: string[];
  abs_time?: boolean;
  abs_addr?: boolean;
  guide?: boolean;
  draw_range: "hottest" | "all";
  stdout_colorset: "gray" | "flame" | "emotion";
  color: boolean;
}

function pair(name: string, values: string[] | undefined): [number, number] | undefined {
  if (!values) return undefined;
  const numbers = values.map(Number);
  if (numbers.length !== 2 || numbers.some((n) => !Number.isFinite(n) || n < 0) || numbers[0] >= numbers[1]) {
    throw new UsageError(`${name} takes two increasing non-negative numbers; got '${values.join(" ")}'`);
  }
  return numbers as [number, number];
}

/** Returns text for stdout, or writes the image file and returns "". */
export async function reportHeatmapCommand(options: HeatmapCliOptions): Promise<string> {
  const resol = pair("--resol", options.resol);
  if (resol && (!Number.isInteger(resol[0]) || !Number.isInteger(resol[1]))) throw new UsageError("--resol takes two integers");
  const timeRange = pair("--time_range", options.time_range);
  const addressRange = pair("--address_range", options.address_range);
  const output = options.output;
  const image = /\.(png|svg)$/i.exec(output)?.[1]?.toLowerCase() as "png" | "svg" | undefined;
  if (!image && output !== "stdout" && output !== "raw") throw new UsageError(`--output must be stdout, raw, or a .png or .svg file; got '${output}'`);
  return guard(options.input, async () => {
    const record = await openRecord(options.input);
    const result = await reportHeatmap(record.snapshots, {
      output: image ?? (output as "stdout" | "raw"),
      resol: resol as [number, number] | undefined,
      timeRange: timeRange?.map((s) => s * 1e9) as [number, number] | undefined,
      addressRange: addressRange ? [addressRange] : undefined,
      absTime: options.abs_time,
      absAddr: options.abs_addr,
      guide: options.guide,
      drawRange: options.draw_range,
      colorset: options.stdout_colorset,
      color: options.color,
      meta: record.meta,
    });
    if (image && !options.guide) {
      await writeAtomically(output, result);
      return "";
    }
    return result as string;
  });
}

export interface AdjustOptions {
  input: string;
  output: string;
  aggregate_interval: number;
  skip: number;
  output_type: RecordFormat;
}

/** damo adjust: re-aggregates a record into a new file, written completely or not at all. */
export async function adjustCommand(options: AdjustOptions): Promise<void> {
  await guard(options.input, async () => {
    const record = await openRecord(options.input);
    const sink = await atomicSink(options.output);
    try {
      const snapshots = adjust(record.snapshots, { aggregateIntervalUs: options.aggregate_interval, skip: options.skip });
      let writer: ReturnType<typeof createRecordWriter> | null = null;
      for await (const snapshot of snapshots) {
        writer ??= createRecordWriter(options.output_type, sink, {
          targets: adjustMeta(record.meta, options.aggregate_interval).targets,
        });
        await writer.write(snapshot);
      }
      if (!writer) throw new RunError(options.input, "no snapshots to adjust");
      await writer.close();
      await sink.commit();
    } catch (error) {
      await sink.abort();
      throw error;
    }
  });
}
