import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { constants } from "node:os";
import { RunError } from "../errors.js";
import { describe } from "../io.js";
import { parsePerfArgs } from "./args.js";
import { PerfDataError } from "./data-file.js";
import { recordEvents } from "./record.js";
import { scriptStream, type ScriptFormat } from "./script.js";
import { availableTracepoints } from "./tracefs.js";
import { traceEvents } from "./trace.js";
import { perfVersionLine, pidWidth, simulatedKernel } from "./version.js";

export const PERF_HELP = `usage: damon-sim perf COMMAND [ARGS]   (installed as 'perf' by damon-sim run)

A perf(1) shim for damo: it records the simulated kernel's DAMON tracepoints from tracefs.

  perf --version                         perf version <simulated kernel>
  perf list [tracepoint|GLOB]            the tracepoints in tracefs's available_events
  perf record [-a] [-q] [-o FILE] [-e EVENT]... [[--] COMMAND...]
                                         record until SIGINT/SIGTERM or until COMMAND exits
                                         (default FILE: perf.data; EVENT: system:name, globs ok)
  perf script [-i FILE] [-f] [-F FIELDS] [--ns]
                                         the events in perf script's text format
  perf trace -e EVENT... [--libtraceevent_print] [[--] COMMAND...]
                                         the events live, on stderr, as perf trace prints
                                         tracepoints (libtraceevent's text; no syscalls)

tracefs: $DAMON_SIM_TRACEFS, else tracefs/debugfs from /proc/mounts, else /sys/kernel/tracing.
FILE is damon-sim's own text format (a magic line and the raw trace_pipe events), which only
this shim reads.
`;

/** `damon-sim perf ...`: resolves to perf's exit status. */
export async function perfCommand(argv: readonly string[]): Promise<number> {
  const invocation = parsePerfArgs(argv);
  const out = (text: string) => void process.stdout.write(text);
  switch (invocation.kind) {
    case "version":
      out(`${perfVersionLine(simulatedKernel())}\n`);
      return 0;
    case "help":
      out(PERF_HELP);
      return 0;
    case "list": {
      const all = availableTracepoints();
      const globs = invocation.filters.filter((f) => f !== "tracepoint" && f !== "tracepoints");
      const shown = globs.length ? all.filter((e) => globs.some((g) => globToRegExp(g).test(e))) : all;
      if (shown.length) out(`\nList of pre-defined events (to be used in -e or -M):\n\n`);
      for (const e of shown) out(`  ${e.padEnd(50)} [Tracepoint event]\n`);
      return 0;
    }
    case "record": {
      const result = await recordEvents(invocation);
      if (result.signal) {
        // perf re-raises the signal that stopped it once the data is safe (record__sig_exit)
        process.removeAllListeners(result.signal);
        process.kill(process.pid, result.signal);
        return 128 + constants.signals[result.signal];
      }
      return result.status;
    }
    case "trace": {
      const result = await traceEvents(invocation);
      // a write may still be stuck in a full pipe: do not wait for it
      if (result.signal) process.exit(0);
      return result.status;
    }
    case "script":
      await script(invocation.input, invocation.force, {
        fields: invocation.fields,
        nanoseconds: invocation.nanoseconds,
        pidWidth: pidWidth(simulatedKernel()),
      });
      return 0;
  }
}

/**
 * `perf script -i FILE`: streamed, from the file in chunks to stdout as fast as its reader
 * takes it (damo reads the whole output through a pipe; `| head` ends it quietly, see main).
 */
async function script(input: string, force: boolean, format: ScriptFormat): Promise<void> {
  const cannotRead = (error: unknown) =>
    new RunError(input, `cannot read: ${describe(error)}${(error as NodeJS.ErrnoException).code === "ENOENT" ? " (try 'perf record' first)" : ""}`);
  let info;
  try {
    info = await stat(input);
  } catch (error) {
    throw cannotRead(error);
  }
  // perf refuses files of other users unless forced (damo always passes --force)
  const uid = process.getuid?.() ?? 0;
  if (!force && info.uid !== uid && info.uid !== 0) throw new RunError(input, "not owned by current user or root (use -f to override)");
  if (info.isDirectory()) throw cannotRead(Object.assign(new Error("is a directory"), { code: "EISDIR" }));
  async function* chunks(): AsyncGenerator<string> {
    try {
      yield* createReadStream(input, { encoding: "utf8", highWaterMark: 1 << 20 }) as AsyncIterable<string>;
    } catch (error) {
      throw cannotRead(error);
    }
  }
  try {
    await scriptStream(chunks(), format, writeStdout);
  } catch (error) {
    if (error instanceof PerfDataError) throw new RunError(input, error.message);
    throw error;
  }
}

/** Resolves once stdout takes more (at once, unless its pipe is full). */
function writeStdout(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once("drain", resolve);
  });
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}
