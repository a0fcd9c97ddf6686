import type { ScriptFields } from "./args.js";
import { PerfDataError, type PerfData } from "./data-file.js";
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
  const { fields, pidWidth } = format;
  const nameWidth = Math.max(0, ...data.events.map((e) => e.length));
  const fullName = new Map<string, string>();
  for (const e of data.events) {
    const colon = e.indexOf(":");
    if (colon > 0) fullName.set(e.slice(colon + 1), e);
  }
  for (const s of data.samples) {
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
    yield `${line}\n`;
  }
}

/** The timestamp's fraction in `digits` digits: truncated as perf's usec printing does, or padded. */
function fraction(s: TraceEvent, digits: number): string {
  return s.frac.slice(0, digits).padEnd(digits, "0");
}
