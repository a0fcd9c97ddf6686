// damo reads every json number through its text_to_* helpers: a field may be a JSON number or a
// string with thousands commas ("94,827,419,009,024") and unit suffixes ("100 ms", "4 KiB").
import { JsonNumber, type JsonAny } from "./json-parser.js";

/** A value that cannot be read; the caller adds where. */
export class ValueProblem extends Error {}

const BYTE_UNITS: Record<string, number> = { B: 1 };
for (const [i, p] of ["K", "M", "G", "T", "P", "E"].entries()) {
  const size = 2 ** (10 * (i + 1));
  BYTE_UNITS[p] = BYTE_UNITS[`${p}B`] = BYTE_UNITS[`${p}iB`] = size;
}
const NS_UNITS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9, d: 86400e9 };

function textToNr(text: string): number {
  const plain = text.replaceAll(",", "").trim();
  if (plain === "max") return 2 ** 64 - 1;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(plain)) throw new ValueProblem(`'${text}' is not a number`);
  return Number(plain);
}

function numberOf(value: JsonAny, what: string): number | string {
  if (value instanceof JsonNumber) return Number(value.raw);
  if (typeof value === "string") return value;
  throw new ValueProblem(`${what} must be a number or a numeric string`);
}

/** An integer field below 2^53 (addresses, sizes, counts). */
export function checkSafe(n: number, what: string): number {
  if (!Number.isFinite(n)) throw new ValueProblem(`${what} is not a finite number`);
  if (Math.abs(n) > Number.MAX_SAFE_INTEGER) throw new ValueProblem(`${what} ${n} is 2^53 or more, beyond exact JavaScript numbers`);
  return n;
}

/** text_to_nr: plain numbers with optional commas. */
export function toNr(value: JsonAny, what: string): number {
  if (value instanceof JsonNumber) return checkSafe(exactNumber(value.raw, what), what);
  const v = numberOf(value, what);
  return checkSafe(typeof v === "number" ? v : textToNr(v), what);
}

/** text_to_bytes: a number of bytes, optionally with a B/KiB/MB... suffix. */
export function toBytes(value: JsonAny, what: string): number {
  if (value instanceof JsonNumber) return checkSafe(exactNumber(value.raw, what), what);
  const text = numberOf(value, what) as string;
  const unit = [3, 2, 1].map((k) => text.slice(-k)).find((u) => u.length < text.length && u in BYTE_UNITS);
  const n = unit === undefined ? textToNr(text) : textToNr(text.slice(0, -unit.length)) * BYTE_UNITS[unit];
  return checkSafe(Math.min(2 ** 64 - 1, Math.trunc(n)), what);
}

/** text_to_ns: nanoseconds, optionally as "<n> <unit> [<n> <unit>...]". */
export function toNs(value: JsonAny, what: string): number {
  if (value instanceof JsonNumber) return checkSafe(exactNumber(value.raw, what), what);
  return checkSafe(textToNs(numberOf(value, what) as string), what);
}

function textToNs(text: string): number {
  const fields = text.trim().split(/\s+/);
  if (fields.length > 1) {
    let total = 0;
    for (let i = 0; i < fields.length; i += 2) total += textToNs(fields.slice(i, i + 2).join(""));
    return total;
  }
  const unit = [2, 1].map((k) => text.slice(-k)).find((u) => u.length < text.length && u in NS_UNITS);
  return unit === undefined ? textToNr(text) : textToNr(text.slice(0, -unit.length)) * NS_UNITS[unit];
}

/** text_to_us: microseconds, with the same suffixes as text_to_ns. */
export function toUs(value: JsonAny, what: string): number {
  if (value instanceof JsonNumber) return checkSafe(exactNumber(value.raw, what), what);
  const text = numberOf(value, what) as string;
  return checkSafe(/[a-z]$/.test(text.trim()) ? textToNs(text) / 1e3 : textToNr(text), what);
}

/** text_to_percent: a number, or a ratio string ending in '%'. */
export function toPercent(value: JsonAny, what: string): number {
  if (value instanceof JsonNumber) return checkSafe(Number(value.raw), what);
  const text = (numberOf(value, what) as string).trim();
  return checkSafe(text.endsWith("%") ? textToNr(text.slice(0, -1)) : textToNr(text), what);
}

/** A JSON number's value, refusing integers that would lose precision. */
function exactNumber(raw: string, what: string): number {
  const n = Number(raw);
  if (/^-?\d+$/.test(raw) && !Number.isSafeInteger(n)) throw new ValueProblem(`${what} ${raw} is 2^53 or more, beyond exact JavaScript numbers`);
  return n;
}
