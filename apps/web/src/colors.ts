import { COLORSETS, type Colorset } from "@damon-sim/record";

export const COLORSET_NAMES = Object.keys(COLORSETS) as Colorset[];

const SYSTEM: ReadonlyArray<[number, number, number]> = [
  [0, 0, 0], [205, 0, 0], [0, 205, 0], [205, 205, 0], [0, 0, 238], [205, 0, 205], [0, 205, 205], [229, 229, 229],
  [127, 127, 127], [255, 0, 0], [0, 255, 0], [255, 255, 0], [92, 92, 255], [255, 0, 255], [0, 255, 255], [255, 255, 255],
];

/** xterm's 256-colour palette entry as RGB (what damo's terminal heatmap shows). */
export function xterm256(code: number): [number, number, number] {
  if (code < 16) return SYSTEM[code];
  if (code >= 232) {
    const v = 8 + (code - 232) * 10;
    return [v, v, v];
  }
  const c = code - 16;
  const level = (n: number) => (n ? 55 + n * 40 : 0);
  return [level(Math.floor(c / 36)), level(Math.floor(c / 6) % 6), level(c % 6)];
}

/**
 * RGB per heat level 0–9 of a damo colorset: its background colours, except that gray's are
 * all black (damo shows gray's levels by the digit colour), so gray uses the foregrounds.
 */
export function levelColors(set: Colorset): Array<[number, number, number]> {
  const [background, foreground] = COLORSETS[set];
  const codes = set === "gray" ? foreground : background;
  return codes.map(xterm256);
}
