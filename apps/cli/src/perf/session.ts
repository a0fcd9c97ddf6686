import { spawn, type ChildProcess } from "node:child_process";
import { constants as fsConstants, readFileSync, writeFileSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { RunError } from "../errors.js";
import { describe } from "../io.js";
import { parseTraceLine, type TraceEvent } from "./trace-line.js";
import { tracepointName, type Tracepoint } from "./tracefs.js";

export interface SessionOptions {
  /** The tracing directory; null when no tracepoint is traced (nothing to read). */
  tracefs: string | null;
  tracepoints: Tracepoint[];
  /** Run this and stop when it exits; empty: stop on SIGINT/SIGTERM only. */
  command: string[];
  /** How long to sleep when trace_pipe is empty (the simulated one never blocks). */
  pollMs?: number;
  /** Each batch of complete trace_pipe lines of the traced events, with their parsed form. */
  onEvents(lines: string[], events: TraceEvent[]): Promise<void> | void;
}

export interface SessionResult {
  /** The command's exit status (128 + signal if it was killed), or 0. */
  status: number;
  /** The signal that stopped the session, if one did. */
  signal: NodeJS.Signals | null;
  /** Reads that returned data: perf's "woken up" count. */
  wakeups: number;
}

/**
 * What perf record and perf trace share: turn the tracepoints on, read trace_pipe until
 * SIGINT/SIGTERM (or until COMMAND exits), read what is left, and put the enable files back.
 */
export async function traceSession(options: SessionOptions): Promise<SessionResult> {
  const restore: Array<() => void> = [];
  let pipe: FileHandle | undefined;
  let child: ChildProcess | undefined;
  let stopping = false;
  let signal: NodeJS.Signals | null = null;
  let wake = () => {};
  const stop = (sig: NodeJS.Signals | null) => {
    if (sig && !signal) signal = sig;
    stopping = true;
    wake();
  };
  const onInt = () => stop("SIGINT");
  const onTerm = () => stop("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  let wakeups = 0;
  let status = 0;
  const pipePath = options.tracefs === null ? null : join(options.tracefs, "trace_pipe");
  try {
    if (options.tracefs !== null) {
      for (const t of options.tracepoints) restore.push(enable(options.tracefs, t));
      try {
        pipe = await open(pipePath!, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      } catch (error) {
        throw new RunError(pipePath!, `cannot read: ${describe(error)}`);
      }
    }
    let exited: Promise<void> = Promise.resolve();
    if (options.command.length) {
      const [file, ...args] = options.command;
      child = spawn(file, args, { stdio: "inherit" });
      exited = new Promise((resolve, reject) => {
        child!.once("error", (error: NodeJS.ErrnoException) => {
          reject(new RunError(file, error.code === "ENOENT" ? "command not found" : `cannot run: ${error.message}`));
          stop(null);
        });
        child!.once("exit", (code, sig) => {
          status = code ?? 128 + (sig ? constants.signals[sig] : 1);
          stop(null);
          resolve();
        });
      });
      exited.catch(() => {}); // awaited below
    }

    const names = new Set(options.tracepoints.map((t) => t.name));
    const buffer = Buffer.alloc(1 << 16);
    let carry = "";
    // One read of trace_pipe; the complete lines of the traced events go to onEvents.
    const readOnce = async (): Promise<number> => {
      if (!pipe) return 0;
      let n: number;
      try {
        ({ bytesRead: n } = await pipe.read(buffer, 0, buffer.length, null));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EAGAIN") return 0;
        throw new RunError(pipePath!, `cannot read: ${describe(error)}`);
      }
      if (n === 0) return 0;
      const lines = (carry + buffer.toString("utf8", 0, n)).split("\n");
      carry = lines.pop()!;
      const kept: string[] = [];
      const events: TraceEvent[] = [];
      for (const line of lines) {
        const event = parseTraceLine(line);
        if (event && names.has(event.name)) {
          kept.push(line);
          events.push(event);
        }
      }
      if (kept.length) await options.onEvents(kept, events);
      return n;
    };
    const poll = options.pollMs ?? 50;
    while (!stopping) {
      if ((await readOnce()) > 0) {
        wakeups++;
        continue;
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, poll);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // Stopped: what the kernel has already written is still part of the session. A kernel
    // that keeps writing faster than we read cannot hold the exit up for long.
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && (await readOnce()) > 0) wakeups++;
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    await pipe?.close().catch(() => {});
    for (const undo of restore.reverse()) undo();
  }
  return { status, signal, wakeups };
}

/** Turns a tracepoint on; returns how to put its enable file back as it was. */
function enable(tracefs: string, t: Tracepoint): () => void {
  const path = join(tracefs, "events", t.system, t.name, "enable");
  let before: string;
  try {
    before = readFileSync(path, "utf8").trim();
    writeFileSync(path, "1");
  } catch (error) {
    throw new RunError(path, `cannot enable ${tracepointName(t)}: ${describe(error)}`);
  }
  return () => {
    if (before === "1") return;
    try {
      writeFileSync(path, before || "0");
    } catch {
      // tracefs went away (the simulation ended first): nothing to restore
    }
  };
}
