import { describe, expect, it } from "vitest";
import { SYSFS_VERSIONS, sysfsBehaviour } from "./versions.js";

describe("versions", () => {
  it("turns on 6.7's tried-regions snapshot and commit target checks at 6.7", () => {
    const on = (v: (typeof SYSFS_VERSIONS)[number]) => [sysfsBehaviour(v).triedRegionsOneSnapshot, sysfsBehaviour(v).commitChecksTargetUpdate];
    expect(on("6.6")).toEqual([false, false]);
    expect(on("6.7")).toEqual([true, true]);
    expect(on("6.9")).toEqual([true, true]);
  });

  it("takes core's switches from dbgfs's preset at or before each release, 6.7 from 6.8's", () => {
    const core = Object.fromEntries(SYSFS_VERSIONS.map((v) => [v, sysfsBehaviour(v).coreVersion]));
    expect(core).toEqual({
      "5.18": "5.18", "5.19": "5.18", "6.0": "6.0", "6.1": "6.1", "6.2": "6.1", "6.3": "6.1", "6.6": "6.1",
      "6.7": "6.8", "6.8": "6.8", "6.9": "6.9",
    });
    expect(sysfsBehaviour("6.7").core.sampleCountTiming).toBe(true);
    expect(sysfsBehaviour("6.6").core.sampleCountTiming).toBe(false);
    expect(() => sysfsBehaviour("6.4" as never)).toThrow(RangeError);
  });

  it("lists state keywords in the kernel's order", () => {
    expect(sysfsBehaviour("6.9").stateCommands).toEqual([
      "on", "off", "commit", "commit_schemes_quota_goals", "update_schemes_stats", "update_schemes_tried_bytes",
      "update_schemes_tried_regions", "clear_schemes_tried_regions", "update_schemes_effective_quotas",
    ]);
    expect(sysfsBehaviour("5.18").stateCommands).toEqual(["on", "off", "update_schemes_stats"]);
  });
});
