import { parseArgs } from "node:util";
import { runDemo } from "./demo.js";

const VERSION = "0.1.0";
const HELP = `Usage: damon-sim <command> [options]

Commands:
  demo            monitor a built-in hot/cold process and print the regions over time

Options:
  --seed N        seed of every random choice (default 0)
  --seconds S     virtual seconds to simulate (default 5)
  -h, --help      show this help
  -V, --version   print the version
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
        seed: { type: "string" },
        seconds: { type: "string" },
        debug: { type: "boolean" },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command !== "demo") throw new UsageError(`unknown command '${command}' (see damon-sim --help)`);
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const seconds = values.seconds === undefined ? 5 : Number(values.seconds);
  if (!(seconds > 0 && seconds <= 3600)) throw new UsageError(`--seconds must be in (0, 3600], got '${values.seconds}'`);
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got '${values.seed}'`);
  const color = process.stdout.isTTY && !process.env.NO_COLOR;
  const result = await runDemo({ seed, seconds, color });
  process.stdout.write(result.lines.join("\n") + "\n");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const usage = error instanceof UsageError;
    process.stderr.write(`damon-sim: ${(error as Error).message}\n`);
    if (!usage && process.argv.includes("--debug")) process.stderr.write(`${(error as Error).stack}\n`);
    process.exitCode = usage ? 2 : 1;
  },
);
