import { Errno as FuseErrno, checkFuse, mount, type FuseHandler } from "@damon-sim/fuse";
import { DirNode, FileNode, readSlice, SimKernel, type Node } from "@damon-sim/dbgfs";
import { BUILTIN_NAMES, ModelWorkload, builtinWorkload, type WorkloadModel } from "@damon-sim/workload";
import { RunError } from "../errors.js";
import { parseKernel } from "./dbgfs.js";

export interface MountOptions {
  kernel: string;
  spawn: string[];
  speed: number;
  seed: number;
  debug?: boolean;
}

/** Spawns a named process; the workload package plugs its workloads in here. */
export type Spawner = (kernel: SimKernel, spec: string) => number;

const idleSpawner: Spawner = (kernel, spec) => kernel.sim.machine.spawn(spec.split(/\s+/)[0] || "sleep").pid;

/** A built-in workload's name starts it, looping; any other name is an idle process. */
export const workloadSpawner: Spawner = (kernel, spec) => {
  const name = spec.split(/\s+/)[0];
  if (!(BUILTIN_NAMES as readonly string[]).includes(name)) return idleSpawner(kernel, spec);
  return spawnBuiltin(kernel, name, true).task.pid;
};

/** A built-in workload as a process; it stops acting when the process exits (killed, say). */
export function spawnBuiltin(kernel: SimKernel, name: string, loop: boolean): ModelWorkload {
  return spawnModel(kernel, builtinWorkload(name, { loop }));
}

/** A workload model as a process named `comm` (default: the model's name), as spawnBuiltin. */
export function spawnModel(kernel: SimKernel, model: WorkloadModel, comm?: string): ModelWorkload {
  const workload = ModelWorkload.spawn(kernel.sim, model, { engine: "fast", ...(comm ? { comm } : {}) });
  const unsubscribe = kernel.sim.machine.onExit((task) => {
    if (task !== workload.task) return;
    workload.detach(); // its memory is gone: no access may touch it
    unsubscribe();
  });
  return workload;
}

/**
 * `damon-sim mount DIR`: serves the simulated debugfs root (damon/, tracing/ and a
 * damon-sim/ control directory) at DIR through FUSE, advancing time with the wall clock.
 */
export async function mountCommand(dir: string, options: MountOptions, spawner: Spawner = workloadSpawner): Promise<number> {
  const version = parseKernel(options.kernel);
  const check = checkFuse();
  if (!check.ok) throw new RunError(dir, `cannot mount: ${check.reason}`);
  const kernel = await SimKernel.create({ seed: options.seed, version });
  for (const spec of options.spawn) spawner(kernel, spec);
  const root = new DirNode("");
  for (const child of kernel.debugfs.children.values()) root.add(child);
  root.add(controlDir(kernel, spawner));

  let fuse;
  try {
    fuse = await mount(dir, fuseHandler(root), {
      fsName: "damon-sim",
      subtype: "damon_debugfs",
      debug: options.debug ? (line) => process.stderr.write(`fuse: ${line}\n`) : undefined,
    });
  } catch (error) {
    // Permission, missing mount point, no fuse in the kernel: say why on one line.
    const why = (error as Error).message.split("\n")[0];
    throw new RunError(dir, `cannot mount: ${why} (needs root or 'unshare -Urm', and an existing directory)`, { cause: error });
  }
  process.stderr.write(`damon-sim: Linux ${version} debugfs mounted at ${dir} (virtual time at ${options.speed}x); Ctrl-C unmounts\n`);

  // Virtual time follows the wall clock, but each tick may use only a few milliseconds so
  // that FUSE requests are always answered; with very short intervals the simulation lags.
  const started = performance.now();
  const clock = setInterval(() => {
    const tickStart = performance.now();
    const target = Math.round((tickStart - started) * 1000 * options.speed);
    kernel.sim.runUntil(target, { onProgress: () => performance.now() - tickStart > 4 });
  }, 10);
  const stop = () => void fuse.unmount().catch(() => {});
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await fuse.closed;
  clearInterval(clock);
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  return 0;
}

// damon-sim/spawn (write "COMM [WORKLOAD...]"; read: the last pid), ps, kill.
function controlDir(kernel: SimKernel, spawner: Spawner): DirNode {
  const dir = new DirNode("damon-sim", 0o755);
  let lastPid = 0;
  const text = (data: Uint8Array) => new TextDecoder().decode(data).trim();
  dir.add(
    new FileNode("spawn", 0o600, {
      seekable: true,
      read: (count, pos) => readSlice(`${lastPid}\n`, count, pos),
      write: (data) => {
        try {
          lastPid = spawner(kernel, text(data));
          return data.length;
        } catch {
          return -FuseErrno.EINVAL;
        }
      },
    }),
  );
  dir.add(
    new FileNode("ps", 0o444, {
      seekable: true,
      read: (count, pos) => readSlice(kernel.sim.machine.tasks().map((t) => `${t.pid} ${t.comm}\n`).join(""), count, pos),
    }),
  );
  dir.add(
    new FileNode("kill", 0o200, {
      seekable: true,
      write: (data) => {
        const pid = Number(text(data));
        if (!Number.isSafeInteger(pid) || !kernel.sim.machine.task(pid) || pid === 1) return -FuseErrno.ESRCH;
        kernel.sim.machine.exit(pid);
        return data.length;
      },
    }),
  );
  return dir;
}

/** Serves a dbgfs file tree to FUSE: the kernel's file position arrives as the offset. */
export function fuseHandler(root: DirNode): FuseHandler {
  const open = new Map<number, FileNode>();
  let nextFh = 1;
  const lookup = (path: string): Node | undefined => {
    let node: Node = root;
    for (const part of path.split("/").filter(Boolean)) {
      if (node.kind !== "dir") return undefined;
      node.refresh?.(node);
      const next: Node | undefined = node.children.get(part);
      if (!next) return undefined;
      node = next;
    }
    return node;
  };
  return {
    getattr(path) {
      const node = lookup(path);
      if (!node) return -FuseErrno.ENOENT;
      return { kind: node.kind, mode: node.mode, size: 0 };
    },
    readdir(path) {
      const node = lookup(path);
      if (!node) return -FuseErrno.ENOENT;
      if (node.kind !== "dir") return -FuseErrno.ENOTDIR;
      node.refresh?.(node);
      return [...node.children.keys()];
    },
    open(path, flags) {
      const node = lookup(path);
      if (!node) return -FuseErrno.ENOENT;
      if (node.kind !== "file") return -FuseErrno.EISDIR;
      const refused = node.ops.onOpen?.(flags);
      if (typeof refused === "number" && refused < 0) return refused;
      const fh = nextFh++;
      open.set(fh, node);
      return { fh, directIo: true, nonSeekable: !node.ops.seekable };
    },
    read(fh, offset, size) {
      const node = open.get(fh);
      if (!node) return -FuseErrno.EBADF;
      return node.ops.read ? node.ops.read(size, offset) : -FuseErrno.EINVAL;
    },
    write(fh, offset, data) {
      const node = open.get(fh);
      if (!node) return -FuseErrno.EBADF;
      return node.ops.write ? node.ops.write(data, offset) : -FuseErrno.EINVAL;
    },
    release(fh) {
      open.delete(fh);
    },
  };
}
