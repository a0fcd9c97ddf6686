import { formatGuides, heatLevel, type Heatmap } from "@damon-sim/record";
import { COLORSET_NAMES } from "./colors.js";
import { formatAddress, formatBytes, formatSeconds } from "./format.js";
import { HeatmapCanvas, type Cell, type Palette } from "./heatmap-canvas.js";
import { HeatModel } from "./heat-model.js";
import type { LogReader } from "./snapshot-log.js";

/** Time bins × address bins, as the report's resol. */
const RESOLUTION: [number, number] = [400, 200];
// While live, binning at most this often leaves the worker its core (a 2-core machine has
// one for each) and still redraws ten times a second.
const LIVE_REFRESH_MS = 100;
// Zooming stops where an address bin would get below a page.
const MIN_ZOOM_BYTES = RESOLUTION[1] * 4096;

export interface HeatmapElements {
  canvas: HTMLCanvasElement;
  tooltip: HTMLElement;
  inspector: HTMLElement;
  guide: HTMLElement;
  guideText: HTMLElement;
  zoomForm: HTMLFormElement;
  zoomFrom: HTMLInputElement;
  zoomTo: HTMLInputElement;
  zoomReset: HTMLButtonElement;
  palette: HTMLSelectElement;
}

/**
 * The live heatmap: binned by HeatModel, drawn by HeatmapCanvas; zoom by dragging over
 * addresses, the range fields, the guide's ranges or +/- keys; hover or arrow keys show the
 * region under the cell.
 */
export class HeatmapPanel {
  readonly model = new HeatModel(RESOLUTION);
  readonly #el: HeatmapElements;
  readonly #canvas: HeatmapCanvas;
  #reader: LogReader | null = null;
  #spanNs: number | undefined;
  #nowNs: number | undefined;
  #zoom: [number, number] | null = null;
  #cell: Cell | null = null;
  #drag: { from: number; to: number; y: number } | null = null;
  #message = "Run a workload or open a record";
  // Updates run one at a time; a request during one runs once it is done.
  #busy = false;
  #again: boolean | null = null;
  #final = false;
  #lastUpdate = -Infinity;
  #trailing = 0;
  // Drawing waits for the next frame; the image is repainted only when the heat changed.
  #dirty = true;
  #version = 0;

  constructor(el: HeatmapElements) {
    this.#el = el;
    this.#canvas = new HeatmapCanvas(el.canvas);
    for (const name of ["gnuplot", ...COLORSET_NAMES]) el.palette.add(new Option(name, name));
    el.palette.addEventListener("change", () => {
      this.#canvas.palette = el.palette.value as Palette;
      this.#version++;
      this.draw();
    });
    el.zoomForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const from = Number(el.zoomFrom.value.trim());
      const to = Number(el.zoomTo.value.trim());
      if (Number.isFinite(from) && Number.isFinite(to) && to > from) this.zoomTo([from, to]);
      else el.zoomFrom.setCustomValidity("addresses, e.g. 0x7f0000000000");
      el.zoomFrom.reportValidity();
      el.zoomFrom.setCustomValidity("");
    });
    el.zoomReset.addEventListener("click", () => this.zoomTo(null));
    this.#pointer();
    el.canvas.addEventListener("keydown", (event) => this.#key(event));
    el.canvas.addEventListener("blur", () => this.#hover(null));
    new ResizeObserver(() => this.draw()).observe(el.canvas);
  }

  /** A new log to show; `live` runs give their planned length so the time axis stays put. */
  show(reader: LogReader, live: { spanNs: number } | null): void {
    this.#reader = reader;
    this.#spanNs = live?.spanNs;
    this.#nowNs = undefined;
    this.#zoom = null;
    this.#final = false;
    this.#cell = null;
    this.#message = "Waiting for the first aggregation…";
    this.model.reset();
    this.#syncZoomFields();
    this.#renderGuide();
    this.draw();
  }

  /** The live run reached `nowNs` (relative to its start). */
  setNow(nowNs: number | undefined): void {
    this.#nowNs = nowNs;
    this.draw();
  }

  /** Bins new snapshots; `final` (the run or the reading is over) bins everything as the report does. */
  refresh(final = false): void {
    if (final) this.#final = true;
    const wait = this.#lastUpdate + LIVE_REFRESH_MS - performance.now();
    if (!this.#final && wait > 0) {
      this.#trailing ||= window.setTimeout(() => {
        this.#trailing = 0;
        this.refresh();
      }, wait);
      return;
    }
    if (this.#busy) {
      this.#again = (this.#again ?? false) || final;
      return;
    }
    void this.#update();
  }

  zoomTo(range: [number, number] | null): void {
    if (range) {
      const mid = (range[0] + range[1]) / 2;
      const half = Math.max(range[1] - range[0], MIN_ZOOM_BYTES) / 2;
      range = [Math.max(0, Math.floor(mid - half)), Math.ceil(mid + half)];
    }
    this.#zoom = range;
    this.#cell = null;
    this.#hover(null);
    this.refresh(this.#final);
  }

  /** Everything is binned as the report bins it: the run or reading is over and no update is pending. */
  get settled(): boolean {
    return this.#final && !this.#busy && this.#again === null;
  }

  /** The plot rectangle on the canvas (CSS pixels), for readers of its pixels. */
  plot(): { x: number; y: number; w: number; h: number } {
    return this.#canvas.plot();
  }

  /** Called when the panel needs a frame (the page draws frames on demand). */
  onDraw: () => void = () => {};

  /** Asks for a redraw at the next frame. */
  draw(): void {
    this.#dirty = true;
    this.onDraw();
  }

  /** Called once per animation frame. */
  frame(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    const map = this.model.map;
    const nowNs = !this.#final && map && this.#nowNs !== undefined ? map.timeStart + this.#nowNs : undefined;
    const selection = this.#drag ? ([this.#drag.from, this.#drag.to] as [number, number]) : null;
    this.#canvas.draw(map, this.#version, { nowNs, cell: this.#cell, selection, message: this.#message });
  }

  async #update(): Promise<void> {
    this.#busy = true;
    this.#lastUpdate = performance.now();
    try {
      if (this.#reader) {
        if (this.#final && this.#reader.count === 0) this.#message = "Nothing to draw: no aggregation was recorded";
        const guides = this.model.guides;
        const changed = await this.model.update(this.#reader, { zoom: this.#zoom, spanNs: this.#spanNs }, this.#final);
        if (changed) {
          this.#version++;
          this.#syncZoomFields();
          // The guide's buttons only when the guides were computed again (as the count doubles).
          if (this.model.guides !== guides) this.#renderGuide();
        }
      }
    } catch (error) {
      this.model.map = null;
      this.#message = `Cannot draw: ${error instanceof Error ? error.message : String(error)}`;
    } finally {
      this.#busy = false;
    }
    this.draw();
    if (this.#cell) this.#hover(this.#cell);
    const again = this.#again;
    this.#again = null;
    if (again !== null) this.refresh(again);
  }

  #syncZoomFields(): void {
    const map = this.model.map;
    const range = this.#zoom ?? this.model.defaultRange();
    this.#el.zoomFrom.value = range ? formatAddress(range[0]) : "";
    this.#el.zoomTo.value = range ? formatAddress(range[1]) : "";
    this.#el.zoomReset.disabled = !this.#zoom || !map;
  }

  // The three-regions guide: the target's contiguous monitored ranges, each a zoom button.
  #renderGuide(): void {
    const { guide, guideText } = this.#el;
    const g = this.model.guides[0];
    guide.replaceChildren();
    guideText.textContent = this.model.guides.length ? formatGuides(this.model.guides) : "";
    if (!g) return;
    g.regions.forEach((r, i) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = `${i}: ${formatBytes(r.end - r.start)}`;
      button.title = `Zoom to ${formatAddress(r.start)}–${formatAddress(r.end)}`;
      button.setAttribute("aria-label", `guide region ${i}, ${formatAddress(r.start)} to ${formatAddress(r.end)}: zoom`);
      button.addEventListener("click", () => this.zoomTo([r.start, r.end]));
      guide.append(button);
    });
  }

  #pointer(): void {
    const canvas = this.#el.canvas;
    const local = (event: PointerEvent) => {
      const rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    };
    canvas.addEventListener("pointerdown", (event) => {
      const map = this.model.map;
      const { x, y } = local(event);
      if (!map || !this.#canvas.cellAt(map, x, y)) return;
      const addr = this.#canvas.addressAt(map, y);
      this.#drag = { from: addr, to: addr, y };
      canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", (event) => {
      const map = this.model.map;
      if (!map) return;
      const { x, y } = local(event);
      if (this.#drag) {
        this.#drag.to = this.#canvas.addressAt(map, y);
        this.draw();
        return;
      }
      this.#hover(this.#canvas.cellAt(map, x, y));
    });
    canvas.addEventListener("pointerup", (event) => {
      const drag = this.#drag;
      this.#drag = null;
      if (!drag) return;
      if (Math.abs(local(event).y - drag.y) > 4) this.zoomTo([Math.min(drag.from, drag.to), Math.max(drag.from, drag.to)]);
      else this.draw();
    });
    canvas.addEventListener("pointerleave", () => {
      if (!this.#drag) this.#hover(null);
    });
    canvas.addEventListener("dblclick", () => this.zoomTo(null));
  }

  #key(event: KeyboardEvent): void {
    const map = this.model.map;
    if (!map) return;
    const cell = this.#cell ?? { row: Math.min(map.rows - 1, Math.floor(map.rows / 2)), col: Math.floor(map.cols / 2) };
    const step = event.shiftKey ? 10 : 1;
    const moves: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    const move = moves[event.key];
    const addr = map.addrStart + (cell.col + 0.5) * map.addrUnit;
    const span = map.addrUnit * map.cols;
    if (move) {
      this.#hover({ row: clamp(cell.row + move[0], 0, map.rows - 1), col: clamp(cell.col + move[1], 0, map.cols - 1) });
    } else if (event.key === "+" || event.key === "=") {
      this.zoomTo([addr - span / 4, addr + span / 4]);
    } else if (event.key === "-") {
      this.zoomTo([addr - span, addr + span]);
    } else if (event.key === "0" || event.key === "Escape") {
      this.zoomTo(null);
    } else {
      return;
    }
    event.preventDefault();
  }

  // Shows the region under a cell: in the tooltip by the cell, and in the inspector line.
  #hover(cell: Cell | null): void {
    this.#cell = cell;
    const { tooltip, inspector } = this.#el;
    const map = this.model.map;
    const text = cell && map && this.#reader ? describeCell(map, cell, this.#reader, this.model.tid) : null;
    tooltip.hidden = !text;
    inspector.textContent = text ?? "Hover the map, or focus it and use the arrow keys: region, address range, nr_accesses and age.";
    if (text && cell && map) {
      tooltip.textContent = text;
      const p = this.#canvas.plot();
      const x = p.x + ((cell.row + 1) / map.rows) * p.w + 12;
      const y = p.y + ((map.cols - 1 - cell.col) / map.cols) * p.h + 12;
      const left = x + tooltip.offsetWidth > this.#el.canvas.clientWidth ? x - tooltip.offsetWidth - 24 : x;
      tooltip.style.transform = `translate(${Math.max(0, left)}px, ${Math.min(y, p.y + p.h - 60)}px)`;
    }
    this.draw();
  }
}

function describeCell(map: Heatmap, cell: Cell, reader: LogReader, tid: Heatmap["targetId"] | undefined): string {
  const time = map.timeStart + (cell.row + 0.5) * map.timeUnit;
  const addr = map.addrStart + (cell.col + 0.5) * map.addrUnit;
  const heat = map.heats[cell.row * map.cols + cell.col];
  const at = `${formatSeconds(time - map.timeStart)}, ${formatAddress(addr)}`;
  const entry = reader.entryAt(time);
  const region = entry >= 0 ? reader.regionAt(entry, addr, tid) : null;
  if (!region) return `${at}: not monitored`;
  let low = Infinity;
  let high = -Infinity;
  for (const h of map.heats) {
    if (h < low) low = h;
    if (h > high) high = h;
  }
  const level = Number.isNaN(heat) ? "–" : String(heatLevel(heat, low, high));
  return (
    `${at}\nregion ${region.index}: ${formatAddress(region.start)}–${formatAddress(region.end)} (${formatBytes(region.end - region.start)})\n` +
    `nr_accesses ${region.nrAccesses}, age ${region.age ?? "unknown"}, heat level ${level}`
  );
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
