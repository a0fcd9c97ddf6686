// Python's number formatting, as damo's reports print through it: "%.3f" rounds half to even on
// the exact binary value, "%d" truncates floats, "%s" of a float is repr().

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/** x = mantissa * 2^exponent exactly (finite x). */
function decompose(x: number): [bigint, number] {
  F64[0] = Math.abs(x);
  const bits = U64[0];
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  return biased === 0 ? [fraction, -1074] : [fraction | (1n << 52n), biased - 1075];
}

/** Python's `'%.{digits}f' % x`. */
export function pyFixed(x: number, digits: number): string {
  const js = x.toFixed(digits);
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return js;
  // JS rounds exact ties away from zero, Python to even: only exact ties differ.
  const [mantissa, exponent] = decompose(x);
  if (exponent >= 0) return js;
  const twice = mantissa * 2n * 10n ** BigInt(digits);
  const denominator = 1n << BigInt(-exponent);
  if (twice % denominator !== 0n) return js;
  const q = twice / denominator;
  if ((q & 1n) === 0n) return js;
  const low = (q - 1n) / 2n;
  const even = low % 2n === 0n ? low : low + 1n;
  const text = even.toString().padStart(digits + 1, "0");
  const sign = x < 0 ? "-" : "";
  return digits === 0 ? sign + text : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** Python's `'%d' % x` for an int or a float. */
export function pyInt(x: number): string {
  return BigInt(Math.trunc(x)).toString();
}

/** Python's repr() of a float. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mant, exp] = Math.abs(x).toExponential().split("e");
  const digits = mant.replace(".", "");
  const e = Number(exp);
  if (e < -4 || e >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  if (e < 0) return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
  const whole = digits.slice(0, e + 1).padEnd(e + 1, "0");
  const frac = digits.slice(e + 1);
  return `${sign}${whole}.${frac === "" ? "0" : frac}`;
}

/** A value damo holds either as a Python int or a float, printed with '%s'. */
export function pyStr(x: number, isFloat: boolean): string {
  return isFloat ? pyFloatRepr(x) : pyInt(x);
}

const ULONG_MAX = 2 ** 64 - 1;
const SIZE_UNITS: Array<[number, string]> = [
  [2 ** 60, "EiB"],
  [2 ** 50, "PiB"],
  [2 ** 40, "TiB"],
  [2 ** 30, "GiB"],
  [2 ** 20, "MiB"],
  [2 ** 10, "KiB"],
];

/** damo's format_sz. */
export function formatSz(bytes: number, raw: boolean): string {
  if (raw) return pyInt(bytes);
  if (bytes === ULONG_MAX) return "max";
  for (const [unit, name] of SIZE_UNITS) if (bytes > unit) return `${pyFixed(bytes / unit, 3)} ${name}`;
  return `${pyInt(bytes)} B`;
}

const US = 1e3;
const MS = 1e6;
const SEC = 1e9;
const MINUTE = 60 * SEC;
const HOUR = 60 * MINUTE;

/** Python's float `%` (the result takes the divisor's sign). */
function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** damo's format_time_ns (v3): hours, then minutes and seconds, or one unit with 3 decimals. */
export function formatTimeNs(ns: number, raw: boolean): string {
  if (raw) return pyInt(ns);
  let sign = "";
  if (ns < 0) {
    sign = "-";
    ns = -ns;
  }
  if (ns >= ULONG_MAX) return `${sign}max`;
  if (ns >= HOUR) {
    const hours = Math.trunc(ns / HOUR);
    const less = ns - hours * HOUR;
    return less === 0 ? `${sign}${hours} h` : `${sign}${hours} h ${formatTimeNs(less, false)}`;
  }
  if (ns >= MINUTE) {
    const minutes = pyInt(ns / MINUTE);
    if (pyMod(ns, MINUTE) === 0) return `${sign}${minutes} m`;
    if (pyMod(ns, SEC) === 0) return `${sign}${minutes} m ${pyInt(pyMod(ns, MINUTE) / SEC)} s`;
    return `${sign}${minutes} m ${pyFixed(pyMod(ns, MINUTE) / SEC, 3)} s`;
  }
  for (const [unit, name] of [
    [SEC, "s"],
    [MS, "ms"],
    [US, "us"],
  ] as const) {
    if (ns >= unit) return pyMod(ns, unit) === 0 ? `${sign}${pyInt(ns / unit)} ${name}` : `${sign}${pyFixed(ns / unit, 3)} ${name}`;
  }
  return `${sign}${pyInt(ns)} ns`;
}

/** Python's range(start, stop, step). */
export function pyRange(start: number, stop: number, step: number): number[] {
  if (step === 0) throw new RangeError("range step must not be zero");
  const out: number[] = [];
  for (let v = start; step > 0 ? v < stop : v > stop; v += step) out.push(v);
  return out;
}

/** Python's `int(p / 100.0 * n)` percentile index, clamped to the last element. */
export function percentileIndex(percentile: number, n: number): number {
  const idx = Math.trunc((percentile / 100) * n);
  return idx === n ? idx - 1 : idx;
}
