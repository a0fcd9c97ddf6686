import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { KERNEL_VERSIONS, Shell, SimKernel, type KernelVersion } from "@damon-sim/dbgfs";
import { RunError, UsageError } from "../errors.js";
import { describe } from "../io.js";

export interface DbgfsOptions {
  kernel: string;
  script?: string;
  seed: number;
  speed: number;
}

export function parseKernel(value: string): KernelVersion {
  if (!(KERNEL_VERSIONS as readonly string[]).includes(value)) {
    throw new UsageError(`--kernel must be one of ${KERNEL_VERSIONS.join(", ")}; got '${value}'`);
  }
  return value as KernelVersion;
}

/**
 * `damon-sim dbgfs`: the simulated machine's shell. With --script or piped stdin it runs the
 * commands deterministically (only `sleep` moves time); interactively, virtual time follows
 * the wall clock times --speed between commands.
 */
export async function dbgfsCommand(options: DbgfsOptions): Promise<number> {
  const version = parseKernel(options.kernel);
  const kernel = await SimKernel.create({ seed: options.seed, version });
  const io = { stdout: (t: string) => void process.stdout.write(t), stderr: (t: string) => void process.stderr.write(t) };
  if (options.script !== undefined) {
    const script = options.script;
    const source = await readFile(script, "utf8").catch((error: unknown) => {
      throw new RunError(script, `cannot read: ${describe(error)}`);
    });
    return new Shell(kernel).run(source, io, options.script);
  }
  if (!process.stdin.isTTY) {
    let source = "";
    for await (const chunk of process.stdin) source += chunk;
    return new Shell(kernel).run(source, io, "bash");
  }
  let last = performance.now();
  const shell = new Shell(kernel, {
    beforeCommand: () => {
      // Catch up with the wall clock, giving up after a second of work (tiny intervals).
      const now = performance.now();
      kernel.sim.runFor(Math.round((now - last) * 1000 * options.speed), { onProgress: () => performance.now() - now > 1000 });
      last = performance.now();
    },
  });
  process.stdout.write(
    `damon-sim dbgfs: a simulated Linux ${version} machine; DAMON is at /sys/kernel/debug/damon.\n` +
      `Virtual time runs at ${options.speed}x the wall clock. 'help' lists commands, Ctrl-D exits.\n`,
  );
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `root@damon-sim:${shell.cwd}# `, historySize: 1000 });
  rl.prompt();
  for await (const line of rl) {
    await shell.run(line, io);
    if (shell.exitRequested !== null) break;
    rl.setPrompt(`root@damon-sim:${shell.cwd}# `);
    rl.prompt();
  }
  rl.close();
  return shell.exitRequested ?? shell.status;
}
