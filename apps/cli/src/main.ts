import { constants } from "node:os";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { dbgfsCommand } from "./commands/dbgfs.js";
import { mountCommand } from "./commands/mount.js";
import { recordCommand } from "./commands/record.js";
import { runCommand } from "./commands/run.js";
import { sweepCommand, sweepWorker } from "./commands/sweep.js";
import {
  adjustCommand, reportHeatmapCommand, reportNrRegionsCommand, reportRawCommand, reportWssCommand,
} from "./commands/report.js";
import { demoCommand } from "./commands/demo.js";
import { perfCommand } from "./perf/index.js";
import { failureReport } from "./errors.js";

const VERSION = "0.1.0";

function integer(name: string, min = 0) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

function positive(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number`);
    return n;
  };
}

export function buildProgram(): Command {
  const program = new Command("damon-sim")
    .description("DAMON, the Linux kernel's Data Access MONitor, over simulated processes")
    .version(VERSION, "-V, --version")
    .option("--debug", "print stack traces of failures (as DAMON_SIM_DEBUG=1 does)")
    .exitOverride();

  program
    .command("demo")
    .description("record a built-in workload with the seed commit's attrs, then show its heatmap and working set")
    .option("--seed <n>", "seed of every random choice", integer("--seed"), 0)
    .option("-w, --workload <name>", "built-in workload", "stairs")
    .action(async (options: { seed: number; workload: string }) => demoCommand({ ...options, color: useColor() }));

  program
    .command("dbgfs")
    .description("a shell on a simulated machine with DAMON's debugfs at /sys/kernel/debug/damon")
    .option("--kernel <version>", "kernel whose debugfs to present", "6.8")
    .option("--script <file>", "run the commands in FILE instead of a prompt")
    .option("--seed <n>", "seed of every random choice", integer("--seed"), 0)
    .option("--speed <x>", "interactive: virtual seconds per wall-clock second", positive("--speed"), 1)
    .action(async (options) => {
      process.exitCode = await dbgfsCommand(options);
    });

  program
    .command("mount")
    .description("serve the simulated debugfs (damon/, tracing/, damon-sim/) at DIR through FUSE (Linux, root)")
    .argument("<dir>", "mount point (an existing directory)")
    .option("--kernel <version>", "kernel whose debugfs to present", "6.8")
    .option("--spawn <workload>", "start a process before mounting: a built-in workload (looping) or an idle process of that name (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--speed <x>", "virtual seconds per wall-clock second", positive("--speed"), 1)
    .option("--seed <n>", "seed of every random choice", integer("--seed"), 0)
    .option("--fuse-debug", "log every FUSE request to stderr")
    .action(async (dir: string, options) => {
      process.exitCode = await mountCommand(dir, { ...options, debug: options.fuseDebug });
    });

  program
    .command("run")
    .description("run COMMAND (e.g. damo) against a simulated machine: DAMON's debugfs, sysfs and /proc mounted in private namespaces (Linux, root)")
    .argument("<command...>", "the command and its arguments, after '--'")
    .option("--kernel <version>", "kernel whose DAMON interfaces to present: debugfs (seed ... 6.9), sysfs (5.18 ... 6.9)", "6.8")
    .option("--spawn <workload>", "start a built-in workload as a process first (repeatable); pids in $DAMON_SIM_PIDS", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--once", "workloads exit after their last phase (as masim does) instead of starting over")
    .option("--speed <x>", "virtual seconds per wall-clock second", positive("--speed"), 1)
    .option("--seed <n>", "seed of every random choice", integer("--seed"), 0)
    .addHelpText(
      "after",
      `
COMMAND sees: $DAMON_SIM_PIDS (the workloads' pids, which ps and /proc show too),
$DAMON_SIM_KERNEL, and a PATH whose uname -r is the simulated kernel's, whose perf is
damon-sim's, and whose 'masim CONFIG' (a masim config or a built-in) runs as a simulated
process, so that damo record "masim stairs" works. A workload's process ends when it
exits (--once), and 'kill PID' ends it. Example:
  damon-sim run --spawn stairs -- sh -c 'python3 damo.py start $DAMON_SIM_PIDS && python3 damo.py status'`,
    )
    .action(async (command: string[], options) => {
      process.exitCode = await runCommand(command, options);
    });

  program
    .command("record")
    .description("run a workload under DAMON and write a damo record")
    .argument("<workload>", "a built-in (stairs, zigzag, hotcold, random, seqscan, zipf, phases), a masim config, or a lackey/binary trace")
    .option("-s, --sample <us>", "sampling interval", integer("--sample"))
    .option("-a, --aggr <us>", "aggregation interval", integer("--aggr"))
    .option("-u, --updr <us>", "regions update interval", integer("--updr"))
    .option("-n, --minr <n>", "minimum number of regions", integer("--minr"))
    .option("-m, --maxr <n>", "maximum number of regions", integer("--maxr"))
    .option("--attrs <five>", 'all five as debugfs writes them, e.g. "5000 100000 1000000 10 1000"')
    .option("-d, --duration <s>", "virtual seconds to record (default: until the workload ends)", positive("--duration"))
    .option("--seed <n>", "seed of every random choice", integer("--seed"), 0)
    .addOption(new Option("--ops <kind>", "address space to monitor").choices(["vaddr", "paddr"]).default("vaddr"))
    .addOption(new Option("--engine <kind>", "access engine (default fast for models, exact for traces)").choices(["exact", "fast"]))
    .option("-o, --out <file>", "record file", "damon.data")
    .addOption(new Option("--output_type <format>", "record format").choices(["json_compressed", "json", "perf_script", "binary_v2"]).default("json_compressed"))
    .option("--accuracy", "measure DAMON against the ground truth")
    .option("--ips <n>", "lackey traces: instructions per second (default 1e9)", positive("--ips"))
    .action(async (workload: string, options) => recordCommand(workload, options));

  program
    .command("sweep")
    .description("run a grid of workloads x attrs x seeds on all cores; JSON Lines in grid order")
    .requiredOption("-w, --workload <name>", "workload (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--attrs <five>", 'attrs as debugfs writes them (repeatable; default "5000 100000 1000000 10 1000")', (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--seed <list>", "seeds: numbers and ranges, e.g. 0-4,9", "0")
    .option("-d, --duration <s>", "virtual seconds per run", positive("--duration"), 10)
    .option("--shard <i/n>", "run only shard I of N (for splitting over machines)")
    .option("-j, --jobs <n>", "worker threads (default: one per core)", integer("--jobs", 1))
    .option("--accuracy", "include accuracy against the ground truth")
    .option("-o, --out <file>", "write the lines to FILE (completely or not at all) instead of stdout")
    .action(async (options) => sweepCommand(options));

  // Listed for --help; main() hands `perf ...` to the shim before commander sees perf's options.
  program
    .command("perf")
    .description("a perf(1) shim for damo: record and script the simulated DAMON tracepoints (see 'damon-sim perf --help')")
    .helpOption(false)
    .allowUnknownOption()
    .argument("[args...]")
    .action(async (args: string[]) => {
      process.exitCode = await perfCommand(args);
    });

  const report = program.command("report").description("reports on a record, in damo v3's formats");
  const input = () => new Option("-i, --input <file>", "record file").default("damon.data");
  const write = (text: string) => void process.stdout.write(text);
  report
    .command("raw")
    .description("every snapshot, region by region (damo report access --raw_form)")
    .addOption(input())
    .option("--raw_number", "plain numbers instead of human-readable sizes and times")
    .action(async (options) => write(await reportRawCommand(options)));
  report
    .command("wss")
    .description("working set size distribution")
    .addOption(input())
    .option("-r, --range <n...>", "percentiles: START STOP STEP (default 0 101 25)")
    .option("--raw_number", "plain numbers")
    .option("--acc_thres <n>", "minimum nr_accesses of a working-set region", integer("--acc_thres"), 1)
    .option("--sz_thres <n>", "minimum size of a working-set region", integer("--sz_thres"), 1)
    .option("--exclude_samples <n>", "skip the first N snapshots", integer("--exclude_samples"), 20)
    .option("--work_time <us>", "re-aggregate snapshots to this interval first", integer("--work_time", 1), 1)
    .addOption(new Option("--sortby <key>", "sort by size (distribution) or time").choices(["size", "time"]).default("size"))
    .option("--per_target", "one table per target instead of their sum")
    .option("--all_wss", "every working set size instead of percentiles")
    .action(async (options) => write(await reportWssCommand(options)));
  report
    .command("nr_regions")
    .description("number-of-regions distribution")
    .addOption(input())
    .option("-r, --range <n...>", "percentiles: START STOP STEP")
    .addOption(new Option("--sortby <key>", "size or time").choices(["size", "time"]).default("size"))
    .action(async (options) => write(await reportNrRegionsCommand(options)));
  report
    .command("heatmap")
    .description("access heatmap over time and address (coloured text, raw numbers, PNG or SVG)")
    .addOption(input())
    .option("--output <dest>", "stdout, raw, or FILE.png / FILE.svg", "stdout")
    .option("--resol <n...>", "TIME_ROWS ADDR_COLS (default 40 80 for stdout, 500 500 for images)")
    .option("--time_range <s...>", "START END in seconds from the record's start")
    .option("--address_range <addr...>", "START END addresses")
    .option("--abs_time", "raw output: absolute times")
    .option("--abs_addr", "raw output: absolute addresses")
    .option("--guide", "print the time span and contiguous address ranges instead")
    .addOption(new Option("--draw_range <which>", "hottest contiguous range or all").choices(["hottest", "all"]).default("hottest"))
    .addOption(new Option("--stdout_colorset <set>", "colours of stdout output").choices(["gray", "flame", "emotion"]).default("gray"))
    .action(async (options) => write(await reportHeatmapCommand({ ...options, color: useColor() })));

  program
    .command("adjust")
    .description("re-aggregate a record to a longer aggregation interval")
    .addOption(input())
    .option("-o, --output <file>", "adjusted record", "damon.adjusted.data")
    .requiredOption("--aggregate_interval <us>", "new aggregation interval in microseconds", integer("--aggregate_interval", 1))
    .option("--skip <n>", "snapshots to drop first", integer("--skip"), 0)
    .addOption(new Option("--output_type <format>", "record format").choices(["json_compressed", "json", "perf_script", "binary_v2"]).default("json_compressed"))
    .action(async (options) => adjustCommand(options));

  // One line for every usage error commander finds, with the hint of the command it was in.
  const each = (command: Command): void => {
    command.configureOutput({
      outputError: (text, write) => write(`damon-sim: ${text.replace(/^error: /, "").trim()} (see '${commandPath(command)} --help')\n`),
    });
    command.commands.forEach(each);
  };
  each(program);
  program.hook("preAction", (_, action) => void (running = action));
  return program;
}

/** The command whose action is running: the one whose --help a usage error points to. */
let running: Command | undefined;

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  if (argv[0] === "perf") {
    running = program.commands.find((c) => c.name() === "perf");
    try {
      process.exitCode = await perfCommand(argv.slice(1));
    } catch (error) {
      fail(error);
    }
    return;
  }
  if (argv.length === 0) {
    process.stdout.write(program.helpInformation());
    process.exitCode = 2;
    return;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0 after printing; everything else is a usage error
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    fail(error);
  }
}

/** Every failure ends here: one line, never a stack unless asked for, exit 2 or 1. */
function fail(error: unknown): void {
  const debug = process.env.DAMON_SIM_DEBUG === "1" || process.argv.includes("--debug");
  const { text, status } = failureReport(error, running ? commandPath(running) : "damon-sim", debug);
  process.stderr.write(text);
  process.exitCode = status;
}

// A signal nobody else handles (record and mount do) ends the program the usual way, but
// through "exit", so that no temporary output file is left behind.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (process.listenerCount(signal) === 1) process.exit(128 + constants.signals[signal]);
  });
}

// What escapes a command (a stream's late error, a stray rejection) is a failure too.
process.on("uncaughtException", (error) => {
  fail(error);
  process.exit();
});
process.on("unhandledRejection", (error) => {
  fail(error);
  process.exit();
});

// A closed pipe (`damon-sim report raw | head`) ends the program quietly, as Unix tools do.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

if (!sweepWorker()) await main(process.argv.slice(2));
