import { computeHeatmaps } from "@damon-sim/record";
import { Session } from "@damon-sim/session";
import { describe, expect, it } from "vitest";
import { snapshotEntry } from "./entries.js";
import { HeatModel } from "./heat-model.js";
import { messageTransport } from "./log-transport.js";
import { LogReader, LogWriter } from "./snapshot-log.js";

const RESOL: [number, number] = [120, 60];

/** A stairs run in a log, published every `everyUs` of virtual time, updating the model as the page would. */
async function run(model: HeatModel, spanUs: number, everyUs: number) {
  const reader = new LogReader();
  const writer = new LogWriter(messageTransport((words) => reader.addSegment(words)));
  const session = await Session.create({ workload: { builtin: "stairs" }, seed: 4, durationUs: spanUs, onSnapshot: (s) => writer.append(snapshotEntry(s)) });
  await session.run(async () => {
    writer.publish();
    reader.sync();
    await model.update(reader, { zoom: null, spanNs: spanUs * 1000 }, false);
  }, everyUs);
  return reader;
}

describe("the heatmap model", () => {
  it("bins a live run batch by batch as computeHeatmaps bins it all at once", async () => {
    const model = new HeatModel(RESOL);
    const reader = await run(model, 8e6, 700_000);
    const guide = model.guides[0];
    const [whole] = await computeHeatmaps(reader.snapshots(), {
      resol: RESOL,
      addressRange: [model.defaultRange()!],
      timeRange: [guide.startNs, guide.startNs + 8e9],
    });
    const live = model.map!;
    expect([live.addrStart, live.addrUnit, live.timeStart, live.timeUnit]).toEqual([whole.addrStart, whole.addrUnit, whole.timeStart, whole.timeUnit]);
    whole.heats.forEach((h, i) => {
      if (Number.isNaN(h)) expect(live.heats[i]).toBeNaN();
      else expect(live.heats[i]).toBeCloseTo(h, 6);
    });
  });

  it("at the end, is exactly `report heatmap`'s map (its default range and time span)", async () => {
    const model = new HeatModel(RESOL);
    const reader = await run(model, 5e6, 1_000_000);
    await model.update(reader, { zoom: null, spanNs: 5e9 }, true);
    const [report] = await computeHeatmaps(reader.snapshots(), { resol: RESOL });
    expect(model.map).toEqual(report);
  });

  it("zooms to an address range", async () => {
    const model = new HeatModel(RESOL);
    const reader = await run(model, 3e6, 1_000_000);
    const [start] = model.defaultRange()!;
    const zoom: [number, number] = [start, start + 16 * 2 ** 20];
    await model.update(reader, { zoom }, true);
    expect(model.map!.addrStart).toBe(zoom[0]);
    expect(model.map!.addrUnit).toBe(Math.floor((zoom[1] - zoom[0]) / RESOL[1]));
  });
});
