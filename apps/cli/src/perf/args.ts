import { UsageError } from "../errors.js";

/** What `damon-sim perf ...` was asked to do: the subset of perf(1) that damo uses. */
export type PerfInvocation =
  | { kind: "version" }
  | { kind: "help" }
  | { kind: "list"; filters: string[] }
  | { kind: "record"; events: string[]; output: string; quiet: boolean; command: string[] }
  | { kind: "script"; input: string; force: boolean; fields: ScriptFields; nanoseconds: boolean }
  | { kind: "trace"; events: string[]; command: string[] };

/** The fields `perf script` prints for a tracepoint, in the order it prints them. */
export const SCRIPT_FIELDS = ["comm", "pid", "tid", "cpu", "time", "event", "trace"] as const;
export type ScriptField = (typeof SCRIPT_FIELDS)[number];
export type ScriptFields = ReadonlySet<ScriptField>;

/** perf's defaults for tracepoint samples: comm, tid, cpu, time, event, trace. */
export const DEFAULT_SCRIPT_FIELDS: ScriptFields = new Set<ScriptField>(["comm", "tid", "cpu", "time", "event", "trace"]);

const SUPPORTED = "the shim supports perf --version, list, record, script and trace";

/**
 * Parses perf's command line the way perf's parse-options does for the options we support:
 * `-o FILE`, `-oFILE`, `--output FILE`, `--output=FILE`, clustered flags (`-aq`), and `--`.
 * Anything else is a usage error naming the option, never silently ignored.
 */
export function parsePerfArgs(argv: readonly string[]): PerfInvocation {
  const [sub, ...rest] = argv;
  switch (sub) {
    case undefined:
      throw new UsageError(`perf needs a command (${SUPPORTED})`);
    case "--version":
    case "-v":
    case "version":
      if (rest.length) throw new UsageError(`perf ${sub} takes no arguments; got '${rest[0]}'`);
      return { kind: "version" };
    case "--help":
    case "-h":
    case "help":
      return { kind: "help" };
    case "list":
      return parseList(rest);
    case "record":
      return parseRecord(rest);
    case "script":
      return parseScript(rest);
    case "trace":
      return parseTrace(rest);
    default:
      if (sub.startsWith("-")) throw new UsageError(`perf: unsupported option '${sub}' (${SUPPORTED})`);
      throw new UsageError(`perf ${sub} is not simulated (${SUPPORTED})`);
  }
}

interface OptionSpec {
  short?: string;
  long: string;
  /** Takes a value (the rest of a short cluster, `=VALUE`, or the next argument). */
  value: boolean;
}

type Parsed = { name: string; value?: string };

/**
 * Splits argv into options and the first non-option argument onwards (perf stops at the first
 * non-option, as PARSE_OPT_STOP_AT_NON_OPTION does, so `perf record -a sleep 1` runs `sleep 1`).
 */
function parseOptions(command: string, argv: readonly string[], specs: OptionSpec[]): { options: Parsed[]; operands: string[] } {
  const options: Parsed[] = [];
  const unsupported = (arg: string): never => {
    const names = specs.map((s) => (s.short ? `-${s.short}` : `--${s.long}`)).join(", ");
    throw new UsageError(`perf ${command}: unsupported option '${arg}' (the shim supports ${names})`);
  };
  const needValue = (name: string): never => {
    throw new UsageError(`perf ${command}: option '${name}' requires a value`);
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      i++;
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const long = arg.slice(2, eq < 0 ? undefined : eq);
      const spec = specs.find((s) => s.long === long) ?? unsupported(arg);
      if (!spec.value) {
        if (eq >= 0) throw new UsageError(`perf ${command}: option '--${long}' takes no value`);
        options.push({ name: spec.long });
      } else if (eq >= 0) options.push({ name: spec.long, value: arg.slice(eq + 1) });
      else if (i + 1 < argv.length) options.push({ name: spec.long, value: argv[++i] });
      else needValue(`--${long}`);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const spec = specs.find((s) => s.short === arg[j]) ?? unsupported(`-${arg[j]}`);
        if (!spec.value) {
          options.push({ name: spec.long });
          continue;
        }
        if (j + 1 < arg.length) options.push({ name: spec.long, value: arg.slice(j + 1) });
        else if (i + 1 < argv.length) options.push({ name: spec.long, value: argv[++i] });
        else needValue(`-${arg[j]}`);
        break;
      }
      continue;
    }
    break;
  }
  return { options, operands: argv.slice(i) };
}

function parseList(argv: readonly string[]): PerfInvocation {
  const { operands } = parseOptions("list", argv, []);
  return { kind: "list", filters: operands };
}

function parseRecord(argv: readonly string[]): PerfInvocation {
  const { options, operands } = parseOptions("record", argv, [
    { short: "e", long: "event", value: true },
    { short: "a", long: "all-cpus", value: false },
    { short: "o", long: "output", value: true },
    { short: "q", long: "quiet", value: false },
  ]);
  const events: string[] = [];
  let output = "perf.data";
  let quiet = false;
  for (const o of options) {
    if (o.name === "event") {
      const names = o.value!.split(",").map((e) => e.trim());
      if (names.some((e) => e === "")) throw new UsageError(`perf record: empty event in '-e ${o.value}'`);
      events.push(...names);
    } else if (o.name === "output") {
      if (o.value === "") throw new UsageError("perf record: -o needs a file name");
      if (o.value === "-") throw new UsageError("perf record: -o - (pipe mode) is not simulated; name a file");
      output = o.value!;
    } else if (o.name === "quiet") quiet = true;
    // -a: the shim always records system-wide, as perf does when given no command or target
  }
  return { kind: "record", events: [...new Set(events)], output, quiet, command: operands };
}

/**
 * `perf trace -e EVENT... [--libtraceevent_print]` (damo report trace's live mode). The shim
 * traces tracepoints only (no syscalls) and always prints their text as libtraceevent does.
 */
function parseTrace(argv: readonly string[]): PerfInvocation {
  const { options, operands } = parseOptions("trace", argv, [
    { short: "e", long: "event", value: true },
    { short: "a", long: "all-cpus", value: false },
    { long: "libtraceevent_print", value: false },
    { long: "no-syscalls", value: false },
  ]);
  const events: string[] = [];
  for (const o of options) {
    if (o.name !== "event") continue;
    const names = o.value!.split(",").map((e) => e.trim());
    if (names.some((e) => e === "")) throw new UsageError(`perf trace: empty event in '-e ${o.value}'`);
    events.push(...names);
  }
  if (events.length === 0) throw new UsageError("perf trace: syscall tracing is not simulated; name tracepoints with -e");
  return { kind: "trace", events: [...new Set(events)], command: operands };
}

function parseScript(argv: readonly string[]): PerfInvocation {
  const { options, operands } = parseOptions("script", argv, [
    { short: "i", long: "input", value: true },
    { short: "f", long: "force", value: false },
    { short: "F", long: "fields", value: true },
    { long: "ns", value: false },
  ]);
  if (operands.length) throw new UsageError(`perf script: scripts are not simulated; got '${operands[0]}'`);
  let input = "perf.data";
  let force = false;
  let nanoseconds = false;
  let fields = DEFAULT_SCRIPT_FIELDS;
  for (const o of options) {
    if (o.name === "input") {
      if (o.value === "" || o.value === "-") throw new UsageError(`perf script: -i needs a file name (pipe mode is not simulated)`);
      input = o.value!;
    } else if (o.name === "force") force = true;
    else if (o.name === "ns") nanoseconds = true;
    else if (o.name === "fields") fields = parseFields(o.value!, fields);
  }
  return { kind: "script", input, force, fields, nanoseconds };
}

/**
 * `-F comm,tid,time`: exactly these fields; `-F +pid` / `-F -cpu`: the defaults changed. A
 * `trace:` or `tracepoint:` type prefix is accepted (the shim's events are all tracepoints).
 */
export function parseFields(spec: string, base: ScriptFields = DEFAULT_SCRIPT_FIELDS): ScriptFields {
  let list = spec;
  const typed = /^(\w+):(.*)$/.exec(spec);
  if (typed) {
    if (typed[1] !== "trace" && typed[1] !== "tracepoint") {
      throw new UsageError(`perf script: -F ${spec}: only tracepoint fields are simulated (type '${typed[1]}')`);
    }
    list = typed[2];
  }
  const items = list.split(",").map((f) => f.trim());
  if (items.some((f) => f === "")) throw new UsageError(`perf script: -F '${spec}': empty field`);
  const modify = items[0].startsWith("+") || items[0].startsWith("-");
  const result = new Set<ScriptField>(modify ? base : []);
  for (const item of items) {
    const sign = item[0] === "+" || item[0] === "-" ? item[0] : "";
    if (modify !== (sign !== "")) throw new UsageError(`perf script: -F '${spec}': cannot mix +/- and plain fields`);
    const name = sign ? item.slice(1) : item;
    if (!(SCRIPT_FIELDS as readonly string[]).includes(name)) {
      throw new UsageError(`perf script: -F: field '${name}' is not simulated (${SCRIPT_FIELDS.join(", ")})`);
    }
    if (sign === "-") result.delete(name as ScriptField);
    else result.add(name as ScriptField);
  }
  return result;
}
