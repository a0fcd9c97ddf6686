// Python's json.dumps(..., indent=4), which damo writes records with: ", " becomes ",\n",
// empty containers stay "[]"/"{}", strings are ASCII-only with \uXXXX escapes.
import { pyFloatRepr } from "../pyfmt.js";

export type PyJson = null | boolean | number | bigint | string | PyJson[] | { [key: string]: PyJson };

const ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

export function pyJsonString(s: string): string {
  return `"${s.replace(/[\\"]|[^ -~]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

function pyJsonNumber(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  return Number.isInteger(n) ? BigInt(n).toString() : pyFloatRepr(n);
}

/** `value` as json.dumps prints it when it sits at nesting `level`. */
export function pyJsonDumps(value: PyJson, level: number): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return pyJsonNumber(value);
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return pyJsonString(value);
  const inner = "    ".repeat(level + 1);
  const outer = "    ".repeat(level);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + pyJsonDumps(v, level + 1)).join(",\n")}\n${outer}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  return `{\n${entries.map(([k, v]) => `${inner}${pyJsonString(k)}: ${pyJsonDumps(v, level + 1)}`).join(",\n")}\n${outer}}`;
}
