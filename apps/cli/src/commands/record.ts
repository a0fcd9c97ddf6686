import { open, readFile } from "node:fs/promises";
import cliProgress from "cli-progress";
import { BUILTIN_NAMES, isBinaryTrace, WorkloadError } from "@damon-sim/workload";
import { RecordFormatError, type RecordFormat } from "@damon-sim/record";
import { Session, type SessionSummary, type WorkloadInput } from "@damon-sim/session";
import { RunError, UsageError } from "../errors.js";
import { atomicSink, describe, inputStream } from "../io.js";

export interface RecordOptions {
  sample?: number;
  aggr?: number;
  updr?: number;
  minr?: number;
  maxr?: number;
  attrs?: string;
  duration?: number;
  seed: number;
  ops: "vaddr" | "paddr";
  engine?: "exact" | "fast";
  out: string;
  output_type: RecordFormat;
  accuracy?: boolean;
  ips?: number;
}

/** A built-in name, or a file: a binary or lackey trace, or a masim config. */
export async function workloadInput(name: string, ips?: number): Promise<WorkloadInput> {
  if ((BUILTIN_NAMES as readonly string[]).includes(name)) return { builtin: name };
  let head: Uint8Array;
  try {
    const file = await open(name, "r");
    const buffer = new Uint8Array(4096);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    await file.close();
    head = buffer.subarray(0, bytesRead);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`unknown workload '${name}': not a built-in (${BUILTIN_NAMES.join(", ")}) nor a file`);
    throw new RunError(name, `cannot read: ${describe(error)}`);
  }
  const text = new TextDecoder().decode(head);
  if (isBinaryTrace(head) || /^(==\d+==|I  |[ ][LSM] )/m.test(text)) {
    return { trace: await inputStream(name), ticksPerSecond: ips, name: "trace" };
  }
  return { masim: await readFile(name, "utf8"), file: name };
}

/** The attrs, damo's spellings overriding the dbgfs form. */
export function recordAttrs(options: RecordOptions) {
  let attrs: Record<string, number> = {};
  if (options.attrs !== undefined) {
    // Decimal digits between the kernel's whitespace, as its %lu reads them (no sign, hex or exponent).
    const words = options.attrs.split(/[ \t\n\v\f\r]+/).filter(Boolean);
    const parts = words.map((w) => (/^[0-9]+$/.test(w) ? Number(w) : NaN));
    if (parts.length !== 5 || parts.some((n) => !Number.isSafeInteger(n))) {
      throw new UsageError(`--attrs takes five unsigned integers "sample aggr update min max"; got ${JSON.stringify(options.attrs)}`);
    }
    const [sampleUs, aggrUs, opsUpdateUs, minNrRegions, maxNrRegions] = parts;
    attrs = { sampleUs, aggrUs, opsUpdateUs, minNrRegions, maxNrRegions };
  }
  const named = { sampleUs: options.sample, aggrUs: options.aggr, opsUpdateUs: options.updr, minNrRegions: options.minr, maxNrRegions: options.maxr };
  for (const [key, value] of Object.entries(named)) if (value !== undefined) attrs[key] = value;
  return attrs;
}

export async function recordCommand(workload: string, options: RecordOptions): Promise<void> {
  const attrs = recordAttrs(options);
  const input = await workloadInput(workload, options.ips);
  // The record only becomes `out` once complete; Ctrl-C stops the simulation at the next
  // step and keeps what was recorded, as a complete record.
  const sink = await atomicSink(options.out);
  let session: Session;
  try {
    session = await Session.create({
      workload: input,
      attrs,
      seed: options.seed,
      durationUs: options.duration === undefined ? undefined : Math.round(options.duration * 1e6),
      ops: options.ops,
      engine: options.engine,
      accuracy: options.accuracy,
      record: { format: options.output_type, sink },
    });
  } catch (error) {
    await sink.abort();
    if (error instanceof WorkloadError) throw workloadFailure(workload, error);
    if ((error as { code?: string }).code === "EINVAL") throw new UsageError(`bad attrs: ${(error as Error).message}`);
    throw error;
  }
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: "recording |{bar}| {percentage}% {value}/{total} s virtual, {speed}x", stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const startUs = session.sim.now;
  bar?.start(Math.round((session.endUs - startUs) / 1e6), 0, { speed: "-" });
  const started = performance.now();
  let summary: SessionSummary;
  try {
    summary = await session.run((now) => {
      const wall = (performance.now() - started) / 1000;
      bar?.update(Math.round((now - startUs) / 1e6), { speed: wall ? Math.round((now - startUs) / 1e6 / wall) : "-" });
      return interrupted;
    }, 100_000);
    bar?.stop();
    await sink.commit();
  } catch (error) {
    bar?.stop();
    await sink.abort();
    if (error instanceof WorkloadError) throw workloadFailure(workload, error);
    if (error instanceof RecordFormatError) throw new RunError(workload, error.message, { cause: error });
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  const wallS = (performance.now() - started) / 1000;
  process.stdout.write(formatSummary(summary, wallS, options.out));
}

/** A workload problem, named by the file the user gave (the package only knows "<lackey trace>"). */
export function workloadFailure(workload: string, error: WorkloadError): RunError {
  const where = error.line !== undefined ? `line ${error.line}: ` : error.path !== undefined ? `${error.path}: ` : "";
  return new RunError(workload, where + error.problem, { cause: error });
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export function formatSummary(s: SessionSummary, wallS: number, out: string): string {
  const virtualS = s.virtualUs / 1e6;
  const lines = [
    `${s.interrupted ? "interrupted: " : ""}recorded ${s.snapshots} aggregations of pid ${s.pid} to ${out}`,
    `  virtual time ${virtualS.toFixed(1)} s in ${wallS.toFixed(2)} s of wall time (${wallS ? Math.round(virtualS / wallS) : "-"}x real time)`,
    `  regions: ${s.nrRegions.min}..${s.nrRegions.max} (mean ${s.nrRegions.mean.toFixed(1)})`,
    `  working set: p25 ${mib(s.wss.p25)}, p50 ${mib(s.wss.p50)}, p75 ${mib(s.wss.p75)}`,
  ];
  if (s.accuracy) {
    const a = s.accuracy;
    lines.push(
      `  accuracy vs ground truth (${a.aggregations} aggregations):`,
      `    WSS relative error ${(a.wss.relativeError * 100).toFixed(1)} %  (true mean ${mib(a.wss.meanTrueBytes)}, DAMON ${mib(a.wss.meanDamonBytes)})`,
      `    hot set (frequency >= ${a.hotSet.threshold}): precision ${(a.hotSet.precision * 100).toFixed(1)} %, recall ${(a.hotSet.recall * 100).toFixed(1)} %`,
      `    byte-weighted frequency MAE ${a.frequencyMae.toFixed(4)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
