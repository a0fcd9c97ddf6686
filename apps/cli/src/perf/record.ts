import { spawn, type ChildProcess } from "node:child_process";
import { constants as fsConstants, readFileSync, writeFileSync } from "node:fs";
import { open, rm, type FileHandle } from "node:fs/promises";
import { constants } from "node:os";
import { join } from "node:path";
import { RunError } from "../errors.js";
import { atomicSink, describe } from "../io.js";
import { dataHeader } from "./data-file.js";
import { parseTraceLine } from "./trace-line.js";
import { isTracepointSpec, resolveTracepoints, tracepointName, tracefsCandidates, type Tracepoint } from "./tracefs.js";

export interface RecordOptions {
  events: string[];
  output: string;
  quiet: boolean;
  command: string[];
  /** How long to sleep when trace_pipe is empty (it never blocks in the simulation). */
  pollMs?: number;
  candidates?: string[];
  stderr?: (text: string) => void;
}

export interface RecordResult {
  /** What perf exits with: the command's status, or 0. */
  status: number;
  /** The signal that stopped the recording, which perf re-raises once the file is written. */
  signal: NodeJS.Signals | null;
  samples: number;
  bytes: number;
}

/**
 * `perf record`: enables the tracepoints in tracefs, drains trace_pipe into a temporary file
 * until SIGINT/SIGTERM (or until COMMAND exits), drains what is left, restores the enable
 * files and renames the file into place. Without -e it records perf's default event, cycles,
 * of which a simulated machine has no samples: an empty but valid file.
 */
export async function recordEvents(options: RecordOptions): Promise<RecordResult> {
  const stderr = options.stderr ?? ((t: string) => void process.stderr.write(t));
  const specs = options.events.length ? options.events : ["cycles:P"];
  const tracepointSpecs = specs.filter(isTracepointSpec);
  const resolved = tracepointSpecs.length ? resolveTracepoints(tracepointSpecs, options.candidates ?? tracefsCandidates()) : null;
  const tracepoints = resolved?.tracepoints ?? [];
  const recorded = [...tracepoints.map(tracepointName), ...specs.filter((e) => !isTracepointSpec(e))];

  const sink = await atomicSink(options.output);
  let bytes = 0;
  const write = async (text: string) => {
    const chunk = new TextEncoder().encode(text);
    bytes += chunk.length;
    await sink.write(chunk);
  };
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
  let samples = 0;
  let wakeups = 0;
  let status = 0;
  let committed = false;
  try {
    await write(dataHeader(recorded));
    if (!resolved) {
      // Nothing will ever be added (damo's cpu_profile recorder): the file is complete now,
      // and stays so even if this process is killed before it can rename anything.
      await sink.commit();
      committed = true;
    }
    if (resolved) {
      for (const t of tracepoints) restore.push(enable(resolved.tracefs, t));
      const path = join(resolved.tracefs, "trace_pipe");
      try {
        pipe = await open(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      } catch (error) {
        throw new RunError(path, `cannot read: ${describe(error)}`);
      }
    }
    let exited: Promise<void> = Promise.resolve();
    if (options.command.length) {
      child = spawn(options.command[0], options.command.slice(1), { stdio: "inherit" });
      exited = new Promise((resolve, reject) => {
        child!.once("error", (error: NodeJS.ErrnoException) => {
          reject(new RunError(options.command[0], error.code === "ENOENT" ? "command not found" : `cannot run: ${error.message}`));
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

    const names = new Set(tracepoints.map((t) => t.name));
    const buffer = Buffer.alloc(1 << 16);
    let carry = "";
    // One read of trace_pipe: the complete lines of the requested events go to the file.
    const readOnce = async (): Promise<number> => {
      if (!pipe) return 0;
      let n: number;
      try {
        ({ bytesRead: n } = await pipe.read(buffer, 0, buffer.length, null));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EAGAIN") return 0;
        throw new RunError(join(resolved!.tracefs, "trace_pipe"), `cannot read: ${describe(error)}`);
      }
      if (n === 0) return 0;
      const lines = (carry + buffer.toString("utf8", 0, n)).split("\n");
      carry = lines.pop()!;
      let text = "";
      for (const line of lines) {
        const event = parseTraceLine(line);
        if (event && names.has(event.name)) {
          text += `${line}\n`;
          samples++;
        }
      }
      if (text) await write(text);
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
    // Stopped: what the kernel has already written is still part of the recording. A kernel
    // that keeps writing faster than we read cannot hold the exit up for long.
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && (await readOnce()) > 0) wakeups++;
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
  } catch (error) {
    if (committed) await rm(options.output, { force: true });
    else await sink.abort();
    throw error;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    await pipe?.close().catch(() => {});
    for (const undo of restore.reverse()) undo();
  }
  if (!committed) await sink.commit();
  if (!options.quiet) {
    stderr(`[ perf record: Woken up ${Math.max(1, wakeups)} times to write data ]\n`);
    const count = samples ? ` (${samples} samples)` : "";
    stderr(`[ perf record: Captured and wrote ${(bytes / 1024 / 1024).toFixed(3)} MB ${options.output}${count} ]\n`);
  }
  return { status, signal, samples, bytes };
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
