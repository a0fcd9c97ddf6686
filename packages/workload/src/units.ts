const UNITS: Record<string, number> = {
  "": 1, b: 1,
  k: 2 ** 10, kib: 2 ** 10, m: 2 ** 20, mib: 2 ** 20, g: 2 ** 30, gib: 2 ** 30, t: 2 ** 40, tib: 2 ** 40,
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12,
};

/**
 * A byte count from a number or a string such as "4096", "10 MiB", "1.5G" or "100MB"
 * (K/M/G/T and KiB/MiB/… are powers of 1024, KB/MB/… powers of 1000, as masim.py and
 * web forms write them). Returns undefined when the text is not a size.
 */
export function parseSize(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (!m) return undefined;
  const unit = UNITS[m[2].toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}
