import type { FromSim, JobInfo, JobSummary, RunConfig, ToSim } from "./protocol.js";
import { LogReader } from "./snapshot-log.js";

export interface SimEvents {
  ready(): void;
  started(info: JobInfo): void;
  progress(nowUs: number, paused: boolean): void;
  done(summary: JobSummary): void;
  error(message: string, line: number | null): void;
}

/**
 * The page's handle on the simulation worker. Each run or opened record gets a fresh
 * LogReader; `sync` makes newly published aggregations visible to it: under cross-origin
 * isolation by reading the shared count (the regions stay where the worker wrote them),
 * otherwise everything received so far.
 */
export class SimClient {
  /** Whether the log is shared memory (isolated) or posted (not). */
  readonly shared: boolean;
  reader: LogReader | null = null;
  readonly #worker: Worker;
  readonly #events: SimEvents;
  #job = 0;
  #control: Int32Array | null = null;
  // Until the worker says how it publishes (the shared count or messages), nothing is read.
  #started = false;
  readonly #downloads = new Map<number, (bytes: Uint8Array | null) => void>();

  constructor(shared: boolean, events: SimEvents) {
    this.shared = shared;
    this.#events = events;
    this.#worker = new Worker(new URL("./sim-worker.js", import.meta.url), { type: "module", name: "damon-sim" });
    this.#worker.addEventListener("message", (event) => this.#onMessage(event.data as FromSim));
    this.#worker.addEventListener("error", (event) => events.error(`the simulation worker failed: ${event.message || "could not load"}`, null));
  }

  run(config: RunConfig): void {
    this.#start((job) => ({ type: "run", job, config, shared: this.shared }));
  }

  open(bytes: Uint8Array, name: string): void {
    this.#start((job) => ({ type: "open", job, bytes, name, shared: this.shared }), [bytes.buffer]);
  }

  send(message: Extract<ToSim, { type: "speed" | "pause" | "resume" | "step" | "stop" }>): void {
    this.#worker.postMessage(message);
  }

  /** The current run's record (json_compressed), once it has ended. */
  download(): Promise<Uint8Array | null> {
    const job = this.#job;
    return new Promise((resolve) => {
      this.#downloads.set(job, resolve);
      this.#worker.postMessage({ type: "download", job } satisfies ToSim);
    });
  }

  /** Indexes what the worker has published; returns the reader's new count. */
  sync(): number {
    if (!this.reader || !this.#started) return 0;
    return this.reader.sync(this.#control ? Atomics.load(this.#control, 0) : Infinity);
  }

  #start(message: (job: number) => ToSim, transfer: Transferable[] = []): void {
    const job = ++this.#job;
    this.reader = new LogReader();
    this.#control = null;
    this.#started = false;
    this.#worker.postMessage(message(job), transfer);
  }

  #onMessage(message: FromSim): void {
    if (message.type === "ready") {
      this.#events.ready();
      return;
    }
    if (message.type === "record") {
      this.#downloads.get(message.job)?.(message.bytes);
      this.#downloads.delete(message.job);
      return;
    }
    if (message.job !== this.#job) return; // from a run that was replaced
    switch (message.type) {
      case "started":
        this.#control = message.control;
        this.#started = true;
        this.#events.started(message.info);
        break;
      case "segment":
        this.reader?.addSegment(message.words);
        break;
      case "progress":
        this.#events.progress(message.nowUs, message.paused);
        break;
      case "done":
        this.#events.done(message.summary);
        break;
      case "error":
        this.#events.error(message.message, message.line);
        break;
    }
  }
}
