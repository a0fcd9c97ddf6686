import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RunError, UsageError } from "../errors.js";
import { readMounts } from "../proc-mounts.js";

/**
 * Where the tracing files are, in the order perf's libapi looks: $DAMON_SIM_TRACEFS (tests, or a
 * `damon-sim mount` elsewhere) alone when set; else the mount points /proc/mounts gives for
 * tracefs and debugfs (+ /tracing); else the usual /sys/kernel/tracing and /sys/kernel/debug/tracing.
 */
export function tracefsCandidates(env: NodeJS.ProcessEnv = process.env, mounts = readMounts()): string[] {
  if (env.DAMON_SIM_TRACEFS) return [env.DAMON_SIM_TRACEFS];
  const found: string[] = [];
  for (const m of mounts) if (m.type === "tracefs") found.push(m.point);
  for (const m of mounts) if (m.type === "debugfs") found.push(join(m.point, "tracing"));
  found.push("/sys/kernel/tracing", "/sys/kernel/debug/tracing");
  return [...new Set(found)];
}

/** A tracepoint as perf names it, system:name. */
export interface Tracepoint {
  system: string;
  name: string;
}

export const tracepointName = (t: Tracepoint) => `${t.system}:${t.name}`;

/** Hardware and software events perf knows; the simulation has no samples of them. */
const NON_TRACEPOINTS = new Set(["cycles", "cycles:P", "instructions", "cpu-clock", "task-clock", "branches", "branch-misses", "cache-misses", "cache-references", "page-faults", "context-switches"]);

export function isTracepointSpec(event: string): boolean {
  return !NON_TRACEPOINTS.has(event);
}

/** Checks an -e argument's shape: system:name, where either may hold * and ? globs. */
export function parseTracepointSpec(event: string): Tracepoint {
  const m = /^([\w*?]+)[:/]([\w*?]+)\/?$/.exec(event);
  if (!m) throw new UsageError(`perf: event syntax error: '${event}' (the shim records tracepoints, system:name, and ${[...NON_TRACEPOINTS].slice(0, 3).join(", ")}, ...)`);
  return { system: m[1], name: m[2] };
}

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[*?]/g, (c) => (c === "*" ? ".*" : "."))}$`);

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The tracepoints under `tracefs` that a spec names (one, or every match of a glob). */
export function matchTracepoints(tracefs: string, spec: Tracepoint): Tracepoint[] {
  const events = join(tracefs, "events");
  const systems = /[*?]/.test(spec.system) ? entries(events).filter((s) => glob(spec.system).test(s)) : [spec.system];
  const found: Tracepoint[] = [];
  for (const system of systems) {
    const names = /[*?]/.test(spec.name) ? entries(join(events, system)).filter((n) => glob(spec.name).test(n)) : [spec.name];
    for (const name of names) if (existsSync(join(events, system, name, "enable"))) found.push({ system, name });
  }
  return found;
}

/**
 * The first tracing directory that has a trace_pipe and every requested tracepoint, with the
 * tracepoints expanded. Fails on one line naming the tracepoint that is nowhere to be found.
 */
export function resolveTracepoints(specs: string[], candidates = tracefsCandidates()): { tracefs: string; tracepoints: Tracepoint[] } {
  const parsed = specs.map(parseTracepointSpec);
  const usable = candidates.filter((dir) => existsSync(join(dir, "trace_pipe")));
  if (usable.length === 0) {
    throw new RunError(candidates[0], "no tracefs here (no trace_pipe): run inside `damon-sim run`, or set DAMON_SIM_TRACEFS to a simulated tracing directory");
  }
  for (const tracefs of usable) {
    const tracepoints: Tracepoint[] = [];
    let all = true;
    for (const spec of parsed) {
      const found = matchTracepoints(tracefs, spec);
      if (found.length === 0) all = false;
      tracepoints.push(...found);
    }
    if (all) return { tracefs, tracepoints: dedupe(tracepoints) };
  }
  const missing = parsed.find((spec) => matchTracepoints(usable[0], spec).length === 0)!;
  throw new RunError(join(usable[0], "events", missing.system, missing.name), `unknown tracepoint '${tracepointName(missing)}'`);
}

function dedupe(list: Tracepoint[]): Tracepoint[] {
  const seen = new Set<string>();
  return list.filter((t) => !seen.has(tracepointName(t)) && seen.add(tracepointName(t)));
}

/** The tracepoints the kernel lists in available_events, for `perf list`. */
export function availableTracepoints(candidates = tracefsCandidates()): string[] {
  for (const dir of candidates) {
    try {
      return readFileSync(join(dir, "available_events"), "utf8").split("\n").filter((l) => l.includes(":"));
    } catch {
      // the next candidate
    }
  }
  return [];
}
