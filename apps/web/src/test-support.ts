// Helpers shared by the web app's tests (not part of the app bundle).
import { Session } from "@damon-sim/session";
import type { RunConfig } from "./protocol.js";

/** The record `damon-sim record` writes for the same inputs (Session, 100 ms chunks). */
export async function cliRecord(config: Pick<RunConfig, "workload" | "attrs" | "seed" | "durationUs">): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const session = await Session.create({
    workload: config.workload,
    attrs: config.attrs,
    seed: config.seed,
    durationUs: config.durationUs,
    record: { format: "json_compressed", sink: { write: (c) => void chunks.push(c.slice()) } },
  });
  await session.run(undefined, 100_000);
  return Buffer.concat(chunks);
}
