import { loadMasimConfig, WorkloadError } from "@damon-sim/workload";

export const DEFAULT_MASIM = `# A masim configuration: regions ("name, size in bytes"), a blank line, then
# phases: a name, a runtime in ms, and "region, random, stride, probability" lines.
hot, 33554432
cold, 268435456

warm-up
2000
hot, 1, 4096, 1
cold, 1, 4096, 1

hot and cold
8000
hot, 1, 4096, 99
cold, 1, 4096, 1
`;

const VALIDATE_AFTER_MS = 200;

export interface MasimEditorElements {
  textarea: HTMLTextAreaElement;
  gutter: HTMLElement;
  mark: HTMLElement;
  message: HTMLElement;
}

/**
 * A masim config editor: line numbers, and the parser's error shown at its line (gutter
 * mark, highlighted line, message) as you type.
 */
export class MasimEditor {
  readonly #el: MasimEditorElements;
  #timer = 0;
  #errorLine: number | null = null;
  fileName = "config.cfg";

  constructor(el: MasimEditorElements) {
    this.#el = el;
    el.textarea.value = DEFAULT_MASIM;
    el.textarea.addEventListener("input", () => {
      clearTimeout(this.#timer);
      this.#renderGutter();
      this.#timer = window.setTimeout(() => this.validate(), VALIDATE_AFTER_MS);
    });
    el.textarea.addEventListener("scroll", () => this.#place());
    this.#renderGutter();
  }

  get text(): string {
    return this.#el.textarea.value;
  }

  set text(value: string) {
    this.#el.textarea.value = value;
    this.#renderGutter();
    this.validate();
  }

  /** Parses the config; shows and returns the error (null when valid). */
  validate(): WorkloadError | null {
    try {
      loadMasimConfig(this.text, { file: this.fileName });
      this.showError(null, null);
      return null;
    } catch (error) {
      if (!(error instanceof WorkloadError)) throw error;
      this.showError(error.line ?? null, error.message);
      return error;
    }
  }

  /** Shows an error at a line (or none), e.g. one the worker reported. */
  showError(line: number | null, message: string | null): void {
    this.#errorLine = line;
    this.#el.message.textContent = message ?? "";
    this.#el.textarea.setAttribute("aria-invalid", String(message !== null));
    this.#renderGutter();
  }

  /** Moves the caret to the error line, so the keyboard lands where the problem is. */
  focusError(): void {
    const ta = this.#el.textarea;
    ta.focus();
    if (this.#errorLine === null) return;
    const lines = ta.value.split("\n");
    const at = lines.slice(0, this.#errorLine - 1).reduce((n, l) => n + l.length + 1, 0);
    ta.setSelectionRange(at, at + (lines[this.#errorLine - 1]?.length ?? 0));
  }

  #renderGutter(): void {
    const count = this.text.split("\n").length;
    const gutter = this.#el.gutter;
    gutter.replaceChildren(
      ...Array.from({ length: count }, (_, i) => {
        const line = document.createElement("div");
        line.textContent = String(i + 1);
        if (i + 1 === this.#errorLine) line.className = "error-line";
        return line;
      }),
    );
    this.#place();
  }

  // Keeps the gutter and the error band in step with the textarea's scrolling.
  #place(): void {
    const ta = this.#el.textarea;
    this.#el.gutter.scrollTop = ta.scrollTop;
    const mark = this.#el.mark;
    mark.hidden = this.#errorLine === null;
    if (this.#errorLine === null) return;
    const style = getComputedStyle(ta);
    const lineHeight = parseFloat(style.lineHeight);
    const top = parseFloat(style.paddingTop) + (this.#errorLine - 1) * lineHeight - ta.scrollTop;
    mark.style.transform = `translateY(${top}px)`;
    mark.style.height = `${lineHeight}px`;
  }
}
