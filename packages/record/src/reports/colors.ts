// damo's terminal colour sets: [background, foreground] 256-colour codes per level 0-9.
export const COLORSETS = {
  gray: [
    [232, 232, 232, 232, 232, 232, 232, 232, 232, 232],
    [237, 239, 241, 243, 245, 247, 249, 251, 253, 255],
  ],
  flame: [
    [232, 1, 1, 2, 3, 3, 20, 21, 26, 27],
    [239, 235, 237, 239, 243, 245, 247, 249, 251, 255],
  ],
  emotion: [
    [232, 234, 20, 21, 26, 2, 3, 1, 1, 1],
    [239, 235, 237, 239, 243, 245, 247, 249, 251, 255],
  ],
} as const;

export type Colorset = keyof typeof COLORSETS;

export const MAX_LEVEL = 9;
export const COLOR_END = "\u001b[0m";

export function colorStart(set: Colorset, level: number): string {
  return `\u001b[48;5;${COLORSETS[set][0][level]}m\u001b[38;5;${COLORSETS[set][1][level]}m`;
}

/** The "# access_frequency:" legend: each level in its colour, or plain digits. */
export function colorSamples(set: Colorset, color: boolean): string {
  const levels = Array.from({ length: MAX_LEVEL + 1 }, (_, l) => (color ? colorStart(set, l) : "") + l);
  return levels.join("") + (color ? COLOR_END : "");
}

/** gnuplot's default pm3d palette (rgbformulae 7,5,15), which damo's image heatmaps use. */
export function palette(x: number): [number, number, number] {
  const v = Math.min(1, Math.max(0, x));
  const channel = (c: number) => Math.round(255 * Math.min(1, Math.max(0, c)));
  return [channel(Math.sqrt(v)), channel(v ** 3), channel(Math.sin(2 * Math.PI * v))];
}
