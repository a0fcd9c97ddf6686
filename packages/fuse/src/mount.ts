// Mount, serve, unmount. Node opens /dev/fuse and mount(8) inherits it as fd 3; requests come
// from the reader worker, handlers run here on the main thread, each reply is one writeSync.
import { spawn } from "node:child_process";
import { closeSync, openSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { NO_REPLY, OUT_HEADER_SIZE, Opcode, READ_BUFFER_SIZE, readInHeader, view } from "./abi.js";
import { Errno } from "./errno.js";
import { checkFuse } from "./preflight.js";
import { FuseSession } from "./protocol.js";
import { readerMain, type ReaderData } from "./reader-worker.js";
import type { FuseHandler, FuseMount, FuseMountOptions } from "./types.js";

const SUBTYPE = /^[A-Za-z0-9_.-]+$/;

export async function mount(path: string, handler: FuseHandler, options: FuseMountOptions = {}): Promise<FuseMount> {
  const mountpoint = resolve(path); // absolute: used again at unmount and at exit, whatever the cwd then
  if (options.subtype !== undefined && !SUBTYPE.test(options.subtype)) {
    throw new TypeError(`invalid FUSE subtype ${JSON.stringify(options.subtype)}: use letters, digits, '_', '.', '-'`);
  }
  const check = checkFuse();
  if (!check.ok) throw new Error(`FUSE mount unavailable: ${check.reason}`);
  const fd = openSync("/dev/fuse", "r+");
  try {
    await attach(fd, mountpoint, options);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  const served = serve(fd, mountpoint, handler, options.debug);
  try {
    await served.initialized;
  } catch (error) {
    await run("umount", ["-i", mountpoint]).catch(() => undefined); // best effort: leave no dead mount behind
    throw error;
  }
  return served.fuseMount;
}

/** mount(2) through mount(8). `-i`: never exec /sbin/mount.fuse, which would take our source for a program. */
async function attach(fd: number, mountpoint: string, options: FuseMountOptions): Promise<void> {
  const type = options.subtype === undefined ? "fuse" : `fuse.${options.subtype}`;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const mountOptions = [`fd=3`, "rootmode=40000", `user_id=${uid}`, `group_id=${gid}`, "default_permissions"];
  if (options.allowOther) mountOptions.push("allow_other");
  const args = ["-i", "-t", type, "-o", mountOptions.join(","), options.fsName ?? "damon-sim", mountpoint];
  const { code, stderr } = await run("mount", args, fd);
  if (code !== 0) {
    const hint = /permission denied|must be superuser/i.test(stderr) ? " (needs CAP_SYS_ADMIN, or run inside 'unshare -Urm')" : "";
    throw new Error(`mount ${mountpoint} failed (exit ${code}): ${stderr.trim()}${hint}`);
  }
  options.debug?.(`mounted ${mountpoint} as ${type}`);
}

// Only after mount(8) exited may we read: before mount(2) attaches the fd, read() gives EPERM.
// `initialized` resolves once the kernel's INIT is answered, so mount() returns a negotiated mount.
function serve(fd: number, mountpoint: string, handler: FuseHandler, debug?: (line: string) => void) {
  const session = new FuseSession(handler, debug);
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const data: ReaderData = { fd, bufferSize: READ_BUFFER_SIZE, stop, pid: process.pid, noReply: [...NO_REPLY], eio: Errno.EIO };
  const worker = new Worker(`(${readerMain})()`, { eval: true, workerData: data });
  let open = true;
  let gone = false; // unmounted: the reader saw ENODEV
  let onInit = () => {};
  worker.on("message", (request: Uint8Array) => {
    if (!open) return; // the fd number may be reused once closed: drop late messages
    const answer = session.handle(request);
    if (answer) send(fd, answer, debug);
    if (readInHeader(request).opcode === Opcode.INIT) onInit();
  });
  // process.exit() and uncaught exceptions join the reader thread, blocked in read(2): the
  // process would hang, and every client of the mount with it. So flag the reader, then make
  // one request of our own (OPENDIR of the root) for it to refuse and end on.
  const wakeReader = () => {
    if (!open) return;
    Atomics.store(stop, 0, 1);
    try {
      closeSync(openSync(mountpoint, "r"));
    } catch {
      // refused with EIO, as intended
    }
  };
  process.on("exit", wakeReader);
  const closed = new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    worker.on("error", (error) => (failure = error));
    worker.on("exit", () => {
      open = false;
      gone = !failure;
      process.off("exit", wakeReader);
      closeSync(fd);
      debug?.(failure ? `reader failed: ${failure.message}` : `unmounted ${mountpoint}`);
      if (failure) reject(failure);
      else resolve();
    });
  });
  const initialized = new Promise<void>((resolve, reject) => {
    onInit = resolve;
    closed.then(() => reject(new Error(`the kernel side of ${mountpoint} went away before INIT`)), reject);
  });
  let unmounting: Promise<void> | undefined;
  const unmount = async (): Promise<void> => {
    // After a reader failure the mount is still there, dead ("Transport endpoint is not connected").
    if (!gone) {
      // Async: umount(8) sends GETATTR/STATFS to this very process, which must stay free to answer.
      const { code, stderr } = await run("umount", ["-i", mountpoint]);
      if (code !== 0) throw new Error(`umount ${mountpoint} failed (exit ${code}): ${stderr.trim()}`);
    }
    await closed.catch(() => undefined); // a reader failure is `closed`'s to report; the mount is gone now
  };
  const fuseMount: FuseMount = {
    mountpoint,
    closed,
    unmount() {
      unmounting ??= unmount().catch((error: unknown) => {
        unmounting = undefined; // e.g. "target is busy": let the caller try again
        throw error;
      });
      return unmounting;
    },
  };
  return { fuseMount, initialized };
}

function send(fd: number, answer: Uint8Array, debug?: (line: string) => void): void {
  try {
    writeSync(fd, answer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENODEV") return; // request interrupted, or unmounted meanwhile
    debug?.(`reply rejected (${code}); sending EIO instead`);
    // Never leave the caller waiting: it sleeps uninterruptibly until it gets an answer.
    const fallback = answer.slice(0, OUT_HEADER_SIZE);
    view(fallback).setUint32(0, OUT_HEADER_SIZE, true);
    view(fallback).setInt32(4, -Errno.EIO, true);
    try {
      writeSync(fd, fallback);
    } catch {
      debug?.("EIO reply rejected too");
    }
  }
}

function run(command: string, args: string[], fd3?: number): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const stdio: Array<"ignore" | "pipe" | number> = ["ignore", "ignore", "pipe"];
    if (fd3 !== undefined) stdio.push(fd3);
    const child = spawn(command, args, { stdio });
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => reject(new Error(`cannot run ${command} (install util-linux): ${error.message}`)));
    child.on("close", (code, signal) => resolve({ code: code ?? 128, stderr: stderr || (signal ? `killed by ${signal}` : "") }));
  });
}
