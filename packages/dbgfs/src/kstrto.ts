// The kernel's string-to-number and keyword helpers that DAMON's sysfs files parse with
// (lib/kstrtox.c, lib/string.c). Unlike sscanf they take the whole buffer: one optional
// trailing newline, nothing else after the number, overflow is ERANGE, not wrapping.
import { Errno } from "./errno.js";

const U64_MAX = (1n << 64n) - 1n;
const S64_MAX = (1n << 63n) - 1n;

/** The bytes up to the first NUL, one char per byte: what the kernel's C-string parsers see. */
export function cString(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  const bytes = end < 0 ? buf : buf.subarray(0, end);
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/** A parsed number, or -errno (EINVAL for a malformed string, ERANGE for overflow). */
export type Parsed<T> = T | { errno: number };

export function isError<T>(r: Parsed<T>): r is { errno: number } {
  return typeof r === "object" && r !== null && "errno" in r;
}

const fail = (errno: number) => ({ errno: -errno });

const isXDigit = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

function digitValue(c: string): number {
  const code = c.toLowerCase().charCodeAt(0);
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return 99;
}

/**
 * _kstrtoull. Base 0 guesses: 0x → hex (only if a hex digit follows), 0 → octal, else
 * decimal; base 16 also skips a 0x prefix.
 */
function kstrtoullNoSign(s: string, base: number): Parsed<bigint> {
  let i = 0;
  if (base === 0) base = s[0] !== "0" ? 10 : s[1]?.toLowerCase() === "x" && isXDigit(s[2]) ? 16 : 8;
  if (base === 16 && s[0] === "0" && s[1]?.toLowerCase() === "x" && isXDigit(s[2])) i = 2;
  const from = i;
  let value = 0n;
  let overflow = false;
  for (; i < s.length; i++) {
    const d = digitValue(s[i]);
    if (d >= base) break;
    value = value * BigInt(base) + BigInt(d);
    if (value > U64_MAX) overflow = true;
  }
  if (overflow) return fail(Errno.ERANGE);
  if (i === from) return fail(Errno.EINVAL);
  if (s[i] === "\n") i++;
  if (i < s.length) return fail(Errno.EINVAL);
  return value;
}

/** kstrtoull / kstrtoul (64-bit): a leading '+' is allowed, '-' is not. */
export function kstrtoul(s: string, base: 0 | 10 | 16 = 0): Parsed<bigint> {
  return kstrtoullNoSign(s[0] === "+" ? s.slice(1) : s, base);
}

/**
 * kstrtoul_from_user: at most 66 of the `count` bytes are copied and NUL-terminated, so
 * anything past a NUL or past that length is never seen.
 */
export function kstrtoulFromUser(data: Uint8Array, base: 0 | 10 | 16): Parsed<bigint> {
  return kstrtoul(cString(data.subarray(0, 66)), base);
}

/** kstrtouint: kstrtoul, then ERANGE above 2^32 - 1. */
export function kstrtouint(s: string): Parsed<number> {
  const r = kstrtoul(s);
  if (isError(r)) return r;
  return r > 0xffffffffn ? fail(Errno.ERANGE) : Number(r);
}

/** kstrtoll: a leading '-' (then no '+'), or kstrtoull's forms; ERANGE outside s64. */
export function kstrtoll(s: string): Parsed<bigint> {
  if (s[0] === "-") {
    const r = kstrtoullNoSign(s.slice(1), 0);
    if (isError(r)) return r;
    return r > S64_MAX + 1n ? fail(Errno.ERANGE) : -r;
  }
  const r = kstrtoul(s);
  if (isError(r)) return r;
  return r > S64_MAX ? fail(Errno.ERANGE) : r;
}

/** kstrtoint: kstrtoll, then ERANGE outside s32. */
export function kstrtoint(s: string): Parsed<number> {
  const r = kstrtoll(s);
  if (isError(r)) return r;
  return r < -(2n ** 31n) || r > 2n ** 31n - 1n ? fail(Errno.ERANGE) : Number(r);
}

/** kstrtobool: only the first one or two characters count (y/Y/1, n/N/0, on, off). */
export function kstrtobool(s: string): Parsed<boolean> {
  switch (s[0]) {
    case "y": case "Y": case "1":
      return true;
    case "n": case "N": case "0":
      return false;
    case "o": case "O":
      switch (s[1]) {
        case "n": case "N":
          return true;
        case "f": case "F":
          return false;
      }
  }
  return fail(Errno.EINVAL);
}

/** sysfs_streq: equal, ignoring one trailing newline on either side. */
export function sysfsStreq(s1: string, s2: string): boolean {
  return s1 === s2 || s1 === `${s2}\n` || `${s1}\n` === s2;
}
