import type { TargetId } from "./types.js";

const SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;

/** An unsigned decimal integer as an exact number, or null if it is 2^53 or more. */
export function safeDecimal(digits: string): number | null {
  const trimmed = digits.replace(/^0+(?=\d)/, "");
  if (trimmed.length > SAFE_DIGITS) return null;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? n : null;
}

/** A target id from decimal digits: a number when exact, a bigint otherwise. */
export function targetIdFromDecimal(digits: string): number | bigint {
  return safeDecimal(digits) ?? BigInt(digits);
}

/** A target id from a bigint: a number when exact. */
export function targetIdFromBigInt(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** How Python's `'%s' % target_id` prints it. */
export function targetIdText(id: TargetId): string {
  return id === null ? "None" : String(id);
}

/** A key for maps keyed by target id. */
export function targetKey(id: TargetId): string {
  return id === null ? "null" : String(id);
}
