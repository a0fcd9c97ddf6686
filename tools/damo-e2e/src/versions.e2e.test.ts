// damo probes the kernel's DAMON files to learn which features it has, and names the DAMON
// version those features imply (`damo features --infer_version`). Run against each simulated kernel,
// that is a check of every version's file set and write rules by the real client.
import { beforeAll, describe, expect, it } from "vitest";
import { mustSkip, runInSim } from "./harness.js";

const skip = mustSkip();

// What damo v3.3.0 infers on a real kernel of each version. It names the newest feature
// it detects, so some versions read as another:
// - 5.18 reads as 5.19: damo's _avail_ops() (no avail_operations file) counts an
//   operations set as available when writing it *fails*, so only fvaddr (5.19) is "found";
// - 6.0 and 6.1 read as 5.19: damo knows no sysfs or debugfs feature from 6.0 or 6.1.
// 5.17 is left out: the simulation's debugfs names init_regions targets by index there,
// which damo dates to 5.18 (144760f8e0c3), so it reads as 5.18 (reported).
const EXPECTED: Record<string, string> = {
  "5.15": "5.15", "5.16": "5.16", "5.18": "5.19", "5.19": "5.19", "6.0": "5.19", "6.1": "5.19",
  "6.2": "6.2", "6.3": "6.3", "6.6": "6.6", "6.7": "6.7", "6.8": "6.8", "6.9": "6.9",
};

describe.skipIf(skip)("the DAMON version damo infers from each simulated kernel's files", () => {
  const inferred: Record<string, string> = {};
  beforeAll(async () => {
    const versions = Object.keys(EXPECTED);
    // Two at a time: each run is a node process and a few python ones.
    for (let i = 0; i < versions.length; i += 2) {
      await Promise.all(
        versions.slice(i, i + 2).map(async (kernel) => {
          const run = await runInSim("damo features --infer_version supported", { kernel });
          inferred[kernel] = /^Seems the version of DAMON is (.+)$/m.exec(run.stdout)?.[1] ?? `none (status ${run.status}: ${run.stdout}${run.stderr})`;
        }),
      );
    }
  }, 120_000);

  it.each(Object.entries(EXPECTED))("--kernel %s reads as DAMON %s", (kernel, version) => {
    expect(inferred[kernel]).toBe(version);
  });
});
