import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { dbgfsCommand } from "./commands/dbgfs.js";
import { mountCommand } from "./commands/mount.js";
import { runDemo } from "./commands/demo.js";
import { UsageError } from "./errors.js";

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
    .option("--debug", "print stack traces of failures")
    .exitOverride()
    .configureOutput({
      // One line, "damon-sim: <what>", for every usage error.
      outputError: (text, write) => write(`damon-sim: ${text.replace(/^error: /, "").trim()} (see --help)\n`),
    });

  program
    .command("demo")
    .description("monitor a built-in hot/cold process and print the regions over time")
    .option("--seed <n>", "seed of every random choice", integer("--seed"), 0)
    .option("--seconds <s>", "virtual seconds to simulate", positive("--seconds"), 5)
    .action(async (options: { seed: number; seconds: number }) => {
      if (options.seconds > 3600) throw new UsageError("--seconds must be at most 3600");
      const result = await runDemo({ seed: options.seed, seconds: options.seconds, color: useColor() });
      process.stdout.write(`${result.lines.join("\n")}\n`);
    });

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
    .option("--spawn <workload>", "start a process before mounting (repeatable)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--speed <x>", "virtual seconds per wall-clock second", positive("--speed"), 1)
    .option("--seed <n>", "seed of every random choice", integer("--seed"), 0)
    .option("--fuse-debug", "log every FUSE request to stderr")
    .action(async (dir: string, options) => {
      process.exitCode = await mountCommand(dir, { ...options, debug: options.fuseDebug });
    });

  return program;
}

export function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
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
    const usage = error instanceof UsageError;
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`damon-sim: ${message}\n`);
    if (!usage && argv.includes("--debug") && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = usage ? 2 : 1;
  }
}

await main(process.argv.slice(2));
