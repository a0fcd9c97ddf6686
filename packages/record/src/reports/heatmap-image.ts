import { encode } from "fast-png";
import type { Heatmap } from "./heatmap.js";
import { palette } from "./colors.js";
import { heatBounds } from "./heatmap-text.js";
import { formatSz, formatTimeNs, pyInt } from "../pyfmt.js";

/** Each pixel's colour: gnuplot's default palette over min-max heat; black where nothing fell. */
function colours(map: Heatmap): Uint8Array {
  const rgb = new Uint8Array(map.rows * map.cols * 3);
  const bounds = heatBounds(map);
  const span = bounds && bounds.high > bounds.low ? bounds.high - bounds.low : 1;
  map.heats.forEach((heat, i) => {
    if (Number.isNaN(heat) || !bounds) return;
    rgb.set(palette((heat - bounds.low) / span), i * 3);
  });
  return rgb;
}

/** The heatmap as an RGB PNG, one pixel per cell: time runs down the rows, addresses across. */
export function heatmapPng(map: Heatmap): Uint8Array {
  return encode({ width: map.cols, height: map.rows, data: colours(map), channels: 3, depth: 8 });
}

/** The heatmap as SVG: one rect per run of same-coloured cells in a row, same layout as the PNG. */
export function heatmapSvg(map: Heatmap): string {
  const rgb = colours(map);
  const hex = (i: number) => `#${Array.from(rgb.subarray(i * 3, i * 3 + 3), (c) => c.toString(16).padStart(2, "0")).join("")}`;
  const aEnd = map.addrStart + map.addrUnit * map.cols;
  const tEnd = map.timeStart + map.timeUnit * map.rows;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${map.cols}" height="${map.rows}" viewBox="0 0 ${map.cols} ${map.rows}" shape-rendering="crispEdges">`,
    `<title>DAMON access heatmap: x space ${pyInt(map.addrStart)}-${pyInt(aEnd)} (${formatSz(aEnd - map.addrStart, false)}), y time ${pyInt(map.timeStart)}-${pyInt(tEnd)} (${formatTimeNs(tEnd - map.timeStart, false)})</title>`,
    `<rect width="${map.cols}" height="${map.rows}" fill="#000000"/>`,
  ];
  for (let row = 0; row < map.rows; row++) {
    for (let col = 0; col < map.cols; ) {
      const fill = hex(row * map.cols + col);
      let end = col + 1;
      while (end < map.cols && hex(row * map.cols + end) === fill) end++;
      if (fill !== "#000000") out.push(`<rect x="${col}" y="${row}" width="${end - col}" height="1" fill="${fill}"/>`);
      col = end;
    }
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}
