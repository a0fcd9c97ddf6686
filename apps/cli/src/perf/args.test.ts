import { describe, expect, it } from "vitest";
import { UsageError } from "../errors.js";
import { DEFAULT_SCRIPT_FIELDS, parseFields, parsePerfArgs } from "./args.js";

describe("perf's command line", () => {
  it("--version, -v and version", () => {
    for (const argv of [["--version"], ["-v"], ["version"]]) expect(parsePerfArgs(argv)).toEqual({ kind: "version" });
  });

  it("record: damo's invocation, and perf's other spellings of the same options", () => {
    const damo = parsePerfArgs(["record", "-a", "-o", "damon.data", "-e", "damon:damon_aggregated", "-e", "damon:damon_monitor_intervals_tune"]);
    expect(damo).toEqual({
      kind: "record",
      events: ["damon:damon_aggregated", "damon:damon_monitor_intervals_tune"],
      output: "damon.data",
      quiet: false,
      command: [],
    });
    expect(parsePerfArgs(["record", "--output=x", "--event", "a:b,c:d", "-aq"])).toMatchObject({ output: "x", events: ["a:b", "c:d"], quiet: true });
    expect(parsePerfArgs(["record", "-ox", "-ea:b", "--all-cpus", "--quiet"])).toMatchObject({ output: "x", events: ["a:b"], quiet: true });
    expect(parsePerfArgs(["record", "-aoy"])).toMatchObject({ output: "y" });
    // repeated events count once; the default output is perf.data
    expect(parsePerfArgs(["record", "-e", "a:b", "-e", "a:b"])).toMatchObject({ events: ["a:b"], output: "perf.data" });
  });

  it("record stops at the first non-option: the command to run, with its own options", () => {
    expect(parsePerfArgs(["record", "-e", "a:b", "sleep", "-x", "1"])).toMatchObject({ command: ["sleep", "-x", "1"] });
    expect(parsePerfArgs(["record", "-e", "a:b", "--", "-weird"])).toMatchObject({ command: ["-weird"] });
  });

  it("script: damo's --force -i FILE, fields and --ns", () => {
    expect(parsePerfArgs(["script", "--force", "-i", "damon.data"])).toEqual({
      kind: "script",
      input: "damon.data",
      force: true,
      fields: DEFAULT_SCRIPT_FIELDS,
      nanoseconds: false,
    });
    expect(parsePerfArgs(["script", "-fi", "x", "--ns", "-F", "comm,time"])).toMatchObject({ input: "x", force: true, nanoseconds: true });
    expect(parsePerfArgs(["script"])).toMatchObject({ input: "perf.data", force: false });
  });

  it("trace: damo report trace's live invocation", () => {
    expect(parsePerfArgs(["trace", "--libtraceevent_print", "-e", "damon:damon_aggregated", "-e", "damon:damos_before_apply"])).toEqual({
      kind: "trace",
      events: ["damon:damon_aggregated", "damon:damos_before_apply"],
      command: [],
    });
    expect(parsePerfArgs(["trace", "-e", "a:b", "sleep", "1"])).toMatchObject({ command: ["sleep", "1"] });
  });

  it("-F: a list replaces the defaults, +/- change them, a tracepoint type prefix is fine", () => {
    expect([...parseFields("time,comm")].sort()).toEqual(["comm", "time"]);
    expect([...parseFields("+pid")].sort()).toEqual(["comm", "cpu", "event", "pid", "tid", "time", "trace"]);
    expect([...parseFields("-cpu,-comm")].sort()).toEqual(["event", "tid", "time", "trace"]);
    expect([...parseFields("tracepoint:trace")]).toEqual(["trace"]);
  });

  it.each([
    [[], /perf needs a command/],
    [["report"], /perf report is not simulated/],
    [["stat", "-a"], /perf stat is not simulated/],
    [["--debug"], /unsupported option '--debug'/],
    [["record", "-g"], /perf record: unsupported option '-g' \(the shim supports -e, -a, -o, -q\)/],
    [["record", "-ag"], /unsupported option '-g'/],
    [["record", "--call-graph=dwarf"], /unsupported option '--call-graph=dwarf'/],
    [["record", "-o"], /option '-o' requires a value/],
    [["record", "--output"], /option '--output' requires a value/],
    [["record", "-o", "-"], /pipe mode/],
    [["record", "-e", "a:b,"], /empty event/],
    [["record", "--quiet=1"], /takes no value/],
    [["script", "-i"], /requires a value/],
    [["script", "myscript.py"], /scripts are not simulated/],
    [["script", "-F", "ip,sym"], /field 'ip' is not simulated/],
    [["script", "-F", "+pid,cpu"], /cannot mix/],
    [["script", "-F", "sw:comm"], /only tracepoint fields/],
    [["script", "-F", "comm,,time"], /empty field/],
    [["--version", "x"], /takes no arguments/],
    [["trace", "-s"], /perf trace: unsupported option '-s'/],
  ])("%j is a usage error", (argv, message) => {
    expect(() => parsePerfArgs(argv)).toThrow(UsageError);
    expect(() => parsePerfArgs(argv)).toThrow(message);
  });
});
