import { encodeChunk, encodeHeader, MAX_CHUNK_RUNS } from "./binary.js";
import { LackeyParser, type LackeyOptions } from "./lackey.js";
import { RunBuffer } from "./runs.js";
import type { TraceSource } from "./input.js";

export interface ConvertOptions extends LackeyOptions {
  /** Clock written to the header: lackey ticks are instructions, so instructions per second (default 1e9). */
  ticksPerSecond?: number;
  /** Runs per chunk (default 65536). */
  runsPerChunk?: number;
}

/** Converts lackey text to the binary trace format, streaming: header first, then chunks. */
export async function* lackeyToBinary(source: TraceSource, options: ConvertOptions = {}): AsyncGenerator<Uint8Array> {
  const runs = new RunBuffer();
  const parser = new LackeyParser(runs, options);
  const perChunk = options.runsPerChunk ?? 65536;
  yield encodeHeader(options.ticksPerSecond ?? 1e9);
  for await (const bytes of source instanceof Uint8Array ? slices(source) : source) {
    parser.push(bytes);
    yield* drain(runs, perChunk, false);
  }
  parser.end();
  yield* drain(runs, perChunk, true);
}

/** lackeyToBinary for a trace already in memory. */
export function lackeyToBinarySync(source: Uint8Array, options: ConvertOptions = {}): Uint8Array {
  const runs = new RunBuffer();
  const parser = new LackeyParser(runs, options);
  const perChunk = options.runsPerChunk ?? 65536;
  const parts = [encodeHeader(options.ticksPerSecond ?? 1e9)];
  parser.push(source);
  parser.end();
  parts.push(...drain(runs, perChunk, true));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function* drain(runs: RunBuffer, perChunk: number, all: boolean): Generator<Uint8Array> {
  if (!(Number.isInteger(perChunk) && perChunk >= 1 && perChunk <= MAX_CHUNK_RUNS)) throw new RangeError(`runsPerChunk must be an integer from 1 to ${MAX_CHUNK_RUNS}, got ${perChunk}`);
  while (runs.length >= perChunk || (all && runs.length > 0)) {
    const n = Math.min(perChunk, runs.length);
    yield encodeChunk(runs, runs.head, runs.head + n);
    runs.head += n;
  }
}

// An in-memory trace is converted a slice at a time, so the queued runs stay bounded.
function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += 1 << 20) yield bytes.subarray(at, at + (1 << 20));
}
