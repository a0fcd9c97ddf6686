import { Simulation, type AggregationSnapshot, type Seed } from "@damon-sim/core";

const MIB = 2 ** 20;

export interface DemoOptions {
  seed?: Seed;
  /** Virtual seconds to simulate. */
  seconds?: number;
  /** Columns of the access bar. */
  width?: number;
  color?: boolean;
}

interface Row {
  timeUs: number;
  nrRegions: number;
  bar: string;
  hotFound: number;
}

export interface DemoResult {
  lines: string[];
  rows: Row[];
  wallMs: number;
  virtualUs: number;
}

const SHADES = " .:-=+*#%@";

/**
 * The built-in demo: a process with a hot 64 MiB area (every page touched every sample) next
 * to a cold 256 MiB one, monitored with the seed commit's attrs (5 ms, 100 ms, 1 s, 10, 1000).
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const seconds = options.seconds ?? 5;
  const width = options.width ?? 60;
  const sim = await Simulation.create({ seed: options.seed ?? 0 });
  const task = sim.machine.spawn("hotcold");
  const mm = task.mm!;
  const cold = mm.mmap(256 * MIB);
  const hot = mm.mmap(64 * MIB);
  sim.addActor({ advance: () => mm.space.touchRange(hot, hot + 64 * MIB) });
  const ctx = sim.createContext({ attrs: { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000, minNrRegions: 10, maxNrRegions: 1000 } });
  ctx.setTargets([task.pid]);

  // The bar covers both areas, low to high address (mmap places the later one lower).
  const lo = Math.min(cold, hot);
  const hi = Math.max(cold + 256 * MIB, hot + 64 * MIB);
  const rows: Row[] = [];
  const every = 5; // aggregations per printed row
  let n = 0;
  ctx.onSnapshot((s) => {
    if (++n % every === 0) rows.push(row(s, lo, hi, width, hot, hot + 64 * MIB));
  });
  const started = performance.now();
  sim.start();
  sim.runFor(seconds * 1e6);
  const wallMs = performance.now() - started;

  const hex = (v: number) => `0x${v.toString(16)}`;
  const lines = [
    `damon-sim demo: DAMON monitoring a simulated process (pid ${task.pid}, "${task.comm}")`,
    `  cold area ${hex(cold)}-${hex(cold + 256 * MIB)}  256 MiB, never touched`,
    `  hot area  ${hex(hot)}-${hex(hot + 64 * MIB)}   64 MiB, every page touched every sample`,
    `  attrs: sample 5 ms, aggregate 100 ms, update 1 s, 10..1000 regions, kdamond pid ${ctx.kdamond?.pid ?? "-"}`,
    "",
    `  time  regions  access frequency, ${hex(lo)} .. ${hex(hi)}${" ".repeat(Math.max(0, width - 44))}  hot MiB found`,
    ...rows.map(
      (r) =>
        `${(r.timeUs / 1e6).toFixed(1).padStart(5)} s ${String(r.nrRegions).padStart(7)}  |${colorBar(r.bar, options.color)}|  ${r.hotFound.toFixed(1).padStart(5)}`,
    ),
    "",
    `  shades: '${SHADES}' = 0 .. ${20} accesses per aggregation (20 samples)`,
    `  simulated ${seconds} s in ${wallMs.toFixed(0)} ms of wall time (${((seconds * 1e3) / wallMs).toFixed(0)}x real time)`,
  ];
  return { lines, rows, wallMs, virtualUs: seconds * 1e6 };
}

function row(s: AggregationSnapshot, lo: number, hi: number, width: number, hotStart: number, hotEnd: number): Row {
  const cells = new Array<number>(width).fill(0);
  const weight = new Array<number>(width).fill(0);
  const cell = (hi - lo) / width;
  let hotFound = 0;
  for (let i = 0; i < s.nrRegions; i++) {
    const [start, end, nr] = [s.start(i), s.end(i), s.nrAccesses(i)];
    if (nr >= 10) hotFound += Math.max(0, Math.min(end, hotEnd) - Math.max(start, hotStart));
    for (let c = 0; c < width; c++) {
      const overlap = Math.min(end, lo + (c + 1) * cell) - Math.max(start, lo + c * cell);
      if (overlap <= 0) continue;
      cells[c] += nr * overlap;
      weight[c] += overlap;
    }
  }
  const bar = cells
    .map((v, c) => (weight[c] ? SHADES[Math.min(SHADES.length - 1, Math.round(((v / weight[c]) * (SHADES.length - 1)) / 20))] : "?"))
    .join("");
  return { timeUs: s.endUs, nrRegions: s.nrRegions, bar, hotFound: hotFound / MIB };
}

function colorBar(bar: string, color = false): string {
  if (!color) return bar;
  return bar.replace(/[%#@*+]+/g, (m) => `\x1b[31m${m}\x1b[0m`);
}
