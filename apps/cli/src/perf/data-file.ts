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

/** Checks the file's start (at least MAGIC.length characters of it, or all of a shorter file). */
export function checkMagic(start: string): void {
  if (start.startsWith(MAGIC)) return;
  throw new PerfDataError(start.startsWith("PERFILE") ? "a real perf.data file: read it with the real perf" : "not a damon-sim perf.data file (no magic line)");
}

/**
 * The lines after the magic line, one at a time (without their newline): header lines, then
 * events. Used whole by parsePerfData and line by line by `perf script`, which streams.
 */
export class PerfDataParser {
  #lineNo = 1; // the magic line
  #events: string[] | null = null;
  #sampled = false;

  /** The next line: its event, or undefined for a header line. */
  line(line: string): TraceEvent | undefined {
    const lineNo = ++this.#lineNo;
    if (line.startsWith("# ") && !this.#sampled) {
      const m = /^# events: (.*)$/.exec(line);
      if (m) this.#events = m[1] === "" ? [] : m[1].split(",");
      return undefined;
    }
    const event = parseTraceLine(line);
    if (!event) throw new PerfDataError(`line ${lineNo}: not a trace event: '${line.slice(0, 60)}'`);
    this.#sampled = true;
    return event;
  }

  /** The recorded events' names, from the header. */
  events(): string[] {
    if (!this.#events) throw new PerfDataError("no '# events:' header");
    return this.#events;
  }

  /** Line N (1-based, counting the magic line) of a last line without a newline. */
  truncated(): PerfDataError {
    return new PerfDataError(`truncated: line ${this.#lineNo + 1} has no newline`);
  }
}

/** Parses a whole file; a PerfDataError says what is wrong and where. */
export function parsePerfData(text: string): PerfData {
  checkMagic(text);
  const lines = text.slice(MAGIC.length).split("\n");
  if (lines.at(-1) === "") lines.pop();
  else if (lines.length) throw new PerfDataError(`truncated: line ${lines.length + 1} has no newline`);
  const parser = new PerfDataParser();
  const samples: TraceEvent[] = [];
  for (const line of lines) {
    const event = parser.line(line);
    if (event) samples.push(event);
  }
  return { events: parser.events(), samples };
}
