import { availableParallelism } from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Session } from "@damon-sim/session";
import { WorkloadError } from "@damon-sim/workload";
import { fromWire, toWire, UsageError, type WireError } from "../errors.js";
import { writeAtomically } from "../io.js";
import { recordAttrs, workloadFailure, workloadInput } from "./record.js";

export interface SweepOptions {
  workload: string[];
  attrs: string[];
  seed: string;
  duration: number;
  shard?: string;
  jobs?: number;
  accuracy?: boolean;
  out?: string;
}

interface Point {
  index: number;
  workload: string;
  attrs: string;
  seed: number;
}

/** The grid in a fixed order: workloads × attrs × seeds. */
export function gridPoints(options: SweepOptions): Point[] {
  const seeds = parseSeeds(options.seed);
  const attrs = options.attrs.length ? options.attrs : ["5000 100000 1000000 10 1000"];
  for (const a of attrs) recordAttrs({ attrs: a } as never);
  const points: Point[] = [];
  for (const workload of options.workload) {
    for (const a of attrs) for (const seed of seeds) points.push({ index: points.length, workload, attrs: a, seed });
  }
  return points;
}

function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(",")) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!range) throw new UsageError(`--seed takes numbers and ranges like 0,3,5-9; got '${text}'`);
    const [from, to] = [Number(range[1]), Number(range[2] ?? range[1])];
    if (to < from) throw new UsageError(`--seed range ${part} is empty`);
    for (let s = from; s <= to; s++) seeds.push(s);
  }
  return seeds;
}

export function parseShard(text: string | undefined): [number, number] {
  if (text === undefined) return [1, 1];
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const [i, n] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || n < 1 || i < 1 || i > n) throw new UsageError(`--shard takes I/N with 1 <= I <= N; got '${text}'`);
  return [i, n];
}

/** One grid point's result: everything but wall time, so shards and reruns match exactly. */
async function runPoint(point: Point, duration: number, accuracy: boolean): Promise<string> {
  let summary;
  try {
    const session = await Session.create({
      workload: await workloadInput(point.workload),
      attrs: recordAttrs({ attrs: point.attrs } as never),
      seed: point.seed,
      durationUs: Math.round(duration * 1e6),
      accuracy,
    });
    summary = await session.run();
  } catch (error) {
    throw error instanceof WorkloadError ? workloadFailure(point.workload, error) : error;
  }
  const { interrupted: _, ...rest } = summary;
  return JSON.stringify({ index: point.index, workload: point.workload, attrs: point.attrs, seed: point.seed, ...rest });
}

/**
 * `damon-sim sweep`: a grid of workloads × attrs × seeds on a worker_threads pool, JSON
 * Lines in grid order. `--shard I/N` keeps every N-th point starting at the I-th, so N
 * machines together produce exactly the unsharded lines.
 */
export async function sweepCommand(options: SweepOptions): Promise<void> {
  const [shard, shards] = parseShard(options.shard);
  const points = gridPoints(options).filter((p) => p.index % shards === shard - 1);
  const jobs = Math.max(1, Math.min(options.jobs ?? availableParallelism(), points.length));
  const results = new Array<string>(points.length);
  let next = 0;
  let emitted = 0;
  const lines: string[] = [];
  const emit = () => {
    while (emitted < points.length && results[emitted] !== undefined) {
      const line = `${results[emitted++]}\n`;
      if (options.out) lines.push(line);
      else process.stdout.write(line);
    }
  };
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      const worker = new Worker(new URL(import.meta.url), { workerData: { sweepWorker: true } });
      try {
        while (next < points.length) {
          const k = next++;
          results[k] = await new Promise<string>((resolve, reject) => {
            const onError = (error: Error) => reject(error);
            worker.once("error", onError);
            worker.once("message", (m: { line?: string; error?: WireError }) => {
              worker.off("error", onError);
              if (m.error) reject(fromWire(m.error));
              else resolve(m.line!);
            });
            worker.postMessage({ point: points[k], duration: options.duration, accuracy: Boolean(options.accuracy) });
          });
          emit();
        }
      } finally {
        await worker.terminate();
      }
    }),
  );
  if (options.out) await writeAtomically(options.out, lines.join(""));
}

/** The worker side: runs points as they arrive. */
export function sweepWorker(): boolean {
  if (isMainThread || !(workerData as { sweepWorker?: boolean })?.sweepWorker) return false;
  parentPort!.on("message", async ({ point, duration, accuracy }: { point: Point; duration: number; accuracy: boolean }) => {
    try {
      parentPort!.postMessage({ line: await runPoint(point, duration, accuracy) });
    } catch (error) {
      parentPort!.postMessage({ error: toWire(error) });
    }
  });
  return true;
}
