import { WorkloadError } from "../errors.js";
import type { AccessMode } from "../model.js";

/** A masim region line: `name, size[, init_data_file|none]`. */
export interface MasimRegion {
  name: string;
  size: number;
  /** The init data file, or undefined for "none" / no third field. */
  initData?: string;
  line: number;
}

/** A masim access-pattern line: `region, random, stride, probability[, ro|wo|rw]`. */
export interface MasimPattern {
  region: string;
  random: boolean;
  stride: number;
  weight: number;
  /** Undefined when the line has 4 fields (masim then uses its default mode, `wo`). */
  mode?: AccessMode;
  line: number;
}

export interface MasimPhase {
  name: string;
  timeMs: number;
  patterns: MasimPattern[];
  line: number;
}

export interface MasimConfig {
  regions: MasimRegion[];
  phases: MasimPhase[];
}

interface Line {
  text: string;
  /** 1-based line number in the original file. */
  no: number;
}

const INT = /^[ \t]*[+-]?\d+[ \t]*$/;
const MAX_NAME = 255; // struct mregion's name[256]

/**
 * Parses a masim configuration as masim.c's read_config does: `#` lines are deleted first (so
 * they never make blank lines), the text is cut at the first blank line into the regions
 * paragraph and the phases, and the number of phases is the number of empty lines after that
 * cut, so paragraphs must be separated by exactly one blank line. A last line without a
 * newline is dropped, as masim's comment remover drops it. Where masim would silently read
 * garbage (atoi on "10MB", an unknown region, a phase without a runtime) this throws a
 * WorkloadError naming the file, the line and the problem.
 */
export function parseMasimConfig(source: string | Uint8Array, file = "<masim config>"): MasimConfig {
  const text = typeof source === "string" ? source : new TextDecoder().decode(source);
  const fail = (line: number, problem: string): never => {
    throw new WorkloadError(problem, { file, line });
  };
  const { lines, droppedLast } = keptLines(text);
  if (lines.length === 0) {
    fail(1, text.trim() === "" ? "empty config: expected a regions paragraph, a blank line, then phases" : "no lines besides comments");
  }
  const blank = lines.findIndex((l, i) => i > 0 && l.text === "");
  if (blank < 0) {
    const crlf = /\r\n/.test(text) ? " (the file has CRLF line endings; masim needs LF)" : "";
    fail(lines[lines.length - 1].no, `no blank line after the regions paragraph${crlf}`);
  }
  const regions = lines.slice(0, blank).map((l) => region(l, fail));
  const seen = new Map<string, number>();
  for (const r of regions) {
    const first = seen.get(r.name);
    if (first !== undefined) fail(r.line, `duplicate region name "${r.name}" (first defined on line ${first})`);
    seen.set(r.name, r.line);
  }

  // The phases text ends with the empty string after the file's final newline.
  const end = lines.length ? lines[lines.length - 1].no + 1 : 1;
  const rest: Line[] = [...lines.slice(blank + 1), { text: "", no: end }];
  const hint = droppedLast ? " (the last line has no newline, so masim ignores it)" : "";
  if (rest.length < 4) {
    fail(rest[0].no, `no phases: expected a phase name, its runtime in ms and an access pattern line${hint}`);
  }
  const phases: MasimPhase[] = [];
  for (let at = 0; at < rest.length; ) {
    let stop = at;
    while (rest[stop].text !== "") stop++;
    const paragraph = rest.slice(at, stop);
    if (paragraph.length === 0) fail(rest[at].no, "empty phase: phases must be separated by exactly one blank line");
    if (paragraph.length < 3) {
      fail(
        paragraph[0].no,
        `phase "${paragraph[0].text}" has ${paragraph.length} line${paragraph.length === 1 ? "" : "s"}; ` +
          `it needs a name, a runtime in ms and at least one access pattern${hint}`,
      );
    }
    phases.push(phase(paragraph, seen, fail));
    at = stop + 1;
  }
  return { regions, phases };
}

// masim's rm_comments: keeps newline-terminated lines not starting with '#'.
function keptLines(text: string): { lines: Line[]; droppedLast: boolean } {
  const lines: Line[] = [];
  let start = 0;
  let no = 1;
  for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
    const line = text.slice(start, nl);
    if (line[0] !== "#") lines.push({ text: line, no });
    start = nl + 1;
    no++;
  }
  return { lines, droppedLast: start < text.length && text[start] !== "#" };
}

type Fail = (line: number, problem: string) => never;

function region(l: Line, fail: Fail): MasimRegion {
  const fields = l.text.split(",");
  if (fields.length !== 2 && fields.length !== 3) {
    fail(l.no, `region line needs "name, size[, init data file]", got ${fields.length} field${fields.length === 1 ? "" : "s"}: "${l.text}"`);
  }
  const name = fields[0];
  if (name === "") fail(l.no, "region name is empty");
  if (name.length > MAX_NAME) fail(l.no, `region name is longer than ${MAX_NAME} characters`);
  const size = integer(fields[1], l.no, "region size", fail);
  if (size <= 0) fail(l.no, `region size must be positive, got ${size}`);
  if (size > 2 ** 44) fail(l.no, `region size ${size} is larger than 16 TiB`);
  const out: MasimRegion = { name, size, line: l.no };
  const init = fields[2]?.trim();
  if (init !== undefined && init !== "none") {
    if (init === "") fail(l.no, 'init data file is empty (write "none" for no file)');
    out.initData = init;
  }
  return out;
}

function phase(lines: Line[], regions: Map<string, number>, fail: Fail): MasimPhase {
  const [name, runtime, ...patterns] = lines;
  if (!INT.test(runtime.text)) {
    const what = runtime.text.includes(",") ? "missing runtime: expected the phase's runtime in ms" : "bad runtime: expected milliseconds";
    fail(runtime.no, `${what}, got "${runtime.text}"`);
  }
  const timeMs = Number(runtime.text);
  if (timeMs < 0 || timeMs > 2 ** 31 - 1) fail(runtime.no, `runtime must be between 0 and ${2 ** 31 - 1} ms, got ${timeMs}`);
  return { name: name.text, timeMs, patterns: patterns.map((l) => pattern(l, regions, fail)), line: name.no };
}

function pattern(l: Line, regions: Map<string, number>, fail: Fail): MasimPattern {
  const fields = l.text.split(",");
  if (fields.length !== 4 && fields.length !== 5) {
    fail(
      l.no,
      `access pattern needs "region, random (0|1), stride, probability[, ro|wo|rw]", got ${fields.length} field${fields.length === 1 ? "" : "s"}: "${l.text}"`,
    );
  }
  const region = fields[0];
  if (!regions.has(region)) {
    const known = [...regions.keys()].map((n) => `"${n}"`).join(", ");
    fail(l.no, `unknown region "${region}" (regions: ${known})`);
  }
  const random = integer(fields[1], l.no, "randomness", fail) !== 0;
  const stride = integer(fields[2], l.no, "stride", fail);
  if (stride < 0 || stride > 2 ** 31 - 1) fail(l.no, `stride must be between 0 and ${2 ** 31 - 1} bytes, got ${stride}`);
  const weight = integer(fields[3], l.no, "probability", fail);
  if (weight < 0 || weight > 2 ** 31 - 1) fail(l.no, `probability must be between 0 and ${2 ** 31 - 1}, got ${weight}`);
  const out: MasimPattern = { region, random, stride, weight, line: l.no };
  if (fields.length === 5) out.mode = rwMode(fields[4], l.no, fail);
  return out;
}

// masim's parse_rwmode: the first word, compared on its first two characters.
function rwMode(field: string, line: number, fail: Fail): AccessMode {
  const word = field.trim().split(/\s/)[0];
  const mode = word.slice(0, 2);
  if (mode === "ro" || mode === "wo" || mode === "rw") return mode;
  return fail(line, `bad read/write mode "${field.trim()}": expected ro, wo or rw`);
}

function integer(field: string, line: number, what: string, fail: Fail): number {
  if (!INT.test(field)) fail(line, `bad ${what} "${field.trim()}": expected an integer`);
  return Number(field);
}
