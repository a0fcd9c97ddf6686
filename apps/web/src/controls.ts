/** Where the app is; the controls enable what makes sense in each. */
export type RunState = "loading" | "idle" | "running" | "paused" | "reading" | "done" | "error";

export interface ControlActions {
  pause(): void;
  resume(): void;
  step(): void;
  stop(): void;
  speed(speed: number): void;
  download(): void;
  open(file: File): void;
}

/** The header: pause/resume, step, stop, speed, virtual clock, download and open record. */
export class Controls {
  state: RunState = "loading";
  readonly #pause = button("pause");
  readonly #step = button("step");
  readonly #stop = button("stop");
  readonly #download = button("download");
  readonly #speed = document.querySelector<HTMLSelectElement>("#speed")!;
  readonly #progress = document.querySelector<HTMLProgressElement>("#progress")!;
  readonly #clock = document.querySelector<HTMLElement>("#clock")!;
  #canDownload = false;

  constructor(actions: ControlActions) {
    this.#pause.addEventListener("click", () => this.togglePause(actions));
    this.#step.addEventListener("click", () => actions.step());
    this.#stop.addEventListener("click", () => actions.stop());
    this.#download.addEventListener("click", () => actions.download());
    this.#speed.addEventListener("change", () => actions.speed(this.speed));
    const file = document.querySelector<HTMLInputElement>("#open-record-file")!;
    button("open-record").addEventListener("click", () => file.click());
    file.addEventListener("change", () => {
      if (file.files?.[0]) actions.open(file.files[0]);
      file.value = "";
    });
    // Page-wide keys, unless typing somewhere (fields, the terminal); Space also leaves
    // buttons and selects to do their own thing.
    document.addEventListener("keydown", (event) => {
      const target = event.target as HTMLElement;
      if (event.ctrlKey || event.metaKey || event.altKey || target.closest("input, textarea, .term-host")) return;
      if (event.key === " " && !target.closest("button, select, summary")) this.togglePause(actions);
      else if (event.key === "." && !target.closest("select")) actions.step();
      else return;
      event.preventDefault();
    });
  }

  /** Speed: virtual/wall ratio, 0 for as fast as possible. */
  get speed(): number {
    return Number(this.#speed.value);
  }

  set speed(value: number) {
    this.#speed.value = String(value);
  }

  setState(state: RunState, canDownload = this.#canDownload): void {
    this.state = state;
    this.#canDownload = canDownload;
    const live = state === "running" || state === "paused";
    this.#pause.disabled = !live;
    this.#pause.textContent = state === "paused" ? "Resume" : "Pause";
    this.#step.disabled = !live;
    this.#stop.disabled = !live && state !== "reading";
    this.#download.disabled = !(state === "done" && canDownload);
  }

  /** Virtual time done out of the planned span (µs); unknown span: just the time. */
  setClock(doneUs: number, spanUs: number | null): void {
    this.#progress.max = spanUs ?? 1;
    this.#progress.value = spanUs ? Math.min(doneUs, spanUs) : 0;
    this.#clock.textContent = spanUs ? `${(doneUs / 1e6).toFixed(1)} / ${(spanUs / 1e6).toFixed(1)} s` : `${(doneUs / 1e6).toFixed(1)} s`;
  }

  togglePause(actions: ControlActions): void {
    if (this.state === "running") actions.pause();
    else if (this.state === "paused") actions.resume();
  }
}

function button(id: string): HTMLButtonElement {
  return document.querySelector<HTMLButtonElement>(`#${id}`)!;
}
