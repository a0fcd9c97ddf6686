// The terminal's machine: a simulated kernel with DAMON's debugfs and the dbgfs shell, in its
// own worker so that `sleep 60` never stalls the page or the recording session.
import { Shell, SimKernel, type CommandContext } from "@damon-sim/dbgfs";
import { BUILTIN_NAMES, ModelWorkload, resolveWorkload } from "@damon-sim/workload";
import type { WorkerScope } from "./protocol.js";
import type { FromShell, ToShell } from "./shell-protocol.js";

const scope = self as unknown as WorkerScope;
const post = (message: FromShell) => scope.postMessage(message);

// Catching up with the wall clock gives up after this much work (tiny intervals are slow).
const CATCH_UP_LIMIT_MS = 1000;

let shell: Shell | null = null;
let queue: Promise<void> = Promise.resolve();

scope.addEventListener("message", (event) => {
  const message = event.data as ToShell;
  queue = queue.then(() => handle(message)).catch((error: unknown) => {
    post({ type: "output", text: `internal error: ${error instanceof Error ? error.message : String(error)}\n`, stream: "stderr" });
    post({ type: "done", cwd: shell?.cwd ?? "/", status: 1 });
  });
});

async function handle(message: ToShell): Promise<void> {
  if (message.type === "start") {
    shell = await startShell(message.seed);
    post({ type: "ready", cwd: shell.cwd, version: shell.kernel.version });
    return;
  }
  if (!shell) return;
  const status = await shell.run(message.line, {
    stdout: (text) => post({ type: "output", text, stream: "stdout" }),
    stderr: (text) => post({ type: "output", text, stream: "stderr" }),
  });
  post({ type: "done", cwd: shell.cwd, status });
}

async function startShell(seed: number): Promise<Shell> {
  const kernel = await SimKernel.create({ seed });
  let last = performance.now();
  return new Shell(kernel, {
    // Virtual time follows the wall clock between commands, as in `damon-sim dbgfs`.
    beforeCommand: () => {
      const now = performance.now();
      kernel.sim.runFor(Math.round((now - last) * 1000), { onProgress: () => performance.now() - now > CATCH_UP_LIMIT_MS });
      last = performance.now();
    },
    commands: { spawn },
  });
}

/** `spawn [NAME]`: a built-in workload (looping) or, as in the dbgfs shell, an idle process. */
function spawn({ args, stdout, shell }: CommandContext): number {
  const name = args[0] ?? "sleep";
  const sim = shell.kernel.sim;
  const pid = (BUILTIN_NAMES as readonly string[]).includes(name)
    ? ModelWorkload.spawn(sim, resolveWorkload({ builtin: name, loop: true })).task.pid
    : sim.machine.spawn(name).pid;
  stdout.write(`${pid}\n`);
  return 0;
}
