/** What feeding input produced: text for the terminal, the line entered (if any), input left over. */
export interface FeedResult {
  echo: string;
  line: string | null;
  rest: string;
}

const HISTORY_LIMIT = 1000;
// CSI and SS3 sequences (arrows, Home/End, Delete, function keys).
const ESCAPE = /^\x1b(?:\[[0-9;]*[~A-Za-z]|O[A-Za-z])/;

/**
 * A readline-like line discipline for a terminal without a tty: editing (arrows, Home/End,
 * Backspace/Delete, Ctrl-A/E/U/K/W), history (Up/Down), Ctrl-C and Ctrl-L. Input stops at the
 * first Enter, so the caller can run that line before feeding the rest.
 */
export class LineEditor {
  #line = "";
  #cursor = 0;
  readonly #history: string[] = [];
  #historyAt = 0;
  #draft = "";
  // Where the terminal's cursor is, in characters from the start of the prompt (lines wrap).
  #shown = 0;
  readonly #prompt: () => string;
  /** The terminal's width, for redrawing lines that wrap. */
  columns = 80;

  constructor(prompt: () => string) {
    this.#prompt = prompt;
  }

  get history(): readonly string[] {
    return this.#history;
  }

  /**
   * Redraws the prompt and the line from where the prompt starts, then puts the cursor in
   * place; relative moves only, so it works wherever the screen has scrolled to.
   */
  render(): string {
    const prompt = this.#prompt();
    const start = visibleLength(prompt);
    const up = Math.floor(this.#shown / this.columns);
    let out = `${up ? `\x1b[${up}A` : ""}\r\x1b[J${prompt}${this.#line}`;
    const end = start + this.#line.length;
    // At a full last row the cursor waits at the edge; make it wrap, so rows count true.
    if (end > 0 && end % this.columns === 0) out += " \b";
    out += this.#move(end, start + this.#cursor);
    return out;
  }

  /** Ends the line (after `mark`, e.g. ^C): the next prompt starts on a fresh one. */
  #newline(mark = ""): string {
    const out = `${this.#move(this.#shown, visibleLength(this.#prompt()) + this.#line.length)}${mark}\r\n`;
    this.#shown = 0;
    return out;
  }

  // Moves the cursor from one offset (from the prompt's start) to another, by rows and columns.
  #move(from: number, to: number): string {
    const rows = Math.floor(to / this.columns) - Math.floor(from / this.columns);
    const col = to % this.columns;
    this.#shown = to;
    return `${rows < 0 ? `\x1b[${-rows}A` : rows > 0 ? `\x1b[${rows}B` : ""}\r${col ? `\x1b[${col}C` : ""}`;
  }

  feed(data: string): FeedResult {
    let echo = "";
    // Edits are drawn once, before anything that moves to a new line and at the end.
    let dirty = false;
    const flush = () => {
      if (dirty) echo += this.render();
      dirty = false;
    };
    let i = 0;
    while (i < data.length) {
      const c = data[i];
      if (c === "\x1b") {
        const m = ESCAPE.exec(data.slice(i));
        const seq = m ? m[0] : c;
        i += seq.length;
        dirty = this.#escape(seq) || dirty;
        continue;
      }
      i++;
      if (c === "\r" || c === "\n") {
        if (c === "\r" && data[i] === "\n") i++;
        flush();
        const line = this.#line;
        echo += this.#newline();
        this.#enter(line);
        return { echo, line, rest: data.slice(i) };
      }
      if (c === "\x03") {
        flush();
        echo += this.#newline("^C");
        this.#control(c);
        dirty = true;
      } else if (c === "\x0c") {
        echo += "\x1b[H\x1b[2J";
        this.#shown = 0;
        dirty = true;
      } else if ((c >= " " && c !== "\x7f") || c === "\t") {
        this.#insert(c === "\t" ? " " : c);
        dirty = true;
      } else {
        dirty = this.#control(c) || dirty;
      }
    }
    flush();
    return { echo, line: null, rest: "" };
  }

  #enter(line: string): void {
    if (line.trim() && this.#history[this.#history.length - 1] !== line) {
      this.#history.push(line);
      if (this.#history.length > HISTORY_LIMIT) this.#history.shift();
    }
    this.#historyAt = this.#history.length;
    this.#draft = "";
    this.#line = "";
    this.#cursor = 0;
  }

  #insert(text: string): void {
    this.#line = this.#line.slice(0, this.#cursor) + text + this.#line.slice(this.#cursor);
    this.#cursor += text.length;
  }

  // Returns whether the line or cursor changed.
  #control(c: string): boolean {
    const line = this.#line;
    switch (c) {
      case "\x7f":
      case "\b":
        if (!this.#cursor) return false;
        this.#line = line.slice(0, this.#cursor - 1) + line.slice(this.#cursor);
        this.#cursor--;
        return true;
      case "\x01":
        this.#cursor = 0;
        return true;
      case "\x05":
        this.#cursor = line.length;
        return true;
      case "\x15":
        this.#line = line.slice(this.#cursor);
        this.#cursor = 0;
        return true;
      case "\x0b":
        this.#line = line.slice(0, this.#cursor);
        return true;
      case "\x17": {
        const before = line.slice(0, this.#cursor).replace(/\S+\s*$/, "");
        this.#line = before + line.slice(this.#cursor);
        this.#cursor = before.length;
        return true;
      }
      case "\x03":
        this.#line = "";
        this.#cursor = 0;
        this.#historyAt = this.#history.length;
        return true;
      default:
        return false;
    }
  }

  #escape(seq: string): boolean {
    switch (seq.replace("\x1bO", "\x1b[")) {
      case "\x1b[A":
        return this.#recall(-1);
      case "\x1b[B":
        return this.#recall(1);
      case "\x1b[C":
        if (this.#cursor >= this.#line.length) return false;
        this.#cursor++;
        return true;
      case "\x1b[D":
        if (!this.#cursor) return false;
        this.#cursor--;
        return true;
      case "\x1b[H":
      case "\x1b[1~":
        this.#cursor = 0;
        return true;
      case "\x1b[F":
      case "\x1b[4~":
        this.#cursor = this.#line.length;
        return true;
      case "\x1b[3~":
        if (this.#cursor >= this.#line.length) return false;
        this.#line = this.#line.slice(0, this.#cursor) + this.#line.slice(this.#cursor + 1);
        return true;
      default:
        return false;
    }
  }

  // Up/Down through history; the line being typed is kept as a draft below the newest entry.
  #recall(delta: number): boolean {
    const at = this.#historyAt + delta;
    if (at < 0 || at > this.#history.length) return false;
    if (this.#historyAt === this.#history.length) this.#draft = this.#line;
    this.#historyAt = at;
    this.#line = at === this.#history.length ? this.#draft : this.#history[at];
    this.#cursor = this.#line.length;
    return true;
  }
}

function visibleLength(text: string): number {
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}
