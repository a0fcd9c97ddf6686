import type { Worker } from "node:worker_threads";

/** Starts apps/web/dist/sim-worker.js (or `script`) in a Node worker thread; it speaks src/protocol.ts. */
export declare function startNodeSimWorker(script?: URL): Worker;
