// Heatmaps of a synthetic record: a hot band in the middle of the address range.
import { decode } from "fast-png";
import { describe, expect, it } from "vitest";
import type { RecordSnapshot } from "../types.js";
import { computeHeatmaps, reportHeatmap } from "./heatmap.js";
import { heatLevel } from "./heatmap-text.js";

const PAGE = 4096;
const MS = 1_000_000;
const ESC = "\u001b";

/** 50 snapshots of 100 ms over pages [0, 80): pages [32, 48) are hot (20 accesses), the rest cold. */
function hotBand(): RecordSnapshot[] {
  return Array.from({ length: 50 }, (_, i) => ({
    startNs: i * 100 * MS,
    endNs: (i + 1) * 100 * MS,
    targets: [
      {
        id: 7,
        regions: [
          { start: 0, end: 32 * PAGE, nrAccesses: 0, age: i },
          { start: 32 * PAGE, end: 48 * PAGE, nrAccesses: 20, age: i },
          { start: 48 * PAGE, end: 80 * PAGE, nrAccesses: 0, age: i },
        ],
      },
    ],
  }));
}

describe("report heatmap", () => {
  it("stdout: level 8 exactly in the hot columns, 0 elsewhere; damo's footer", async () => {
    const out = await reportHeatmap(hotBand(), { color: false });
    const lines = out.split("\n");
    const rows = lines.slice(0, 40);
    // 40 rows of 125 ms: the first snapshot is skipped, so row 0 only has 25 ms of heat (mean 4 -> level 1)
    const band = (level: number) => "0".repeat(32) + String(level).repeat(16) + "0".repeat(32);
    expect(rows[0]).toBe(band(1));
    for (const row of rows.slice(1)) expect(row).toBe(band(8));
    expect(lines.slice(40)).toEqual([
      "# access_frequency: 0123456789",
      "# x-axis: space (0-327680: 320.000 KiB)",
      "# y-axis: time (0-5000000000: 5 s)",
      "# resolution: 80x40 (4.000 KiB and 125 ms for each character)",
      "",
    ]);
  });

  it("stdout: ANSI colours of the chosen colour set unless colour is off", async () => {
    const out = await reportHeatmap(hotBand(), { colorset: "flame" });
    const row = out.split("\n")[5];
    expect(row.startsWith(`${ESC}[48;5;232m${ESC}[38;5;239m0`)).toBe(true);
    expect(row).toContain(`${ESC}[48;5;26m${ESC}[38;5;251m8`);
    expect(row.endsWith(`${ESC}[0m`)).toBe(true);
    expect(out).toContain(`# access_frequency: ${ESC}[48;5;232m${ESC}[38;5;239m0${ESC}[48;5;1m${ESC}[38;5;235m1`);
    expect(await reportHeatmap(hotBand(), { color: false })).not.toContain(ESC);
  });

  it("levels follow int((heat - min) / ((max + 1 - min) / 9)), capped at 9", () => {
    expect([0, 4, 20].map((h) => heatLevel(h, 0, 20))).toEqual([0, 1, 8]);
    expect(heatLevel(1e9, 0, 1e9)).toBe(8);
    expect(heatLevel(10, 0, 1)).toBe(9);
  });

  it("heat is the time- and size-weighted mean of nr_accesses over each pixel", async () => {
    // 4 rows of 1.25 s, 2 columns of 40 pages, each holding 8 of the 16 hot pages
    const [map] = await computeHeatmaps(hotBand(), { resol: [4, 2] });
    expect([map.timeUnit, map.addrUnit]).toEqual([1250 * MS, 40 * PAGE]);
    expect(map.heats[2]).toBeCloseTo((20 * 8) / 40, 12);
    expect(map.heats[3]).toBeCloseTo((20 * 8) / 40, 12);
    // row 0 lost the skipped first snapshot: 1150 of its 1250 ms
    expect(map.heats[0]).toBeCloseTo(((20 * 8) / 40) * (1150 / 1250), 12);
    const [fine] = await computeHeatmaps(hotBand(), { resol: [4, 4] });
    expect(Array.from(fine.heats.subarray(8, 12), (h) => Math.round(h * 1e9) / 1e9)).toEqual([0, 8, 8, 0]);
  });

  it("raw: one '<time>\\t<addr>\\t<heat>' line per pixel, relative or absolute", async () => {
    const raw = (await reportHeatmap(hotBand(), { output: "raw", resol: [2, 4] })).trimEnd().split("\n");
    expect(raw).toHaveLength(8);
    expect(raw[4]).toBe("2500000000\t0\t0.0");
    // damo's running mean leaves float noise, printed with Python's repr
    expect(raw[5]).toMatch(/^2500000000\t81920\t8\.0+\d*$/);
    const abs = await reportHeatmap(hotBand(), { output: "raw", resol: [2, 4], absTime: true, absAddr: true, timeRange: [100 * MS, 4100 * MS], addressRange: [[PAGE, 81 * PAGE]] });
    expect(abs.split("\n")[1]).toMatch(/^100000000\t86016\t/);
  });

  it("png: decodes to the resolution, hot band brighter than the cold columns", async () => {
    const png = await reportHeatmap(hotBand(), { output: "png", resol: [40, 80] });
    const image = decode(png);
    expect([image.width, image.height, image.channels]).toEqual([80, 40, 3]);
    const pixel = (x: number, y: number) => Array.from(image.data.slice((y * 80 + x) * 3, (y * 80 + x) * 3 + 3));
    expect(pixel(40, 20)).not.toEqual(pixel(10, 20));
    expect(pixel(40, 20)).toEqual([255, 255, 0]);
    expect(pixel(10, 20)).toEqual([0, 0, 0]);
    expect(pixel(70, 30)).toEqual(pixel(10, 20));
  });

  it("svg: one rect per run of equal colour, the band as a yellow run per row", async () => {
    const svg = await reportHeatmap(hotBand(), { output: "svg", resol: [40, 80] });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="80" height="40"/);
    expect(svg.match(/<rect x="32" y="\d+" width="16" height="1" fill="#ffff00"\/>/g)).toHaveLength(39);
  });

  it("default address range: the contiguous range with the most heat per byte; guide lists them all", async () => {
    const shifted = hotBand().map((s) => ({
      ...s,
      targets: [{ ...s.targets[0], regions: [...s.targets[0].regions, { start: 1 << 30, end: (1 << 30) + 8 * PAGE, nrAccesses: 1, age: null }] }],
    }));
    const [hottest] = await computeHeatmaps(shifted);
    expect([hottest.addrStart, hottest.addrStart + hottest.addrUnit * hottest.cols]).toEqual([0, 80 * PAGE]);
    const all = await computeHeatmaps(shifted, { drawRange: "all", resol: [10, 8] });
    expect(all.map((m) => m.addrStart)).toEqual([0, 1 << 30]);
    expect(await reportHeatmap(shifted, { guide: true })).toBe(
      [
        "kdamond_idx: None",
        "context_idx: None",
        "scheme_idx: None",
        "target_id: 7",
        "time: 0-5000000000 (5 s)",
        "region\t 0: 00000000000000000000-00000000000000327680 (320.000 KiB)",
        "region\t 1: 00000000001073741824-00000000001073774592 (32.000 KiB)",
        "",
      ].join("\n"),
    );
  });
});
