// The page: wires the workload form, the simulation worker, the heatmap, the charts, the
// terminal and the header controls. Everything heavy runs in workers.
import { ChartsPanel } from "./charts.js";
import { Controls } from "./controls.js";
import { HeatmapPanel } from "./heatmap-panel.js";
import type { JobInfo, JobSummary } from "./protocol.js";
import { SimClient } from "./sim-client.js";
import { TerminalPanel } from "./terminal.js";
import { WorkloadPanel } from "./workload-panel.js";

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

const query = new URLSearchParams(location.search);
// ?transport=messages takes the non-isolated path even when isolated (to compare both).
const shared = crossOriginIsolated && query.get("transport") !== "messages";

const status = $("#status");
const errorBox = $("#error");
const form = $<HTMLFormElement>("#workload-form");
const workload = new WorkloadPanel(form);
workload.applyQuery(query);
const heatmap = new HeatmapPanel({
  canvas: $("#heatmap"),
  tooltip: $("#heat-tooltip"),
  inspector: $("#heat-inspector"),
  guide: $("#guide"),
  guideText: $("#guide-text"),
  zoomForm: $("#zoom"),
  zoomFrom: $("#zoom-from"),
  zoomTo: $("#zoom-to"),
  zoomReset: $("#zoom-reset"),
  palette: $("#palette"),
});
const charts = new ChartsPanel($("#charts"));
const terminal = new TerminalPanel($("#terminal"), 0);

let info: JobInfo | null = null;
let summary: JobSummary | null = null;
let seen = 0;

const client = new SimClient(shared, {
  ready() {
    controls.setState("idle");
    setStatus(`Ready (${shared ? "shared memory" : "messages"}). Pick a workload and press Run, or open a record.`);
    if (query.get("run") === "1") run();
  },
  started(started) {
    info = started;
    const reader = client.reader!;
    if (started.kind === "session") {
      heatmap.show(reader, { spanNs: (started.endUs - started.startUs) * 1000 });
      $("#heat-source").textContent = `${started.name}, pid ${started.pid}`;
      setStatus(`Running ${started.name} (pid ${started.pid})…`);
    } else {
      heatmap.show(reader, null);
      $("#heat-source").textContent = `${started.name} (${started.format})`;
      setStatus(`Reading ${started.name}…`);
    }
  },
  progress(nowUs, paused) {
    if (info?.kind !== "session") return;
    const changed = paused !== (controls.state === "paused");
    clock = { nowUs, paused };
    if (changed) showClock(); // pause and resume show at once; the clock itself ten times a second
    requestFrame();
  },
  done(done) {
    showClock();
    summary = done;
    pull();
    charts.flush(true);
    heatmap.refresh(true);
    controls.setState("done", done.kind === "session");
    if (done.kind === "record") controls.setClock(done.virtualUs, null);
    setStatus(describeSummary(done));
    requestFrame();
  },
  error(message, line) {
    controls.setState("error");
    if (line !== null) workload.showMasimError(line, message);
    showError(message);
  },
});

const controls = new Controls({
  pause: () => client.send({ type: "pause" }),
  resume: () => client.send({ type: "resume" }),
  step: () => client.send({ type: "step" }),
  stop: () => client.send({ type: "stop" }),
  speed: (speed) => client.send({ type: "speed", speed }),
  download: () => void download(),
  open: (file) => void openRecord(file),
});
const speed = query.get("speed");
if (speed) controls.speed = speed === "max" ? 0 : Number(speed);

form.addEventListener("submit", (event) => {
  event.preventDefault();
  run();
});

function run(): void {
  const settings = workload.settings();
  if (typeof settings === "string") {
    showError(settings);
    return;
  }
  begin();
  client.run({ ...settings, speed: controls.speed });
  controls.setState("running", false);
  controls.setClock(0, settings.durationUs ?? null);
  setStatus("Starting…");
  requestFrame();
}

async function openRecord(file: File): Promise<void> {
  begin();
  client.open(new Uint8Array(await file.arrayBuffer()), file.name);
  controls.setState("reading", false);
  setStatus(`Opening ${file.name}…`);
  requestFrame();
}

async function download(): Promise<void> {
  const bytes = await client.download();
  if (!bytes) return showError("No record to download: run a workload first.");
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = "damon.data"; // damo's default record name; json_compressed inside
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function begin(): void {
  info = null;
  clock = null;
  summary = null;
  seen = 0;
  charts.reset();
  showError(null);
}

// Makes newly published aggregations visible, then feeds the charts and the heatmap.
function pull(): void {
  const reader = client.reader;
  if (!reader) return;
  const count = client.sync();
  if (count > seen) {
    charts.append(reader, seen, count);
    seen = count;
    heatmap.refresh();
  }
}

// The latest progress not shown yet: shown at most every UI_REFRESH_MS while running (each
// showing redraws the clock and the heatmap's time line, work the simulation's core is
// better off without).
const UI_REFRESH_MS = 100;
let clock: { nowUs: number; paused: boolean } | null = null;
let clockShownAt = -Infinity;

function showClock(): void {
  if (!clock || info?.kind !== "session") return;
  controls.setState(clock.paused ? "paused" : "running");
  controls.setClock(clock.nowUs - info.startUs, info.endUs - info.startUs);
  heatmap.setNow((clock.nowUs - info.startUs) * 1000);
  clock = null;
  clockShownAt = performance.now();
}

// Frames on demand: when something changed (progress, the end, the heatmap asks to be drawn),
// and while a job is live every UI_REFRESH_MS, to pick up what it published (the shared log
// has no event). An idle page draws nothing; a frame per display refresh during a run took
// the main thread half the run.
let frameRequested = false;
let pollTimer = 0;

function requestFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(frame);
}

function frame(time: number): void {
  frameRequested = false;
  if (clock && time - clockShownAt >= UI_REFRESH_MS) showClock();
  pull();
  charts.flush();
  heatmap.frame();
  const live = controls.state === "running" || controls.state === "reading";
  if ((live || clock || charts.pending) && !pollTimer) {
    pollTimer = window.setTimeout(() => {
      pollTimer = 0;
      requestFrame();
    }, UI_REFRESH_MS);
  }
}
heatmap.onDraw = requestFrame;
requestFrame();

function setStatus(text: string): void {
  status.textContent = text;
}

function showError(message: string | null): void {
  errorBox.hidden = message === null;
  errorBox.textContent = message ?? "";
}

function describeSummary(s: JobSummary): string {
  const virtual = s.virtualUs / 1e6;
  const wall = s.wallMs / 1000;
  if (s.kind === "record") return `Read ${s.snapshots} snapshots spanning ${virtual.toFixed(1)} s.`;
  let text = `${s.interrupted ? "Stopped" : "Done"}: ${s.snapshots} aggregations, ${virtual.toFixed(1)} s of virtual time in ${wall.toFixed(2)} s simulating`;
  if (wall > 0) text += ` (${Math.round(virtual / wall)}× real time)`;
  const a = s.accuracy;
  if (a?.aggregations) {
    text += `. Accuracy: WSS error ${(a.wss.relativeError * 100).toFixed(1)} %, hot precision ${(a.hotSet.precision * 100).toFixed(0)} %, recall ${(a.hotSet.recall * 100).toFixed(0)} %, frequency MAE ${a.frequencyMae.toFixed(3)}`;
  }
  return `${text}.`;
}

/** For the console and the end-to-end tests: what the page shows, read-only. */
Object.assign(window, {
  damonSim: {
    get state() {
      return controls.state;
    },
    get info() {
      return info;
    },
    get summary() {
      return summary;
    },
    transport: shared ? "shared" : "messages",
    terminalText: () => terminal.text(),
    get heatmapSettled() {
      return heatmap.settled;
    },
    heatmap: () => {
      const map = heatmap.model.map;
      return map && { ...map, targetId: String(map.targetId), heats: Array.from(map.heats, (h) => (Number.isNaN(h) ? null : h)), plot: heatmap.plot() };
    },
  },
});
