// The web app's simulation worker, the very file Chromium runs as a Web Worker
// (dist/sim-worker.js as built), in a Node worker thread. The bench times it against
// Chromium and the tests compare their records. Builds nothing: build first.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const SCRIPT = new URL("./dist/sim-worker.js", import.meta.url);

/**
 * Starts dist/sim-worker.js in a worker thread. It speaks the page's protocol
 * (src/protocol.ts): post ToSim messages, receive FromSim ones ("ready" first).
 * @param {URL} [script]
 * @returns {Worker}
 */
export function startNodeSimWorker(script = SCRIPT) {
  return new Worker(new URL(import.meta.url), { workerData: { damonSimWorker: script.href } });
}

if (!isMainThread && workerData?.damonSimWorker) {
  // The worker scope the script expects, made of parentPort. Node shares SharedArrayBuffers
  // between threads, as a cross-origin isolated page does.
  globalThis.self = {
    crossOriginIsolated: true,
    postMessage: (message, options) => parentPort.postMessage(message, options?.transfer ?? []),
    addEventListener: (type, listener) => {
      if (type === "message") parentPort.on("message", (data) => listener({ data }));
    },
  };
  await import(workerData.damonSimWorker);
}
