// The shim's record file and `perf script` lines: damo's real perf script sample (a 5.15-era
// perf) comes back byte for byte from the trace_pipe lines that produced it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readAllSnapshots } from "@damon-sim/record";
import { describe, expect, it } from "vitest";
import { DEFAULT_SCRIPT_FIELDS, parseFields } from "./args.js";
import { dataHeader, MAGIC, parsePerfData, PerfDataError } from "./data-file.js";
import { scriptLines } from "./script.js";
import { parseTraceLine } from "./trace-line.js";
import { perfVersionLine, pidWidth } from "./version.js";

const fixture = fileURLToPath(new URL("../../../../../shared/fixtures/damo/perf.data.script", import.meta.url));

/** A perf script line back to the trace_pipe line ftrace printed for it. */
function toTracePipe(line: string): string {
  const m = /^\s*(\S+)\s+(\d+)\s+\[(\d+)\]\s+(\S+): damon:(\w+): (.*)$/.exec(line)!;
  return `${m[1].padStart(16)}-${m[2].padEnd(7)} [${m[3]}] ..... ${m[4].padStart(12)}: ${m[5]}: ${m[6]}`;
}

const script = (text: string, options: Partial<{ fields: ReturnType<typeof parseFields>; nanoseconds: boolean; pidWidth: number }> = {}) =>
  [...scriptLines(parsePerfData(text), { fields: DEFAULT_SCRIPT_FIELDS, nanoseconds: false, pidWidth: 7, ...options })].join("");

describe("perf script's line format", () => {
  it("reproduces damo's real perf script sample from its trace_pipe lines (perf < 6.5: %5d pids)", () => {
    const expected = readFileSync(fixture, "utf8");
    const lines = expected.trimEnd().split("\n");
    const data = dataHeader(["damon:damon_aggregated"]) + lines.map((l) => `${toTracePipe(l)}\n`).join("");
    expect(lines).toHaveLength(10260);
    expect(script(data, { pidWidth: 5 })).toBe(expected);
  });

  it("perf 6.5+ prints %7d pids; the event name is right-aligned to the longest recorded event", () => {
    const data = `${dataHeader(["damon:damon_aggregated", "damon:damon_monitor_intervals_tune"])}       kdamond.0-370     [001] .....    12.345678: damon_aggregated: target_id=0 nr_regions=1 4096-8192: 3 7\n`;
    expect(script(data)).toBe(
      "       kdamond.0     370 [001]    12.345678:             damon:damon_aggregated: target_id=0 nr_regions=1 4096-8192: 3 7\n",
    );
    expect(script(data, { fields: parseFields("comm,pid,tid,time"), nanoseconds: true })).toBe("       kdamond.0     370/370        12.345678000: \n");
    expect(script(data, { fields: parseFields("-comm,-cpu,-event") })).toBe("    370    12.345678: target_id=0 nr_regions=1 4096-8192: 3 7\n");
  });

  it("the version follows the simulated kernel, and with it the pid width", () => {
    expect(perfVersionLine("6.8")).toBe("perf version 6.8.0-damon-sim");
    expect([pidWidth("5.15"), pidWidth("6.1"), pidWidth("6.5"), pidWidth("6.8"), pidWidth("seed")]).toEqual([5, 5, 7, 7, 5]);
  });

  it("packages/record's perf-script reader reads the shim's output into the snapshots of the events", async () => {
    const pipe = [
      "       kdamond.0-370     [000] .....     1.100000: damon_aggregated: target_id=0 nr_regions=2 4096-8192: 1 0",
      "       kdamond.0-370     [000] .....     1.100000: damon_aggregated: target_id=0 nr_regions=2 8192-16384: 5 2",
      "       kdamond.0-370     [000] .....     1.200000: damon_aggregated: target_id=0 nr_regions=1 4096-16384: 3 1",
    ];
    const text = script(dataHeader(["damon:damon_aggregated"]) + pipe.map((l) => `${l}\n`).join(""));
    const { format, snapshots } = await readAllSnapshots(new TextEncoder().encode(text));
    expect(format).toBe("perf_script");
    expect(snapshots.map((s) => [s.endNs, s.targets.map((t) => [t.id, t.regions.map((r) => [r.start, r.end, r.nrAccesses, r.age])])])).toEqual([
      [1_100_000_000, [[0, [[4096, 8192, 1, 0], [8192, 16384, 5, 2]]]]],
      [1_200_000_000, [[0, [[4096, 16384, 3, 1]]]]],
    ]);
  });
});

describe("trace_pipe lines", () => {
  it("comm may hold '-' and spaces; the irq flags and the tgid column are optional", () => {
    expect(parseTraceLine("  kworker/u8:1-x-42    [003] d..1. 100.000001: damon_aggregated: a b")).toEqual({
      comm: "kworker/u8:1-x", pid: 42, cpu: 3, secs: "100", frac: "000001", name: "damon_aggregated", fields: "a b",
    });
    expect(parseTraceLine("my comm-7 [000] 5.5: ev: x")).toMatchObject({ comm: "my comm", pid: 7, secs: "5", frac: "5", name: "ev" });
    expect(parseTraceLine("  a-7   (    7) [000] .... 5.000001: ev: ")).toMatchObject({ comm: "a", name: "ev", fields: "" });
    expect(parseTraceLine("CPU:0 [LOST 12 EVENTS]")).toBeNull();
    expect(parseTraceLine("")).toBeNull();
  });
});

describe("the record file", () => {
  const event = "       kdamond.0-370     [000] .....     1.100000: damon_aggregated: target_id=0 nr_regions=1 4096-8192: 1 0\n";

  it("starts with a magic line holding a NUL, so file(1) and damo treat it as binary perf data", () => {
    expect(MAGIC).toBe("damon-sim perf.data 1\0\n");
    expect(parsePerfData(dataHeader(["damon:damon_aggregated"]) + event)).toMatchObject({ events: ["damon:damon_aggregated"], samples: [{ pid: 370 }] });
    expect(parsePerfData(dataHeader(["cycles:P"]))).toEqual({ events: ["cycles:P"], samples: [] });
  });

  it.each([
    ["", /no magic line/],
    ["PERFILE2\0\0\0", /a real perf.data file/],
    [MAGIC, /no '# events:' header/],
    [dataHeader(["damon:damon_aggregated"]) + event.trimEnd(), /truncated/],
    [dataHeader(["damon:damon_aggregated"]) + "garbage\n", /line 3: not a trace event/],
  ])("%j is not a record", (text, message) => {
    expect(() => parsePerfData(text)).toThrow(PerfDataError);
    expect(() => parsePerfData(text)).toThrow(message);
  });

  it("perf script refuses an event the header does not list", () => {
    expect(() => script(dataHeader(["damon:other"]) + event)).toThrow(/damon_aggregated event, which the '# events:' header does not list/);
  });
});
