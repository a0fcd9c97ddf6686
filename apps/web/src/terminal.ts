import { Terminal } from "@xterm/xterm";
import { LineEditor } from "./line-editor.js";
import type { FromShell, ToShell } from "./shell-protocol.js";

const FONT_SIZE = 12;
const LINE_HEIGHT = 1.2;
const FONT_FAMILY = 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace';

/**
 * The terminal panel: xterm.js over the dbgfs shell in its own worker. Keys typed while a
 * command runs wait, as on a tty, and are handled once it is done.
 */
export class TerminalPanel {
  readonly term: Terminal;
  readonly #worker: Worker;
  readonly #editor: LineEditor;
  readonly #host: HTMLElement;
  #cwd = "/root";
  #busy = true; // until the shell is ready
  #pending = "";

  constructor(host: HTMLElement, seed: number) {
    this.#host = host;
    this.term = new Terminal({
      fontSize: FONT_SIZE,
      lineHeight: LINE_HEIGHT,
      fontFamily: FONT_FAMILY,
      convertEol: true,
      cursorBlink: true,
      scrollback: 5000,
      screenReaderMode: false,
      theme: { background: "#0d1117", foreground: "#d1d7e0", cursor: "#7ee787" },
    });
    this.#editor = new LineEditor(() => `\x1b[1;32mroot@damon-sim\x1b[0m:\x1b[1;34m${this.#cwd}\x1b[0m# `);
    this.term.open(host);
    this.#fit();
    requestAnimationFrame(() => this.#fit()); // xterm's rows exist once it has rendered
    new ResizeObserver(() => this.#fit()).observe(host);
    this.term.onData((data) => {
      this.#pending += data;
      this.#pump();
    });
    this.term.write("Starting the simulated machine…");
    this.#worker = new Worker(new URL("./shell-worker.js", import.meta.url), { type: "module", name: "dbgfs shell" });
    this.#worker.addEventListener("message", (event) => this.#onMessage(event.data as FromShell));
    this.#worker.addEventListener("error", (event) => {
      this.term.write(`\r\n\x1b[31mthe shell failed to start: ${event.message}\x1b[0m\r\n`);
    });
    this.#send({ type: "start", seed });
  }

  /** The screen and scrollback as text, wrapped rows joined (what a user reads). */
  text(): string {
    const buffer = this.term.buffer.active;
    let out = "";
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      if (!line) continue;
      out += (y > 0 && !line.isWrapped ? "\n" : "") + line.translateToString(!buffer.getLine(y + 1)?.isWrapped);
    }
    return out.trimEnd();
  }

  #send(message: ToShell): void {
    this.#worker.postMessage(message);
  }

  #onMessage(message: FromShell): void {
    switch (message.type) {
      case "ready":
        this.term.write(
          `\r\x1b[KA simulated Linux ${message.version} machine; DAMON's debugfs is at /sys/kernel/debug/damon.\r\n` +
            "Try: cd /sys/kernel/debug/damon; cat attrs; spawn hotcold; echo PID > target_ids;\r\n" +
            "     echo on > monitor_on; sleep 1; cat attrs. 'help' lists the commands.\r\n",
        );
        this.#ready(message.cwd);
        break;
      case "output":
        this.term.write(message.text);
        break;
      case "done":
        this.#ready(message.cwd);
        break;
    }
  }

  #ready(cwd: string): void {
    this.#cwd = cwd;
    this.#busy = false;
    this.term.write(this.#editor.render());
    this.#pump();
  }

  #pump(): void {
    while (!this.#busy && this.#pending) {
      const { echo, line, rest } = this.#editor.feed(this.#pending);
      this.#pending = rest;
      if (echo) this.term.write(echo);
      if (line !== null) {
        this.#busy = true;
        this.#send({ type: "line", line });
      }
    }
  }

  // xterm has no size of its own: fit whole cells into the panel, measured on xterm's own
  // rows and measuring element once rendered (estimated from the font before).
  #fit(): void {
    const { clientWidth, clientHeight } = this.#host;
    const cell = measureCell(this.#host);
    const cols = Math.max(20, Math.floor((clientWidth - 14) / cell.width));
    const rows = Math.max(4, Math.floor(clientHeight / cell.height));
    if (cols !== this.term.cols || rows !== this.term.rows) this.term.resize(cols, rows);
    this.#editor.columns = this.term.cols;
  }
}

function measureCell(host: HTMLElement): { width: number; height: number } {
  const row = host.querySelector(".xterm-rows > div")?.getBoundingClientRect().height;
  const measure = host.querySelector(".xterm-char-measure-element");
  const chars = measure?.textContent?.length;
  if (row && measure && chars) return { width: measure.getBoundingClientRect().width / chars, height: row };
  const context = document.createElement("canvas").getContext("2d")!;
  context.font = `${FONT_SIZE}px ${FONT_FAMILY}`;
  return { width: context.measureText("W").width, height: Math.ceil(FONT_SIZE * LINE_HEIGHT) + 1 };
}
