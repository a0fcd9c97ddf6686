// The kernel's vsscanf (lib/vsprintf.c), for the conversions DAMON's debugfs uses. It differs
// from libc: %u/%lu reject a sign and wrap modulo 2^64, %s succeeds on whitespace-only input,
// %n is processed even at the end of input, and the count never goes negative.

export type ScanValue = bigint | number | Uint8Array;

export interface ScanResult {
  /** Conversions that succeeded before the first failure (%n not counted). */
  count: number;
  /** Their values in order: %lu → bigint (u64), %u → number (u32), %d → number (i32), %s → bytes. */
  values: ScanValue[];
  /** The value each %n stored (characters consumed at that point), in order. */
  consumed: number[];
}

const MASK64 = (1n << 64n) - 1n;

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** The C string in `input` from `from`: the kernel parses up to the first NUL. */
function cString(input: Uint8Array, from: number): Uint8Array {
  const end = input.indexOf(0, from);
  return input.subarray(from, end < 0 ? input.length : end);
}

/**
 * sscanf(input + from, format). Supported conversions: %lu %u %d %s %n, and whitespace in
 * the format matching any amount of whitespace.
 */
export function kscanf(input: Uint8Array, format: string, from = 0): ScanResult {
  const str = cString(input, from);
  const result: ScanResult = { count: 0, values: [], consumed: [] };
  let s = 0;
  let f = 0;
  const skipSpaces = () => {
    while (s < str.length && isSpace(str[s])) s++;
  };
  while (f < format.length) {
    if (isSpace(format.charCodeAt(f))) {
      while (f < format.length && isSpace(format.charCodeAt(f))) f++;
      skipSpaces();
    }
    if (f >= format.length) break;
    if (format[f] !== "%") {
      if (s >= str.length || str[s] !== format.charCodeAt(f)) break;
      s++;
      f++;
      continue;
    }
    f++;
    let qualifier = "";
    if (format[f] === "l") {
      qualifier = "l";
      f++;
    }
    const conv = format[f++];
    if (conv === "n") {
      result.consumed.push(s);
      continue;
    }
    if (s >= str.length) break;
    if (conv === "s") {
      skipSpaces();
      const start = s;
      while (s < str.length && !isSpace(str[s])) s++;
      result.values.push(str.slice(start, s));
      result.count++;
      continue;
    }
    skipSpaces();
    const signed = conv === "d";
    let negative = false;
    let digitAt = s;
    if (signed && str[s] === 0x2d) {
      negative = true;
      digitAt = s + 1;
    }
    if (digitAt >= str.length || !isDigit(str[digitAt])) break;
    let value = 0n;
    let i = digitAt;
    for (; i < str.length && isDigit(str[i]); i++) value = (value * 10n + BigInt(str[i] - 0x30)) & MASK64;
    if (negative) value = (-value) & MASK64;
    s = i;
    if (qualifier === "l" && !signed) result.values.push(value);
    else if (signed) result.values.push(Number(BigInt.asIntN(32, value)));
    else result.values.push(Number(value & 0xffffffffn));
    result.count++;
  }
  return result;
}

/** strncmp(a, b, n) over NUL-terminated byte strings: true when they are equal. */
export function strneq(a: Uint8Array, b: string, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const x = i < a.length ? a[i] : 0;
    const y = i < b.length ? b.charCodeAt(i) : 0;
    if (x !== y) return false;
    if (x === 0) return true;
  }
  return true;
}

/** The kernel's scnprintf into a `size`-byte buffer: at most size - 1 characters. */
export function scnprintf(size: number, text: string): string {
  return size <= 0 ? "" : text.slice(0, size - 1);
}
