import type { Heatmap } from "./heatmap.js";
import { COLOR_END, MAX_LEVEL, colorSamples, colorStart, type Colorset } from "./colors.js";
import { formatSz, formatTimeNs, pyFloatRepr, pyInt, pyStr } from "../pyfmt.js";

/** Lowest and highest heat over the pixels that got any. */
export function heatBounds(map: Heatmap): { low: number; high: number } | null {
  let low = Infinity;
  let high = -Infinity;
  for (const h of map.heats) {
    if (Number.isNaN(h)) continue;
    if (h < low) low = h;
    if (h > high) high = h;
  }
  return high === -Infinity ? null : { low, high };
}

/** damo's level: int((heat - min) / ((max + 1 - min) / 9)), at most 9. */
export function heatLevel(heat: number, low: number, high: number): number {
  return Math.min(MAX_LEVEL, Math.trunc((heat - low) / ((high + 1 - low) / 9)));
}

/** The stdout heatmap: one digit per pixel (blank where nothing was seen), then damo's footer. */
export function heatmapAscii(map: Heatmap, options: { colorset?: Colorset; color?: boolean } = {}): string {
  const set = options.colorset ?? "gray";
  const color = options.color ?? true;
  const bounds = heatBounds(map);
  if (!bounds) return "None"; // what damo prints when no snapshot falls in the ranges
  const lines: string[] = [];
  for (let row = 0; row < map.rows; row++) {
    let line = "";
    for (let col = 0; col < map.cols; col++) {
      const heat = map.heats[row * map.cols + col];
      if (Number.isNaN(heat)) line += " ";
      else {
        const level = heatLevel(heat, bounds.low, bounds.high);
        line += (color ? colorStart(set, level) : "") + level;
      }
    }
    lines.push(color ? line + COLOR_END : line);
  }
  const tEnd = map.timeStart + map.timeUnit * map.rows;
  const aEnd = map.addrStart + map.addrUnit * map.cols;
  lines.push(
    `# access_frequency: ${colorSamples(set, color)}`,
    `# x-axis: space (${pyInt(map.addrStart)}-${pyInt(aEnd)}: ${formatSz(aEnd - map.addrStart, false)})`,
    `# y-axis: time (${pyInt(map.timeStart)}-${pyInt(tEnd)}: ${formatTimeNs(tEnd - map.timeStart, false)})`,
    `# resolution: ${map.cols}x${map.rows} (${formatSz((aEnd - map.addrStart) / map.cols, false)} and ${formatTimeNs((tEnd - map.timeStart) / map.rows, false)} for each character)`,
  );
  return lines.join("\n");
}

/** damo's raw heatmap: "<time>\t<addr>\t<heat>" per pixel; pixels nothing fell in get -max. */
export function heatmapRaw(map: Heatmap, options: { absTime?: boolean; absAddr?: boolean } = {}): string {
  const unknown = (heatBounds(map)?.high ?? 0) * -1;
  const lines: string[] = [];
  for (let row = 0; row < map.rows; row++) {
    const pixelTime = Math.trunc(map.timeStart + row * map.timeUnit);
    const time = options.absTime ? pyInt(pixelTime) : pyStr(pixelTime - map.timeStart, map.timeStartIsFloat);
    for (let col = 0; col < map.cols; col++) {
      const pixelAddr = Math.trunc(map.addrStart + col * map.addrUnit);
      const addr = pyInt(options.absAddr ? pixelAddr : pixelAddr - map.addrStart);
      const heat = map.heats[row * map.cols + col];
      lines.push(`${time}\t${addr}\t${pyFloatRepr(Number.isNaN(heat) ? unknown : heat)}`);
    }
  }
  return lines.join("\n");
}
