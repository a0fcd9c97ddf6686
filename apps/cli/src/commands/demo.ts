import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordCommand } from "./record.js";
import { reportHeatmapCommand, reportWssCommand } from "./report.js";

export interface DemoOptions {
  seed: number;
  workload: string;
  color: boolean;
}

/**
 * What `npm start` shows: `damon-sim record` of a stairs workload with the seed commit's
 * attrs, then the heatmap and the working-set table of that record.
 */
export async function demoCommand(options: DemoOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "damon-sim-demo-"));
  const record = join(dir, "damon.data");
  try {
    const attrs = "5000 100000 1000000 10 1000";
    process.stdout.write(`$ damon-sim record ${options.workload} --attrs "${attrs}" --accuracy\n`);
    await recordCommand(options.workload, { attrs, seed: options.seed, ops: "vaddr", out: record, output_type: "json_compressed", accuracy: true });
    process.stdout.write(`\n$ damon-sim report heatmap\n`);
    process.stdout.write(await reportHeatmapCommand({ input: record, output: "stdout", draw_range: "hottest", stdout_colorset: "flame", color: options.color }));
    process.stdout.write(`\n$ damon-sim report wss\n`);
    process.stdout.write(await reportWssCommand({ input: record, acc_thres: 1, sz_thres: 1, exclude_samples: 20, work_time: 1, sortby: "size" }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
