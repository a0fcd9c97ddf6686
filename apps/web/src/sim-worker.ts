// The simulation worker: runs sessions and opens records off the page's thread, writing
// aggregations into a snapshot log the page reads (shared memory when isolated, else messages).
import { WorkloadError } from "@damon-sim/workload";
import { messageTransport, sharedTransport } from "./log-transport.js";
import { MAX_SPEED, Pacer, realClock } from "./pacer.js";
import type { FromSim, JobInfo, JobSummary, ToSim, WorkerScope } from "./protocol.js";
import { openRecordJob } from "./record-job.js";
import { runSessionJob } from "./session-job.js";
import { LogWriter } from "./snapshot-log.js";

const scope = self as unknown as WorkerScope;
const clock = realClock();

// The job being run; a new one stops it and waits for it to wind down.
let pacer: Pacer | null = null;
let queue: Promise<void> = Promise.resolve();
let latest = -1;
const records = new Map<number, Uint8Array>();

function post(message: FromSim, transfer: Transferable[] = []): void {
  scope.postMessage(message, { transfer });
}

scope.addEventListener("message", (event) => {
  const message = event.data as ToSim;
  switch (message.type) {
    case "run":
    case "open":
      pacer?.stop();
      latest = message.job;
      queue = queue.then(() => runJob(message));
      break;
    case "speed":
      pacer?.setSpeed(message.speed);
      break;
    case "pause":
      pacer?.pause();
      break;
    case "resume":
      pacer?.resume();
      break;
    case "step":
      pacer?.step();
      break;
    case "stop":
      pacer?.stop();
      break;
    case "download":
      post({ type: "record", job: message.job, bytes: records.get(message.job) ?? null });
      break;
  }
});

async function runJob(message: Extract<ToSim, { type: "run" | "open" }>): Promise<void> {
  const { job } = message;
  if (job !== latest) return; // superseded while queued
  records.clear();
  const postSegment = (words: Float64Array, transfer: Transferable[]) => post({ type: "segment", job, words }, transfer);
  const shared = message.shared && scope.crossOriginIsolated;
  let control: Int32Array | null = null;
  let log: LogWriter;
  if (shared) {
    const t = sharedTransport(postSegment);
    control = t.control;
    log = new LogWriter(t.transport);
  } else {
    log = new LogWriter(messageTransport(postSegment));
  }
  const started = (info: JobInfo) => post({ type: "started", job, info, control });
  const jobPacer = new Pacer(message.type === "run" ? message.config.speed : MAX_SPEED, clock);
  pacer = jobPacer;
  try {
    let summary: JobSummary;
    if (message.type === "run") {
      const result = await runSessionJob(message.config, {
        log,
        pacer: jobPacer,
        started,
        progress: (nowUs, paused) => post({ type: "progress", job, nowUs, paused }),
      });
      records.set(job, result.record);
      summary = result.summary;
    } else {
      summary = await openRecordJob(message.bytes, message.name, { log, started, stopped: () => jobPacer.stopped });
    }
    post({ type: "done", job, summary });
  } catch (error) {
    const line = error instanceof WorkloadError && error.line !== undefined ? error.line : null;
    post({ type: "error", job, message: error instanceof Error ? error.message : String(error), line });
  } finally {
    if (pacer === jobPacer) pacer = null;
  }
}

post({ type: "ready" });
