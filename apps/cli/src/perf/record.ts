import { rm } from "node:fs/promises";
import { atomicSink } from "../io.js";
import { dataHeader } from "./data-file.js";
import { traceSession } from "./session.js";
import { isTracepointSpec, resolveTracepoints, tracepointName, tracefsCandidates } from "./tracefs.js";

export interface RecordOptions {
  events: string[];
  output: string;
  quiet: boolean;
  command: string[];
  pollMs?: number;
  candidates?: string[];
  stderr?: (text: string) => void;
}

export interface RecordResult {
  /** What perf exits with: the command's status, or 0. */
  status: number;
  /** The signal that stopped the recording, which perf re-raises once the file is written. */
  signal: NodeJS.Signals | null;
  samples: number;
  bytes: number;
}

/**
 * `perf record`: the traced events go to a temporary file beside the output, renamed into
 * place once the session ends (see session.ts). Without -e it records perf's default event,
 * cycles, of which a simulated machine has no samples: an empty but valid file.
 */
export async function recordEvents(options: RecordOptions): Promise<RecordResult> {
  const stderr = options.stderr ?? ((t: string) => void process.stderr.write(t));
  const specs = options.events.length ? options.events : ["cycles:P"];
  const tracepointSpecs = specs.filter(isTracepointSpec);
  const resolved = tracepointSpecs.length ? resolveTracepoints(tracepointSpecs, options.candidates ?? tracefsCandidates()) : null;
  const tracepoints = resolved?.tracepoints ?? [];
  const recorded = [...tracepoints.map(tracepointName), ...specs.filter((e) => !isTracepointSpec(e))];

  const sink = await atomicSink(options.output);
  let bytes = 0;
  let samples = 0;
  const write = async (text: string) => {
    const chunk = new TextEncoder().encode(text);
    bytes += chunk.length;
    await sink.write(chunk);
  };
  let committed = false;
  let session;
  try {
    await write(dataHeader(recorded));
    if (!resolved) {
      // Nothing will ever be added (damo's cpu_profile recorder): the file is complete now,
      // and stays so even if this process is killed before it can rename anything.
      await sink.commit();
      committed = true;
    }
    session = await traceSession({
      tracefs: resolved?.tracefs ?? null,
      tracepoints,
      command: options.command,
      pollMs: options.pollMs,
      onEvents: async (lines) => {
        samples += lines.length;
        await write(lines.map((l) => `${l}\n`).join(""));
      },
    });
  } catch (error) {
    if (committed) await rm(options.output, { force: true });
    else await sink.abort();
    throw error;
  }
  if (!committed) await sink.commit();
  if (!options.quiet) {
    stderr(`[ perf record: Woken up ${Math.max(1, session.wakeups)} times to write data ]\n`);
    const count = samples ? ` (${samples} samples)` : "";
    stderr(`[ perf record: Captured and wrote ${(bytes / 1024 / 1024).toFixed(3)} MB ${options.output}${count} ]\n`);
  }
  return { status: session.status, signal: session.signal, samples, bytes };
}
