import { write } from "node:fs";
import { traceSession } from "./session.js";
import { isTracepointSpec, resolveTracepoints, tracepointName, tracefsCandidates } from "./tracefs.js";
import { UsageError } from "../errors.js";

export interface TraceOptions {
  events: string[];
  command: string[];
  pollMs?: number;
  candidates?: string[];
  /** Where perf trace prints (default: stderr, as perf does, without blocking; see below). */
  output?: (text: string) => void;
}

/**
 * Writes to stderr from libuv's thread pool, in order, never blocking the event loop: when the
 * reader (damo) stops reading to handle its own SIGINT and waits for us, a synchronous write
 * into its full pipe would keep us from ever seeing the SIGINT it forwards. A closed pipe
 * ends perf quietly, as it ends every damon-sim command.
 */
function stderrWriter(): { output: (text: string) => void; flushed: () => Promise<void> } {
  let pending: Promise<void> = Promise.resolve();
  const output = (text: string) => {
    pending = pending.then(
      () =>
        new Promise<void>((resolve) =>
          write(2, text, (error) => {
            if ((error as NodeJS.ErrnoException | null)?.code === "EPIPE") process.exit(0);
            resolve();
          }),
        ),
    );
  };
  return { output, flushed: () => pending };
}

/**
 * `perf trace -e SYSTEM:EVENT`: each event as it happens, as builtin-trace.c prints a
 * tracepoint system-wide: "%10.3f " milliseconds since the first event, "%.14s/%d " comm/tid,
 * then "name(" the event's libtraceevent text ")". Ends on SIGINT/SIGTERM or with COMMAND.
 */
export async function traceEvents(options: TraceOptions): Promise<{ status: number; signal: NodeJS.Signals | null }> {
  const writer = stderrWriter();
  const output = options.output ?? writer.output;
  const others = options.events.filter((e) => !isTracepointSpec(e));
  if (others.length) throw new UsageError(`perf trace: only tracepoints are simulated; got '${others[0]}'`);
  const { tracefs, tracepoints } = resolveTracepoints(options.events, options.candidates ?? tracefsCandidates());
  const fullName = new Map(tracepoints.map((t) => [t.name, tracepointName(t)]));
  let baseUs: number | null = null;
  const session = await traceSession({
    tracefs,
    tracepoints,
    command: options.command,
    pollMs: options.pollMs,
    onEvents: (_, events) => {
      let text = "";
      for (const e of events) {
        const us = Number(e.secs) * 1e6 + Number(e.frac.slice(0, 6).padEnd(6, "0"));
        baseUs ??= us;
        text += `${((us - baseUs) / 1000).toFixed(3).padStart(10)} ${e.comm.slice(0, 14)}/${e.pid} ${fullName.get(e.name)}(${e.fields})\n`;
      }
      output(text);
    },
  });
  // Stopped by a signal, perf ends now (what the reader has not taken in 200 ms is dropped);
  // at the end of a command, everything is written first.
  const flushed = writer.flushed();
  if (session.signal) await Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, 200).unref())]);
  else await flushed;
  return session;
}
