import type { ScriptFields } from "./args.js";
import { checkMagic, MAGIC, PerfDataError, PerfDataParser, type PerfData } from "./data-file.js";
import type { TraceEvent } from "./trace-line.js";

export interface ScriptFormat {
  fields: ScriptFields;
  nanoseconds: boolean;
  /** Columns of the pid/tid fields: 5 before perf 6.5, 7 from it. */
  pidWidth: number;
}

/**
 * `perf script`'s text for a file's samples, line for line as perf_sample__fprintf_start and
 * process_event print a tracepoint sample: "%16s " comm, "%7d " tid, "[%03d] " cpu, "%12s: "
 * time (sec.usec), the event name right-aligned to the longest recorded event's name, then the
 * event's own text.
 */
export function* scriptLines(data: PerfData, format: ScriptFormat): Generator<string> {
  const line = scriptFormatter(data.events, format);
  for (const s of data.samples) yield line(s);
}

/** One sample's line (see scriptLines), for a file that recorded `events`. */
export function scriptFormatter(events: readonly string[], format: ScriptFormat): (s: TraceEvent) => string {
  const { fields, pidWidth } = format;
  const nameWidth = Math.max(0, ...events.map((e) => e.length));
  const fullName = new Map<string, string>();
  for (const e of events) {
    const colon = e.indexOf(":");
    if (colon > 0) fullName.set(e.slice(colon + 1), e);
  }
  return (s) => {
    const name = fullName.get(s.name);
    if (!name) throw new PerfDataError(`a ${s.name} event, which the '# events:' header does not list`);
    let line = "";
    if (fields.has("comm")) line += `${s.comm.padStart(16)} `;
    if (fields.has("pid") && fields.has("tid")) line += `${String(s.pid).padStart(pidWidth)}/${String(s.pid).padEnd(pidWidth)} `;
    else if (fields.has("pid") || fields.has("tid")) line += `${String(s.pid).padStart(pidWidth)} `;
    if (fields.has("cpu")) line += `[${String(s.cpu).padStart(3, "0")}] `;
    if (fields.has("time")) line += format.nanoseconds ? `${s.secs.padStart(5)}.${fraction(s, 9)}: ` : `${`${s.secs}.${fraction(s, 6)}`.padStart(12)}: `;
    if (fields.has("event")) line += `${name.padStart(nameWidth)}: `;
    if (fields.has("trace")) line += s.fields;
    return `${line}\n`;
  };
}

/**
 * `perf script` over a file read in chunks: each chunk's lines are written (awaiting `write`,
 * which waits for the reader) before the next is read, so a recording of any length streams
 * through in bounded memory, as perf's own does. A PerfDataError says what is wrong and where.
 */
export async function scriptStream(chunks: AsyncIterable<string>, format: ScriptFormat, write: (text: string) => Promise<void>): Promise<void> {
  const parser = new PerfDataParser();
  let line: ((s: TraceEvent) => string) | undefined;
  let start = ""; // until the magic line is checked
  let rest = ""; // a line not yet ended
  for await (const chunk of chunks) {
    let text = chunk;
    if (start.length < MAGIC.length) {
      start += chunk;
      if (start.length < MAGIC.length) continue;
      checkMagic(start);
      text = start.slice(MAGIC.length);
      start = MAGIC; // checked
    }
    const lines = (rest + text).split("\n");
    rest = lines.pop()!;
    let out = "";
    for (const text of lines) {
      const sample = parser.line(text);
      if (!sample) continue;
      line ??= scriptFormatter(parser.events(), format);
      out += line(sample);
    }
    if (out) await write(out);
  }
  if (start.length < MAGIC.length) checkMagic(start);
  if (rest) throw parser.truncated();
  parser.events(); // a file without the header is an error even without samples
}

/** The timestamp's fraction in `digits` digits: truncated as perf's usec printing does, or padded. */
function fraction(s: TraceEvent, digits: number): string {
  return s.frac.slice(0, digits).padEnd(digits, "0");
}
