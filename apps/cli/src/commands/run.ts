/**
 * `damon-sim run [--kernel V] [--seed N] [--speed X] [--spawn W ...] -- COMMAND...`: a
 * simulated machine that real tools (damo, cat, ps) drive. The command re-executes itself
 * in `unshare --mount --pid --fork --propagation private --mount-proc`, so every mount
 * lives in a private mount namespace and dies with it, and every process of COMMAND in a
 * fresh pid namespace, where pids can be chosen. There (as pid 1) it:
 *
 * 1. starts the simulated kernel and the --spawn workloads (built-ins, looping forever, or
 *    with --once exiting after their last phase);
 * 2. starts one real placeholder process per workload with the SAME pid as the simulated
 *    task (via /proc/sys/kernel/ns_last_pid), named like it, so `ps`, `pidof` and
 *    `damo start PID` see a live process; it ends when the simulated process exits, and
 *    `kill PID` ends the simulated process. Running kdamonds get one too;
 * 3. serves the simulated files with one FUSE mount in a temporary directory and
 *    bind-mounts its parts over the real paths (lxcfs-style):
 *      debug/         over debugfs's mount point (a real debugfs is mounted first when none
 *                     is, so /proc/mounts names it with type debugfs, as damo looks it up);
 *      debug/tracing/ over tracefs's mount point (mounted the same way when missing);
 *      mm/damon/      over <sysfs>/kernel/mm/damon (the sysfs interface; an empty directory
 *                     for kernels without it, so the host's real DAMON is never reached);
 *      proc/PID/{maps,stat,statm,status,comm,cmdline} over /proc/PID/..., proc/meminfo and
 *                     proc/iomem over theirs;
 * 4. runs COMMAND with stdio inherited, virtual time following the wall clock times
 *    --speed, and exits with COMMAND's status after unmounting everything.
 *
 * Contract with COMMAND (environment):
 *   DAMON_SIM_PIDS    the --spawn workloads' pids, in order, separated by spaces
 *   DAMON_SIM_KERNEL  the simulated kernel version (e.g. 6.8); `uname -r` prints
 *                     "<version>.0-damon-sim" ("5.15.0-rc1-damon-sim" for the seed)
 *   DAMON_SIM_NODE, DAMON_SIM_CLI  node and the CLI bundle: `"$DAMON_SIM_NODE" "$DAMON_SIM_CLI"`
 *                     is `damon-sim`
 *   PATH              starts with the shim directory ($DAMON_SIM_SHIMS, a temporary
 *                     directory) holding:
 *                       uname  `uname -r` answers the simulated release; else the real uname
 *                       perf   `exec "$DAMON_SIM_NODE" "$DAMON_SIM_CLI" perf "$@"`, i.e. it
 *                              must behave as `damon-sim perf "$@"` (apps/cli/src/perf)
 *                       masim  `masim CONFIG|BUILTIN`: its own process becomes a simulated
 *                              one running that workload (see controlDir), until it ends
 *   DAMON_SIM_CONTROL the control directory the masim shim writes to (adopt)
 * The simulated tracing directory is at /sys/kernel/debug/tracing (and at tracefs's mount
 * point, normally /sys/kernel/tracing): `damon-sim perf` reads the damon tracepoints there.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { Errno as FuseErrno, checkFuse, mount, type FuseMount } from "@damon-sim/fuse";
import type { Machine, Task } from "@damon-sim/core";
import { DirNode, FileNode, KERNEL_VERSIONS, SimKernel, type KernelVersion, type Node } from "@damon-sim/dbgfs";
import { attachSysfs, SYSFS_VERSIONS, type DamonSysfs, sysfsBehaviour, type SysfsVersion } from "@damon-sim/sysfs";
import { BUILTIN_NAMES, builtinWorkload, loadMasimConfig, type WorkloadModel } from "@damon-sim/workload";
import { RunError, UsageError } from "../errors.js";
import { readMounts } from "../proc-mounts.js";
import { fuseHandler, spawnBuiltin, spawnModel } from "./mount.js";

export interface RunOptions {
  kernel: string;
  spawn: string[];
  speed: number;
  seed: number;
  /** Workloads exit after their last phase instead of starting over. */
  once?: boolean;
}

const INSIDE = "DAMON_SIM_RUN_NAMESPACE";
const READY_FD = "DAMON_SIM_RUN_READY_FD";
/** The files of /proc/PID that the simulation serves instead of the placeholder's own. */
const PID_FILES = ["maps", "stat", "statm", "status", "comm", "cmdline"];

/** Every kernel with a DAMON interface: debugfs (seed ... 6.9), sysfs (5.18 ... 6.9), or both. */
export const RUN_KERNELS: readonly string[] = [...new Set<string>([...KERNEL_VERSIONS, ...SYSFS_VERSIONS])].sort(byVersion);

function byVersion(a: string, b: string): number {
  const key = (v: string) => (v === "seed" ? [0] : v.split(".").map(Number));
  const [x, y] = [key(a), key(b)];
  return x[0] - y[0] || (x[1] ?? 0) - (y[1] ?? 0);
}

interface Interfaces {
  /**
   * The debugfs files' version: every kernel here still had them (they were removed after
   * 6.9); a release between two dbgfs presets behaves as the preset its algorithm shares.
   */
  debugfs: KernelVersion;
  sysfs?: SysfsVersion;
}

function parseRunKernel(value: string): Interfaces {
  if (!RUN_KERNELS.includes(value)) throw new UsageError(`--kernel must be one of ${RUN_KERNELS.join(", ")}; got '${value}'`);
  const sysfs = (SYSFS_VERSIONS as readonly string[]).includes(value) ? (value as SysfsVersion) : undefined;
  const debugfs = (KERNEL_VERSIONS as readonly string[]).includes(value) ? (value as KernelVersion) : sysfsBehaviour(sysfs!).coreVersion;
  return { debugfs, sysfs };
}

export async function runCommand(command: string[], options: RunOptions): Promise<number> {
  parseRunKernel(options.kernel);
  for (const spec of options.spawn) workloadName(spec);
  if (command.length === 0) throw new UsageError("run needs a command after '--'");
  if (process.env[INSIDE] === "1") return inside(command, options);
  return outside();
}

function workloadName(spec: string): string {
  if (!(BUILTIN_NAMES as readonly string[]).includes(spec)) {
    throw new UsageError(`--spawn must name a built-in workload (${BUILTIN_NAMES.join(", ")}); got '${spec}'`);
  }
  return spec;
}

// ---- outside: enter the namespaces, then wait --------------------------------------------

function outside(): Promise<number> {
  const check = checkFuse();
  if (!check.ok) throw new RunError("run", `cannot serve the simulated machine: ${check.reason}`);
  // --kill-child: should unshare die, its child (and so the namespaces) dies with it.
  const args = ["--mount", "--pid", "--fork", "--kill-child", "--propagation", "private", "--mount-proc", "--", process.execPath, ...process.execArgv, process.argv[1], ...process.argv.slice(2)];
  // fd 3: the inner half writes a line there once it handles SIGTERM itself.
  const env = { ...process.env, [INSIDE]: "1", [READY_FD]: "3" };
  const child = spawn("unshare", args, { stdio: ["inherit", "inherit", "inherit", "pipe"], env });
  // unshare --fork ignores SIGTERM itself: pass it to its child, our other half, once that is
  // ready for it (as the init of a pid namespace it would drop it before). SIGINT (Ctrl-C)
  // reaches every process of the terminal's group anyway: just outlive it.
  let ready = false;
  let pending: NodeJS.Signals | undefined;
  const readyPipe = child.stdio[3] as NodeJS.ReadableStream;
  readyPipe.on("data", () => {
    ready = true;
    if (pending) signalInner(child, pending);
  });
  readyPipe.on("error", () => {});
  const ignore = () => {};
  const forward = (signal: NodeJS.Signals) => {
    if (ready) return signalInner(child, signal);
    pending = signal;
    // Should the inner half never get ready, end it all (--kill-child takes the namespace down).
    setTimeout(() => void (ready || child.kill("SIGKILL")), 10_000).unref();
  };
  process.on("SIGINT", ignore);
  process.on("SIGTERM", forward);
  return new Promise((resolve, reject) => {
    child.on("error", (error) => reject(new RunError("run", `cannot run unshare (util-linux): ${error.message}`, { cause: error })));
    child.on("close", (code, signal) => {
      process.off("SIGINT", ignore);
      process.off("SIGTERM", forward);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 1));
    });
  });
}

function signalInner(unshare: ChildProcess, signal: NodeJS.Signals): void {
  const [inner] = childPids(unshare.pid!);
  if (inner) process.kill(inner, signal);
}

/**
 * The children of `pid`: /proc/PID/task/PID/children where the kernel has it
 * (CONFIG_PROC_CHILDREN), else every /proc/N/stat whose ppid (the 4th field) is `pid`.
 */
export function childPids(pid: number, proc = "/proc"): number[] {
  try {
    return readFileSync(`${proc}/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // no such file: scan
  }
  const children: number[] = [];
  for (const name of readDirQuietly(proc)) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readText(`${proc}/${name}/stat`);
    // after the comm's closing parenthesis (a comm may hold any character): state, ppid
    const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
    if (Number(ppid) === pid) children.push(Number(name));
  }
  return children.sort((a, b) => a - b);
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

// ---- inside: pid 1 of a fresh pid namespace, in a private mount namespace ----------------

const NS_LAST_PID = "/proc/sys/kernel/ns_last_pid";

async function inside(command: string[], options: RunOptions): Promise<number> {
  if (process.pid !== 1) throw new RunError("run", `internal: expected to be pid 1 of a new pid namespace, am ${process.pid}`);
  // A signal before COMMAND runs ends the run here, after the cleanup below; from then on
  // runChild passes SIGTERM on. (As pid 1, without a handler we would not see it at all.)
  let stopped: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => void (stopped ??= signal);
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const readyFd = Number(process.env[READY_FD]);
  if (readyFd > 2) {
    writeSync(readyFd, "ready\n");
    closeSync(readyFd); // COMMAND must not inherit it
  }
  const version = options.kernel;
  const interfaces = parseRunKernel(version);
  const kernel = await SimKernel.create({ seed: options.seed, version: interfaces.debugfs });
  // Its contexts emit damon_aggregated too (attachSysfs watches each one it starts).
  const sysfs = interfaces.sysfs ? attachSysfs(kernel, { version: interfaces.sysfs }) : undefined;
  const workloads = options.spawn.map((spec) => spawnBuiltin(kernel, workloadName(spec), !options.once));

  const work = mkdtempSync(join(tmpdir(), "damon-sim-run-"));
  const shims = join(work, "bin");
  const fuseDir = join(work, "fs");
  mkdirSync(shims);
  mkdirSync(fuseDir);
  mkdirSync(join(work, "comm"));
  writeShims(shims, version);

  const mirror = new ProcessMirror(work, fuseDir);
  const mounts: string[] = []; // real and bind mounts, to undo in reverse order
  let fuse: FuseMount | undefined;
  let clock: NodeJS.Timeout | undefined;
  let status = 1;
  try {
    for (const w of workloads) {
      if (!mirror.start(w.task)) throw new RunError("run", `cannot start a process with pid ${w.task.pid} for ${w.task.comm}`);
    }
    // The command's processes get pids far from the simulated ones (kdamonds come next).
    writeFileSync(NS_LAST_PID, "9999");

    fuse = await mount(fuseDir, fuseHandler(fuseRoot(kernel, interfaces, sysfs, controlDir(kernel, mirror))), { fsName: "damon-sim", subtype: "damon_sim" });
    await mountAll(fuseDir, mounts);
    for (const w of workloads) await mirror.bind(w.task.pid);
    // `kill PID` of a workload ends the simulated process too.
    // (A kdamond's placeholder is just started again: kernel threads ignore signals.)
    mirror.onKilled = (pid) => {
      if (kernel.sim.machine.task(pid)?.kind === "process") kernel.sim.machine.exit(pid);
    };

    const started = performance.now();
    clock = setInterval(() => {
      const tickStart = performance.now();
      const target = Math.round((tickStart - started) * 1000 * options.speed);
      kernel.sim.runUntil(target, { onProgress: () => performance.now() - tickStart > 4 });
      const kdamonds = kernel.sim.machine.tasks().filter((t) => t.kind === "kthread" && t.comm.startsWith("kdamond"));
      mirror.sync([...workloads.map((w) => w.task).filter((t) => t.alive), ...kdamonds]);
      mirror.reapAdopted(kernel.sim.machine);
    }, 10);

    if (stopped) throw new Interrupted(stopped);
    status = await runChild(command, {
      ...process.env,
      [INSIDE]: undefined,
      [READY_FD]: undefined,
      PATH: `${shims}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      DAMON_SIM_PIDS: workloads.map((w) => w.task.pid).join(" "),
      DAMON_SIM_KERNEL: version,
      DAMON_SIM_SHIMS: shims,
      DAMON_SIM_CONTROL: join(fuseDir, "control"),
      DAMON_SIM_NODE: process.execPath,
      DAMON_SIM_CLI: process.argv[1],
    });
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    status = 128 + constants.signals[error.signal];
  } finally {
    if (clock) clearInterval(clock);
    // COMMAND is done: what it left behind (a background job whose cwd is in a mount, say)
    // would keep the FUSE connection, and so us, alive. The namespace's end is ours to bring.
    try {
      process.kill(-1, "SIGKILL"); // from the init of a pid namespace: every other process in it
    } catch {
      // nothing left
    }
    await mirror.stop();
    for (const target of mounts.reverse()) await run("umount", ["-l", target]);
    if (fuse) {
      const gone = fuse.unmount().catch(() => undefined);
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
    }
    await removeWorkDir(work, fuseDir);
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    // Whatever might still hold the event loop (a FUSE reader some stray mount keeps
    // blocked): as pid 1 we must end, and everything in the namespaces ends with us.
    setTimeout(() => process.exit(), 2000).unref();
  }
  return status;
}

/**
 * Removes the run's temporary directory. The FUSE mount point is lazily unmounted first (a
 * hung unmount above would leave it mounted, and rmdir fails with EBUSY), and each part is
 * removed on its own: at worst an empty mount point is left, which the namespace's end frees.
 */
export async function removeWorkDir(work: string, fuseDir: string): Promise<void> {
  await run("umount", ["-l", fuseDir]); // fails harmlessly once unmounted
  const removeQuietly = (path: string, recursive: boolean) => {
    try {
      if (recursive) rmSync(path, { recursive, force: true });
      else rmdirSync(path);
    } catch {
      // still busy: leave it to the namespace's end
    }
  };
  for (const name of readDirQuietly(work)) {
    const path = join(work, name);
    // never recurse into the mount point: that would be the simulated files, or the host's
    removeQuietly(path, path !== fuseDir);
  }
  removeQuietly(work, false);
}

function readDirQuietly(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** The FUSE root: debug/ (damon/, tracing/), mm/damon/ (sysfs), proc/, control/. */
function fuseRoot(kernel: SimKernel, interfaces: Interfaces, sysfs: DamonSysfs | undefined, control: DirNode): DirNode {
  const root = new DirNode("");
  root.add(control);
  const debug = root.add(new DirNode("debug", 0o700));
  debug.add(kernel.damon.dir);
  debug.add(kernel.tracing.dir);
  // Without a sysfs interface: an empty directory, which damo takes for "not supported".
  root.add(new DirNode("mm", 0o755)).add(sysfs?.dir ?? new DirNode("damon", 0o755));
  const proc = kernel.vfs.lookup("/proc") as Node;
  if (proc.kind === "dir") root.add(proc);
  return root;
}

/**
 * control/adopt ($DAMON_SIM_CONTROL/adopt): "PID SPEC" makes the real process PID a
 * simulated one running SPEC (an absolute masim config path, or a built-in workload's name),
 * with the same pid: what the `masim` shim writes before it waits to be ended.
 */
function controlDir(kernel: SimKernel, mirror: ProcessMirror): DirNode {
  const dir = new DirNode("control", 0o755);
  dir.add(
    new FileNode("adopt", 0o200, {
      seekable: false,
      write: (data) => {
        const line = /^(\d+) (.+?)\n?$/.exec(new TextDecoder().decode(data));
        if (!line) return -FuseErrno.EINVAL;
        const pid = Number(line[1]);
        if (pid <= 1 || pid >= kernel.sim.machine.pidMax || !existsSync(`/proc/${pid}`)) return -FuseErrno.ESRCH;
        if (kernel.sim.machine.task(pid)) return -FuseErrno.EBUSY;
        let model: WorkloadModel;
        try {
          const spec = line[2];
          model = spec.startsWith("/") ? loadMasimConfig(readFileSync(spec), { file: spec }) : builtinWorkload(workloadName(spec));
        } catch {
          return -FuseErrno.EINVAL;
        }
        const machine = kernel.sim.machine;
        const next = machine.lastPid;
        machine.lastPid = pid - 1;
        const workload = spawnModel(kernel, model, "masim");
        machine.lastPid = next; // simulated pids go on where they were, far below real ones
        mirror.adopt(workload.task);
        return data.length;
      },
    }),
  );
  return dir;
}

/** What a placeholder needs of a child process. */
export interface Placeholder {
  readonly pid?: number;
  kill(signal?: NodeJS.Signals): boolean;
  on(event: "exit", listener: () => void): unknown;
}

/** How ProcessMirror reaches the system (replaced in tests). */
export interface MirrorSystem {
  /** ns_last_pid of the pid namespace the placeholders start in. */
  nsLastPid: string;
  /** Starts `exe infinity` (a sleep named like the task). */
  spawnPlaceholder(exe: string): Placeholder;
  /** Runs mount(8)/umount(8). */
  exec(command: string, args: string[]): Promise<{ code: number; stderr: string }>;
}

const REAL_SYSTEM: MirrorSystem = {
  nsLastPid: NS_LAST_PID,
  spawnPlaceholder: (exe) => spawn(exe, ["infinity"], { stdio: "ignore" }).on("error", () => undefined), // no pid: a failed start
  exec: (command, args) => run(command, args),
};

/** A pid taken by a real process is tried again after 1, 2, 4, ... ticks, this many times. */
const MAX_START_FAILURES = 8;

/**
 * Real processes that stand for simulated tasks: the same pid and name, so that ps, pidof
 * and /proc/PID see a live process, whose /proc files are the simulated ones. `sync` keeps
 * them to the tasks wanted (live workloads, running kdamonds); a placeholder that someone
 * else ends (`kill PID`) reports the pid to `onKilled`, to end the simulated task too.
 */
export class ProcessMirror {
  readonly #work: string;
  readonly #fuseDir: string;
  readonly #system: MirrorSystem;
  readonly #live = new Map<number, Placeholder>();
  /** /proc/PID files mounted over, for stop() to unmount. */
  readonly #mounts = new Set<string>();
  /** Real processes (not ours) that a simulated task took over: pid -> the task. */
  readonly #adopted = new Map<number, Task>();
  /** Tasks whose pid a real process had taken: how often, and the tick to try again at. */
  readonly #failures = new Map<number, { count: number; retryAt: number }>();
  /** Mounts still being made (sync's binds, adopt's), for stop() to wait for. */
  readonly #inflight = new Set<Promise<unknown>>();
  #tick = 0;
  #syncing = false;
  #stopped = false;
  onKilled?: (pid: number) => void;

  constructor(work: string, fuseDir: string, system: MirrorSystem = REAL_SYSTEM) {
    this.#work = work;
    this.#fuseDir = fuseDir;
    this.#system = system;
  }

  /**
   * Starts the placeholder of `task`, without its mounts (see bind). Synchronous: nothing
   * else of ours runs between setting ns_last_pid and the fork that takes it.
   */
  start(task: Task): boolean {
    if (this.#stopped) return false;
    // exec through a symlink named like the task: the kernel takes comm from the file name.
    const exe = join(this.#work, "comm", task.comm);
    if (!existsSync(exe)) symlinkSync(findSleep(), exe);
    for (let attempt = 0; attempt < 5; attempt++) {
      writeFileSync(this.#system.nsLastPid, String(task.pid - 1));
      const child = this.#system.spawnPlaceholder(exe);
      if (this.#stopped) {
        // stop() came first (it cannot while this runs synchronously, but cheap to be sure)
        child.kill("SIGKILL");
        return false;
      }
      if (child.pid === task.pid) {
        this.#live.set(task.pid, child);
        child.on("exit", () => {
          if (this.#live.get(task.pid) !== child) return; // we ended it
          this.#live.delete(task.pid);
          this.onKilled?.(task.pid);
        });
        return true;
      }
      // Something else (a thread, the command forking) took the pid first: try again.
      child.kill("SIGKILL");
    }
    return false;
  }

  /** Mounts the simulated /proc/PID files over the placeholder's. */
  async bind(pid: number, files = PID_FILES): Promise<void> {
    for (const file of files) {
      const target = `/proc/${pid}/${file}`;
      const { code, stderr } = await this.#system.exec("mount", ["--bind", join(this.#fuseDir, `proc/${pid}/${file}`), target]);
      if (code !== 0) throw new RunError("run", `cannot mount the simulated ${target}: ${stderr.trim()}`);
      if (this.#stopped) {
        // stop() has unmounted what it knew of: this one is ours to undo
        await this.#system.exec("umount", ["-l", target]);
        throw new RunError("run", "stopped");
      }
      this.#mounts.add(target);
    }
  }

  /**
   * Mirrors exactly `tasks`: new ones get a placeholder, the others lose theirs. Called once
   * a tick; a pid a real process holds is tried again on later ticks, a bounded number of times.
   */
  sync(tasks: Task[]): void {
    if (this.#syncing || this.#stopped) return;
    this.#tick++;
    const wanted = new Set(tasks.map((t) => t.pid));
    for (const [pid, child] of this.#live) {
      if (wanted.has(pid)) continue;
      this.#live.delete(pid);
      child.kill("SIGKILL"); // its /proc/PID mounts go with it
    }
    for (const pid of this.#failures.keys()) if (!wanted.has(pid)) this.#failures.delete(pid);
    const due = tasks.filter((t) => !this.#live.has(t.pid) && this.#due(t.pid));
    if (due.length === 0) return;
    // All placeholders start now, synchronously, and ns_last_pid goes back before any await:
    // the command's forks never run with the counter among the simulated pids for long.
    const saved = Number(readText(this.#system.nsLastPid).trim());
    const started: Task[] = [];
    for (const task of due) {
      if (this.start(task)) started.push(task);
      else this.#failed(task.pid);
    }
    // Back to where the command's pids were, so they stay away from simulated ones; but only
    // if the counter is still in the range we moved it to: never backwards past its own forks.
    const now = Number(readText(this.#system.nsLastPid).trim());
    if (Number.isFinite(saved) && now < saved) writeFileSync(this.#system.nsLastPid, String(saved));
    if (started.length === 0) return;
    this.#syncing = true;
    this.#track(
      (async () => {
        for (const task of started) {
          try {
            await this.bind(task.pid);
            this.#failures.delete(task.pid);
          } catch {
            if (this.#stopped) return;
            // gone meanwhile, or not mountable: drop it, and try again later (bounded)
            const child = this.#live.get(task.pid);
            this.#live.delete(task.pid);
            child?.kill("SIGKILL");
            this.#failed(task.pid);
          }
        }
      })().finally(() => (this.#syncing = false)),
    );
  }

  #due(pid: number): boolean {
    const failure = this.#failures.get(pid);
    return !failure || (failure.count < MAX_START_FAILURES && this.#tick >= failure.retryAt);
  }

  #failed(pid: number): void {
    const count = (this.#failures.get(pid)?.count ?? 0) + 1;
    this.#failures.set(pid, { count, retryAt: this.#tick + 2 ** (count - 1) });
  }

  #track(work: Promise<unknown>): void {
    this.#inflight.add(work);
    void work.finally(() => this.#inflight.delete(work));
  }

  /** A real process that `task` (same pid) now stands for: its /proc files become the task's. */
  adopt(task: Task): void {
    this.#adopted.set(task.pid, task);
    // Its stat and status stay real (parent, state, times): only the memory is simulated.
    this.#track(this.bind(task.pid, ["maps", "statm"]).catch(() => undefined)); // it may be gone already
  }

  /** Ends what outlived its other half: the simulated task of a gone process, and vice versa. */
  reapAdopted(machine: Machine): void {
    for (const [pid, task] of this.#adopted) {
      // task/PID/stat: /proc/PID/stat is the simulated file now (and served by this thread)
      const state = /\) (\S)/.exec(readText(`/proc/${pid}/task/${pid}/stat`))?.[1];
      const real = state !== undefined && state !== "Z" && state !== "X";
      if (real && task.alive) continue;
      this.#adopted.delete(pid);
      if (task.alive) machine.exit(pid);
      else if (real) process.kill(pid, "SIGTERM");
    }
  }

  /**
   * Ends every placeholder and adopted process, and unmounts their /proc files. Mounts still
   * being made finish first (bind undoes them), so nothing of ours outlives this.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const settled = Promise.allSettled([...this.#inflight]);
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    const children = [...this.#live.values()];
    this.#live.clear();
    for (const child of children) child.kill("SIGKILL");
    for (const pid of this.#adopted.keys()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
    this.#adopted.clear();
    // A dead process's mounts go with it, but an orphan's zombie (ours to reap, as pid 1,
    // and node does not) would keep them, and with them the FUSE connection.
    for (const target of this.#mounts) await this.#system.exec("umount", ["-l", target]);
    this.#mounts.clear();
  }
}

function findSleep(): string {
  const found = ["/usr/bin/sleep", "/bin/sleep"].find((p) => existsSync(p));
  if (!found) throw new RunError("run", "sleep(1) not found (coreutils)");
  return found;
}

/** The first mount point of a file system type, as /proc/mounts lists it (and damo reads it). */
function mountPointOf(type: string): string | undefined {
  return readMounts().find((m) => m.type === type)?.point;
}

async function mountAll(fuseDir: string, mounts: string[]): Promise<void> {
  const must = async (what: string, args: string[], target: string) => {
    const { code, stderr } = await run("mount", args);
    if (code !== 0) throw new RunError("run", `cannot mount ${what} at ${target}: ${stderr.trim()}`);
    mounts.push(target);
  };
  const bind = (source: string, target: string) => must(source, ["--bind", join(fuseDir, source), target], target);

  let debugfs = mountPointOf("debugfs");
  if (!debugfs) {
    debugfs = "/sys/kernel/debug";
    await must("debugfs", ["-t", "debugfs", "none", debugfs], debugfs);
  }
  await bind("debug", debugfs);
  let tracefs = mountPointOf("tracefs");
  if (!tracefs) {
    tracefs = "/sys/kernel/tracing";
    await must("tracefs", ["-t", "tracefs", "none", tracefs], tracefs);
  }
  if (!tracefs.startsWith(`${debugfs}/`)) await bind("debug/tracing", tracefs); // else already covered

  const sysfs = mountPointOf("sysfs") ?? "/sys";
  const damonDir = join(sysfs, "kernel/mm/damon");
  if (existsSync(damonDir)) {
    await bind("mm/damon", damonDir);
  } else {
    // No DAMON sysfs here: a tmpfs over mm/ to make the directory in.
    const mm = join(sysfs, "kernel/mm");
    await must("tmpfs", ["-t", "tmpfs", "-o", "mode=755", "none", mm], mm);
    mkdirSync(damonDir);
    await bind("mm/damon", damonDir);
  }

  await bind("proc/meminfo", "/proc/meminfo");
  await bind("proc/iomem", "/proc/iomem"); // damo's default region for paddr
}

/** `uname -r` of a simulated kernel; the seed commit was merged for 5.15-rc1. */
export function release(version: string): string {
  return version === "seed" ? "5.15.0-rc1-damon-sim" : `${version}.0-damon-sim`;
}

function writeShims(dir: string, version: string): void {
  const script = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  const real = ["/usr/bin/uname", "/bin/uname"].find((p) => existsSync(p)) ?? "uname";
  script("uname", `if [ "$#" = 1 ] && [ "$1" = -r ]; then echo ${release(version)}; else exec ${real} "$@"; fi`);
  script("perf", `exec "$DAMON_SIM_NODE" "$DAMON_SIM_CLI" perf "$@"`);
  // masim CONFIG: this very process becomes the simulated masim run, until it ends (or is
  // killed). It waits on a FIFO, not with a child: damo takes a target's children for targets.
  script(
    "masim",
    [
      '[ "$#" = 1 ] || { echo "usage: masim <config file | built-in workload>" >&2; exit 2; }',
      'spec=$1; [ -f "$spec" ] && spec=$(readlink -f -- "$spec")',
      'd=$(mktemp -d) && mkfifo "$d/wait" && exec 3<>"$d/wait" && rm -r "$d" || exit 1',
      'echo "$$ $spec" 2>/dev/null > "$DAMON_SIM_CONTROL/adopt" || { echo "masim: cannot run $1 in the simulation" >&2; exit 1; }',
      "trap 'exit 0' TERM",
      "read -r _ <&3",
    ].join("\n"),
  );

}

/** COMMAND with our stdio; SIGTERM is passed on (Ctrl-C reaches it directly). Resolves to its exit status. */
function runChild(command: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: "inherit", env });
    const ignore = () => {};
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on("SIGINT", ignore);
    process.on("SIGTERM", forward);
    child.on("error", (error: NodeJS.ErrnoException) => {
      process.stderr.write(`damon-sim run: ${command[0]}: ${error.code === "ENOENT" ? "command not found" : error.message}\n`);
      resolve(error.code === "ENOENT" ? 127 : 126);
    });
    child.on("close", (code, signal) => {
      process.off("SIGINT", ignore);
      process.off("SIGTERM", forward);
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 1));
    });
  });
}

/** mount(8)/umount(8), asynchronously: they may stat the FUSE mount this process serves. */
function run(command: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => resolve({ code: 127, stderr: error.message }));
    child.on("close", (code) => resolve({ code: code ?? 128, stderr }));
  });
}
