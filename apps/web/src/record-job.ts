import { readRecord } from "@damon-sim/record";
import { recordEntry } from "./entries.js";
import type { JobInfo, JobSummary } from "./protocol.js";
import type { LogWriter } from "./snapshot-log.js";

const PUBLISH_EVERY_MS = 50;

/** Opens a damo record (any format damo wrote) into the snapshot log, streaming. */
export async function openRecordJob(
  bytes: Uint8Array,
  name: string,
  io: { log: LogWriter; started(info: JobInfo): void; stopped(): boolean },
): Promise<JobSummary> {
  const began = performance.now();
  const record = await readRecord(bytes);
  io.started({ kind: "record", name, format: record.format });
  let first: number | null = null;
  let last = 0;
  let lastPublish = performance.now();
  for await (const snapshot of record.snapshots) {
    io.log.append(recordEntry(snapshot));
    first ??= snapshot.startNs ?? snapshot.endNs;
    last = snapshot.endNs;
    if (performance.now() - lastPublish > PUBLISH_EVERY_MS) {
      io.log.publish();
      lastPublish = performance.now();
      if (io.stopped()) break;
    }
  }
  io.log.publish();
  return {
    kind: "record",
    snapshots: io.log.count,
    virtualUs: first === null ? 0 : (last - first) / 1000,
    wallMs: performance.now() - began,
    interrupted: io.stopped(),
    accuracy: null,
  };
}
