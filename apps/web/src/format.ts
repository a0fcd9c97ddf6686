/** An address as hex (addresses up to 2^53 are exact numbers). */
export function formatAddress(addr: number): string {
  return `0x${Math.floor(addr).toString(16)}`;
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u ? v.toFixed(v < 10 ? 2 : 1) : v} ${UNITS[u]}`;
}

/** Nanoseconds as seconds, to the precision that reads well at that size. */
export function formatSeconds(ns: number): string {
  const s = ns / 1e9;
  return `${s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2)} s`;
}
