/**
 * The shim's perf.data: not perf's binary format, but a text file of our own that `damon-sim
 * perf script` reads back:
 *
 *   damon-sim perf.data 1\0\n            magic line; the NUL makes file(1) call it "data", so
 *                                         damo hands the file to `perf script` (as with real
 *                                         perf.data) instead of parsing it as perf script text
 *   # events: damon:damon_aggregated,...\n  every event recorded, in -e order (perf script pads
 *                                         event names to the longest of them)
 *   <trace_pipe line>\n ...               the events, verbatim as ftrace printed them
 *
 * Header lines start with "# " and come before the first event.
 */
import { parseTraceLine, type TraceEvent } from "./trace-line.js";

export const MAGIC = "damon-sim perf.data 1\0\n";

export interface PerfData {
  /** Every recorded event, "system:name" (or a hardware/software event name). */
  events: string[];
  samples: TraceEvent[];
}

export function dataHeader(events: readonly string[]): string {
  return `${MAGIC}# events: ${events.join(",")}\n`;
}

export class PerfDataError extends Error {}

/** Parses a whole file; a PerfDataError says what is wrong and where. */
export function parsePerfData(text: string): PerfData {
  if (!text.startsWith(MAGIC)) {
    throw new PerfDataError(
      text.startsWith("PERFILE") ? "a real perf.data file: read it with the real perf" : "not a damon-sim perf.data file (no magic line)",
    );
  }
  const lines = text.slice(MAGIC.length).split("\n");
  if (lines.at(-1) === "") lines.pop();
  else if (lines.length) throw new PerfDataError(`truncated: line ${lines.length + 1} has no newline`);
  let events: string[] | null = null;
  const samples: TraceEvent[] = [];
  lines.forEach((line, i) => {
    const lineNo = i + 2;
    if (line.startsWith("# ") && samples.length === 0) {
      const m = /^# events: (.*)$/.exec(line);
      if (m) events = m[1] === "" ? [] : m[1].split(",");
      return;
    }
    const event = parseTraceLine(line);
    if (!event) throw new PerfDataError(`line ${lineNo}: not a trace event: '${line.slice(0, 60)}'`);
    samples.push(event);
  });
  if (!events) throw new PerfDataError("no '# events:' header");
  return { events, samples };
}
