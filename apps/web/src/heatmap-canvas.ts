import { heatBounds, heatLevel, palette, type Colorset, type Heatmap } from "@damon-sim/record";
import { levelColors } from "./colors.js";
import { formatAddress, formatSeconds } from "./format.js";

/** Palettes: damo's image palette (gnuplot's default, continuous) or its terminal colour sets (levels 0–9). */
export type Palette = "gnuplot" | Colorset;

// Plot area inside the canvas, CSS pixels: room for address labels left and time labels below.
const MARGIN = { left: 112, right: 10, top: 8, bottom: 24 };
const EMPTY: [number, number, number] = [22, 27, 34];

export interface Cell {
  row: number;
  col: number;
}

/**
 * Draws a Heatmap with time across (left to right) and addresses up (low at the bottom), as
 * damo's image heatmaps do, plus axes, the live time and the keyboard/hover cell.
 */
export class HeatmapCanvas {
  readonly canvas: HTMLCanvasElement;
  readonly #image = document.createElement("canvas");
  #palette: Palette = "gnuplot";
  #painted = -1;

  constructor(canvas: HTMLCanvasElement) {
    this.canvas = canvas;
  }

  set palette(p: Palette) {
    this.#palette = p;
  }

  /** The plot rectangle in CSS pixels. */
  plot(): { x: number; y: number; w: number; h: number } {
    const { clientWidth, clientHeight } = this.canvas;
    return { x: MARGIN.left, y: MARGIN.top, w: Math.max(1, clientWidth - MARGIN.left - MARGIN.right), h: Math.max(1, clientHeight - MARGIN.top - MARGIN.bottom) };
  }

  /** The cell under a point (CSS pixels relative to the canvas), or null outside the plot. */
  cellAt(map: Heatmap, x: number, y: number): Cell | null {
    const p = this.plot();
    if (x < p.x || y < p.y || x >= p.x + p.w || y >= p.y + p.h) return null;
    return { row: Math.floor(((x - p.x) / p.w) * map.rows), col: map.cols - 1 - Math.floor(((y - p.y) / p.h) * map.cols) };
  }

  /** The address at a canvas y (clamped to the plot). */
  addressAt(map: Heatmap, y: number): number {
    const p = this.plot();
    const f = 1 - Math.min(1, Math.max(0, (y - p.y) / p.h));
    return map.addrStart + f * map.addrUnit * map.cols;
  }

  /** Draws `map`; its image is repainted only when `version` changed. */
  draw(map: Heatmap | null, version: number, overlay: { nowNs?: number; cell?: Cell | null; selection?: [number, number] | null; message?: string }): void {
    const ctx = this.#context();
    const { clientWidth: width, clientHeight: height } = this.canvas;
    ctx.clearRect(0, 0, width, height);
    const p = this.plot();
    ctx.fillStyle = `rgb(${EMPTY.join(",")})`;
    ctx.fillRect(p.x, p.y, p.w, p.h);
    if (!map) {
      if (overlay.message) this.#centered(ctx, overlay.message);
      return;
    }
    if (version !== this.#painted) {
      this.#paint(map);
      this.#painted = version;
    }
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.#image, p.x, p.y, p.w, p.h);
    this.#axes(ctx, map);
    const xOf = (timeNs: number) => p.x + ((timeNs - map.timeStart) / (map.timeUnit * map.rows)) * p.w;
    const yOf = (addr: number) => p.y + p.h - ((addr - map.addrStart) / (map.addrUnit * map.cols)) * p.h;
    if (overlay.nowNs !== undefined) {
      const x = Math.min(p.x + p.w, xOf(overlay.nowNs));
      ctx.strokeStyle = "rgba(126, 231, 135, 0.8)";
      ctx.beginPath();
      ctx.moveTo(x + 0.5, p.y);
      ctx.lineTo(x + 0.5, p.y + p.h);
      ctx.stroke();
    }
    if (overlay.cell) {
      const cw = p.w / map.rows;
      const ch = p.h / map.cols;
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 1.5;
      ctx.strokeRect(p.x + overlay.cell.row * cw, p.y + (map.cols - 1 - overlay.cell.col) * ch, Math.max(cw, 3), Math.max(ch, 3));
      ctx.lineWidth = 1;
    }
    if (overlay.selection) {
      const [a, b] = overlay.selection;
      const y0 = yOf(Math.max(a, b));
      ctx.fillStyle = "rgba(88, 166, 255, 0.25)";
      ctx.fillRect(p.x, y0, p.w, yOf(Math.min(a, b)) - y0);
    }
  }

  #context(): CanvasRenderingContext2D {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.round(this.canvas.clientWidth * ratio);
    const h = Math.round(this.canvas.clientHeight * ratio);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    const ctx = this.canvas.getContext("2d")!;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return ctx;
  }

  // One image pixel per heatmap pixel; the canvas scales it.
  #paint(map: Heatmap): void {
    const { rows, cols, heats } = map;
    this.#image.width = rows;
    this.#image.height = cols;
    const ctx = this.#image.getContext("2d")!;
    const image = ctx.createImageData(rows, cols);
    const { low, high } = heatBounds(map) ?? { low: 0, high: 0 };
    const levels = this.#palette === "gnuplot" ? null : levelColors(this.#palette);
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < cols; col++) {
        const heat = heats[row * cols + col];
        const rgb = Number.isNaN(heat) ? EMPTY : levels ? levels[heatLevel(heat, low, high)] : palette(high > low ? (heat - low) / (high - low) : 0);
        const i = ((cols - 1 - col) * rows + row) * 4;
        image.data[i] = rgb[0];
        image.data[i + 1] = rgb[1];
        image.data[i + 2] = rgb[2];
        image.data[i + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
  }

  #axes(ctx: CanvasRenderingContext2D, map: Heatmap): void {
    const p = this.plot();
    ctx.fillStyle = "#9da7b3";
    ctx.font = "11px ui-monospace, monospace";
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    const span = map.addrUnit * map.cols;
    for (let k = 0; k <= 4; k++) {
      const y = p.y + p.h - (k / 4) * p.h;
      ctx.fillText(formatAddress(map.addrStart + (k / 4) * span), p.x - 6, Math.min(Math.max(y, p.y + 6), p.y + p.h - 6));
    }
    ctx.textBaseline = "top";
    const duration = map.timeUnit * map.rows;
    for (let k = 0; k <= 5; k++) {
      ctx.textAlign = k === 0 ? "left" : k === 5 ? "right" : "center";
      ctx.fillText(formatSeconds((k / 5) * duration), p.x + (k / 5) * p.w, p.y + p.h + 6);
    }
  }

  #centered(ctx: CanvasRenderingContext2D, text: string): void {
    const p = this.plot();
    ctx.fillStyle = "#9da7b3";
    ctx.font = "13px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(text, p.x + p.w / 2, p.y + p.h / 2);
  }
}
