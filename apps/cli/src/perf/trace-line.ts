/** One event as ftrace's trace_pipe prints it. */
export interface TraceEvent {
  comm: string;
  pid: number;
  cpu: number;
  /** Seconds and the fraction's digits as printed (6 for µs clocks), kept as text to stay exact. */
  secs: string;
  frac: string;
  /** The event's name without its system, e.g. damon_aggregated. */
  name: string;
  /** What the event's TP_printk printed. */
  fields: string;
}

// "<comm>-<pid> [(<tgid>)] [<cpu>] [<irq flags>] <secs>.<frac>: <event>: <fields>", where comm
// is right-aligned in 16 columns and may itself hold '-' and spaces (the pid is the last -N).
const LINE = /^\s*(.*?)-(\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+(?:\S+\s+)?(\d+)\.(\d+):\s+(\w+):\s?(.*)$/;

/** Parses one trace_pipe line (without its newline); null for anything else. */
export function parseTraceLine(line: string): TraceEvent | null {
  const m = LINE.exec(line);
  if (!m) return null;
  const [, comm, pid, cpu, secs, frac, name, fields] = m;
  return { comm, pid: Number(pid), cpu: Number(cpu), secs, frac, name, fields };
}
