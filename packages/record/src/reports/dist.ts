import { percentileIndex } from "../pyfmt.js";

export interface DistOptions {
  percentiles: number[];
  /** Print every value with its index instead of percentiles (damo's --all_wss). */
  all: boolean;
  rawNumber: boolean;
  /** Width of the bar column; 0 for none. */
  nrColsBar: number;
}

/** damo's _damo_dist.fmt_dists: the "# <percentile> <metric>" table with an average and bars. */
export function formatDist(metric: string, values: readonly number[], format: (v: number, raw: boolean) => string, o: DistOptions): string {
  const lines = [`# <percentile> <${metric}>`];
  if (values.length === 0) return [...lines, "# no snapshot"].join("\n");
  lines.push(`# avr:\t${format(values.reduce((a, b) => a + b, 0) / values.length, o.rawNumber)}`);
  if (o.all) return [...lines, ...values.map((v, i) => `${i} ${format(v, o.rawNumber)}`)].join("\n");
  const at = (p: number) => values[percentileIndex(p, values.length)];
  let perCol = 1;
  if (o.nrColsBar > 0) {
    const max = o.percentiles.reduce((m, p) => Math.max(m, at(p)), 0);
    if (max > 0) perCol = max / o.nrColsBar;
  }
  for (const p of o.percentiles) {
    const v = at(p);
    let line = `${String(p).padStart(3)} ${format(v, o.rawNumber).padStart(15)}`;
    if (o.nrColsBar > 0) {
      const cols = Math.trunc(v / perCol);
      line += ` |${"*".repeat(cols)}${" ".repeat(Math.max(0, o.nrColsBar - cols))}|`;
    }
    lines.push(line);
  }
  return lines.join("\n");
}
