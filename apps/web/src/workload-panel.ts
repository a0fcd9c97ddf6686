import { DEFAULT_ATTRS } from "@damon-sim/core";
import type { WorkloadInput } from "@damon-sim/session";
import { BUILTIN_NAMES, describeBuiltin, isBinaryTrace, type BuiltinName } from "@damon-sim/workload";
import { formatBytes } from "./format.js";
import { MasimEditor } from "./masim-editor.js";
import type { Attrs, RunConfig } from "./protocol.js";

type Source = "builtin" | "masim" | "trace";

const ATTR_KEYS: Array<keyof Attrs> = ["sampleUs", "aggrUs", "opsUpdateUs", "minNrRegions", "maxNrRegions"];
// What the CLI recognises as a lackey trace (valgrind's banner, instruction or data lines).
const LACKEY = /^(==\d+==|I {2}|[ ][LSM] )/m;

/** The form's values that are not the workload panel's: the run controls'. */
export type RunSettings = Omit<RunConfig, "speed">;

/** The workload panel: what to run and DAMON's attributes, as a RunConfig. */
export class WorkloadPanel {
  readonly editor: MasimEditor;
  readonly #form: HTMLFormElement;
  #trace: Uint8Array | null = null;

  constructor(form: HTMLFormElement) {
    this.#form = form;
    const select = this.#field<HTMLSelectElement>("builtin");
    for (const name of BUILTIN_NAMES) select.add(new Option(name, name));
    select.value = "hotcold";
    select.addEventListener("change", () => this.#describe());
    this.editor = new MasimEditor({
      textarea: this.#field("masim"),
      gutter: form.querySelector(".gutter")!,
      mark: form.querySelector(".line-mark")!,
      message: form.querySelector("#masim-error")!,
    });
    for (const radio of form.querySelectorAll<HTMLInputElement>('input[name="source"]')) {
      radio.addEventListener("change", () => this.#showSource());
    }
    this.#field<HTMLInputElement>("upload").addEventListener("change", (event) => {
      const file = (event.target as HTMLInputElement).files?.[0];
      if (file) void this.#upload(file);
    });
    ATTR_KEYS.forEach((key) => (this.#field<HTMLInputElement>(key).value = String(DEFAULT_ATTRS[key])));
    this.#describe();
    this.#showSource();
  }

  /** Fills the form from a URL query (shareable runs; the tests use it too). */
  applyQuery(query: URLSearchParams): void {
    const workload = query.get("workload");
    if (workload && (BUILTIN_NAMES as readonly string[]).includes(workload)) {
      this.#field<HTMLSelectElement>("builtin").value = workload;
      this.#setSource("builtin");
    }
    const attrs = query.get("attrs")?.split(/[\s,]+/);
    if (attrs?.length === 5) ATTR_KEYS.forEach((key, i) => (this.#field<HTMLInputElement>(key).value = attrs[i]));
    for (const key of ["seed", "duration", "pageout"]) {
      const value = query.get(key);
      if (value !== null) this.#field<HTMLInputElement>(key).value = value;
    }
    const loop = query.get("loop");
    if (loop !== null) this.#field<HTMLInputElement>("loop").checked = loop !== "0";
    const accuracy = query.get("accuracy");
    if (accuracy !== null) this.#field<HTMLInputElement>("accuracy").checked = accuracy !== "0";
    this.#describe();
  }

  /** The run as configured, or the first problem (after pointing the user at it). */
  settings(): RunSettings | string {
    if (!this.#form.reportValidity()) return "Some fields are not valid.";
    const source = this.#source();
    let workload: WorkloadInput;
    if (source === "masim") {
      const error = this.editor.validate();
      if (error) {
        this.editor.focusError();
        return error.message;
      }
      workload = { masim: this.editor.text, file: this.editor.fileName };
    } else if (source === "trace") {
      if (!this.#trace) return "Upload a lackey or binary trace first.";
      workload = { trace: this.#trace, name: "trace" }; // the CLI's process name for traces
    } else {
      const builtin = this.#field<HTMLSelectElement>("builtin").value;
      workload = this.#field<HTMLInputElement>("loop").checked ? { builtin, options: { loop: true } } : { builtin };
    }
    const attrs = Object.fromEntries(ATTR_KEYS.map((key) => [key, Number(this.#field<HTMLInputElement>(key).value)])) as unknown as Attrs;
    const duration = this.#field<HTMLInputElement>("duration").value.trim();
    const pageout = Number(this.#field<HTMLInputElement>("pageout").value || 0);
    return {
      workload,
      attrs,
      seed: Number(this.#field<HTMLInputElement>("seed").value || 0),
      durationUs: duration ? Math.round(Number(duration) * 1e6) : undefined,
      accuracy: this.#field<HTMLInputElement>("accuracy").checked,
      pageoutIdleUs: Math.round(pageout * 1e6),
    };
  }

  /** Points at a masim error line the worker found (the editor's parser passed it, the model did not). */
  showMasimError(line: number, message: string): void {
    this.#setSource("masim");
    this.editor.showError(line, message);
    this.editor.focusError();
  }

  async #upload(file: File): Promise<void> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const head = bytes.subarray(0, 4096);
    const status = this.#form.querySelector<HTMLElement>("#trace-name")!;
    if (isBinaryTrace(head) || LACKEY.test(new TextDecoder().decode(head))) {
      this.#trace = bytes;
      status.textContent = `${file.name} (${formatBytes(bytes.length)})`;
      this.#setSource("trace");
      return;
    }
    this.editor.fileName = file.name;
    this.editor.text = new TextDecoder().decode(bytes);
    this.#setSource("masim");
  }

  #describe(): void {
    const name = this.#field<HTMLSelectElement>("builtin").value as BuiltinName;
    this.#form.querySelector("#builtin-description")!.textContent = describeBuiltin(name);
  }

  #source(): Source {
    return (this.#form.querySelector<HTMLInputElement>('input[name="source"]:checked')?.value ?? "builtin") as Source;
  }

  #setSource(source: Source): void {
    this.#form.querySelector<HTMLInputElement>(`input[name="source"][value="${source}"]`)!.checked = true;
    this.#showSource();
  }

  #showSource(): void {
    const source = this.#source();
    for (const part of this.#form.querySelectorAll<HTMLElement>("[data-source]")) part.hidden = part.dataset.source !== source;
  }

  #field<T extends HTMLElement>(name: string): T {
    return this.#form.querySelector<T>(`#${name}`)!;
  }
}
