import type { DamosSpec } from "@damon-sim/core";
import { concatBytes } from "@damon-sim/record";
import { Session } from "@damon-sim/session";
import { trackAccuracy, type AccuracyTracker } from "@damon-sim/workload";
import type { Pacer } from "./pacer.js";
import type { JobInfo, JobSummary, RunConfig } from "./protocol.js";
import { snapshotEntry } from "./entries.js";
import type { LogWriter } from "./snapshot-log.js";

// Publish (and report progress) at most this often while running; always before waiting. The
// page draws at most ten times a second while live, so publishing more often only costs.
const PUBLISH_EVERY_MS = 100;

export interface SessionJobIo {
  log: LogWriter;
  pacer: Pacer;
  started(info: JobInfo): void;
  progress(nowUs: number, paused: boolean): void;
}

/**
 * Runs one recording session the way `damon-sim record` does (same Session, same record
 * writer), feeding the snapshot log and pacing between chunks. Returns the record's bytes.
 */
export async function runSessionJob(config: RunConfig, io: SessionJobIo): Promise<{ summary: JobSummary; record: Uint8Array }> {
  const { log, pacer } = io;
  const chunks: Uint8Array[] = [];
  const session = await Session.create({
    workload: config.workload,
    attrs: config.attrs,
    seed: config.seed,
    durationUs: config.durationUs,
    record: { format: "json_compressed", sink: { write: (chunk) => void chunks.push(chunk.slice()) } },
    onSnapshot: (s) => log.append(snapshotEntry(s)),
  });
  if (config.pageoutIdleUs > 0) session.ctx.setSchemes([pageoutIdle(config.pageoutIdleUs, config.attrs.aggrUs)]);
  const tracker = config.accuracy ? trackAccuracy(session.workload, session.ctx) : null;
  const startUs = session.sim.now;
  io.started({
    kind: "session",
    name: session.workload.task.comm,
    pid: session.workload.task.pid,
    startUs,
    endUs: session.endUs,
    attrs: config.attrs,
    areas: session.workload.areas.map(({ name, start, end }) => ({ name, start, end })),
  });

  let compared = 0;
  let lastPublish = -Infinity;
  const publish = () => {
    if (tracker) compared = fillAccuracy(log, tracker, compared);
    log.publish();
    io.progress(session.sim.now, pacer.paused);
    lastPublish = performance.now();
  };
  const began = performance.now();
  const waitedBefore = pacer.waitedMs;
  const summary = await session.run(async (now) => {
    if (performance.now() - lastPublish >= PUBLISH_EVERY_MS) publish();
    return pacer.gate(now, publish);
  }, chunkUs(config));
  publish();
  tracker?.dispose();
  const record = concatBytes(chunks);
  return {
    summary: {
      kind: "session",
      snapshots: summary.snapshots,
      virtualUs: summary.virtualUs - startUs,
      wallMs: performance.now() - began - (pacer.waitedMs - waitedBefore),
      interrupted: summary.interrupted,
      accuracy: tracker?.report() ?? null,
    },
    record,
  };
}

/**
 * One aggregation interval, rounded up to whole sampling intervals: chunk ends that are not
 * on a sampling boundary change what the fast engine draws, and with it the record.
 */
export function chunkUs(config: Pick<RunConfig, "attrs">): number {
  const { sampleUs, aggrUs } = config.attrs;
  return sampleUs > 0 ? Math.max(1, Math.ceil(aggrUs / sampleUs)) * sampleUs : Math.max(1, aggrUs);
}

function fillAccuracy(log: LogWriter, tracker: AccuracyTracker, from: number): number {
  const intervals = tracker.intervals;
  for (let i = from; i < intervals.length; i++) {
    const a = intervals[i];
    log.setAccuracy(a.endUs * 1000, {
      wssTrue: a.wssTrue,
      hotPrecision: a.hotDamon ? a.hotBoth / a.hotDamon : 1,
      hotRecall: a.hotTrue ? a.hotBoth / a.hotTrue : 1,
      frequencyMae: a.bytes ? a.absError / a.bytes : 0,
    });
  }
  return intervals.length;
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** DAMOS: page out any region that saw no access for `idleUs`. */
function pageoutIdle(idleUs: number, aggrUs: number): DamosSpec {
  return {
    pattern: {
      minSzRegion: 0,
      maxSzRegion: UNLIMITED,
      minNrAccesses: 0,
      maxNrAccesses: 0,
      minAgeRegion: Math.max(1, Math.ceil(idleUs / aggrUs)),
      maxAgeRegion: UNLIMITED,
    },
    action: "pageout",
    quota: { ms: 0, sz: 0, resetIntervalMs: 0, weightSz: 0, weightNrAccesses: 0, weightAge: 0 },
    wmarks: { metric: 0, intervalUs: 0, high: 0, mid: 0, low: 0 },
  };
}
