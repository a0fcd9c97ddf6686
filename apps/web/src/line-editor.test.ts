import { describe, expect, it } from "vitest";
import { LineEditor } from "./line-editor.js";

/**
 * Just enough of a VT100 to check what the editor draws: printing with xterm's delayed wrap,
 * CR, LF, BS, cursor up/down/forward/back, erase below and to the end of line, home, clear.
 */
class Screen {
  rows: string[][] = [[]];
  row = 0;
  col = 0;
  #pendingWrap = false;
  constructor(readonly cols: number) {}

  write(data: string): void {
    for (let i = 0; i < data.length; i++) {
      const c = data[i];
      if (c === "\x1b") {
        const m = /^\x1b\[([0-9;]*)([A-Za-z])/.exec(data.slice(i))!;
        i += m[0].length - 1;
        this.#csi(Number(m[1] || 1), m[1], m[2]);
        continue;
      }
      if (c === "\r") [this.col, this.#pendingWrap] = [0, false];
      else if (c === "\n") this.#down();
      else if (c === "\b") [this.col, this.#pendingWrap] = [Math.max(0, this.col - 1), false];
      else this.#print(c);
    }
  }

  text(): string {
    return this.rows.map((r) => r.join("").trimEnd()).join("\n").trimEnd();
  }

  #print(c: string): void {
    if (this.#pendingWrap) {
      this.col = 0;
      this.#down();
      this.#pendingWrap = false;
    }
    this.#line()[this.col] = c;
    if (this.col === this.cols - 1) this.#pendingWrap = true;
    else this.col++;
  }

  #csi(n: number, raw: string, op: string): void {
    this.#pendingWrap = false;
    if (op === "A") this.row = Math.max(0, this.row - n);
    else if (op === "B") this.row += n;
    else if (op === "C") this.col = Math.min(this.cols - 1, this.col + n);
    else if (op === "D") this.col = Math.max(0, this.col - n);
    else if (op === "K") this.#line().length = this.col;
    else if (op === "J" && raw === "2") this.rows = [[]];
    else if (op === "J") {
      this.#line().length = this.col;
      this.rows.length = this.row + 1;
    } else if (op === "H") [this.row, this.col] = [0, 0];
    this.#line();
  }

  #down(): void {
    this.row++;
    this.#line();
  }

  #line(): string[] {
    while (this.rows.length <= this.row) this.rows.push([]);
    return this.rows[this.row];
  }
}

function setup(cols = 80, prompt = "$ ") {
  const editor = new LineEditor(() => prompt);
  editor.columns = cols;
  const screen = new Screen(cols);
  screen.write(editor.render());
  const lines: string[] = [];
  const type = (data: string) => {
    let rest = data;
    while (rest) {
      const r = editor.feed(rest);
      screen.write(r.echo);
      rest = r.rest;
      if (r.line !== null) {
        lines.push(r.line);
        screen.write(editor.render()); // the next prompt, once the command is done
      }
    }
  };
  return { editor, screen, lines, type };
}

const UP = "\x1b[A";
const DOWN = "\x1b[B";
const LEFT = "\x1b[D";

describe("the line editor", () => {
  it("returns each entered line and what was typed after it", () => {
    const editor = new LineEditor(() => "$ ");
    const r = editor.feed("cat attrs\rls\r\nrest");
    expect(r.line).toBe("cat attrs");
    expect(r.rest).toBe("ls\r\nrest");
    expect(editor.feed(r.rest)).toMatchObject({ line: "ls", rest: "rest" });
  });

  it("edits in the middle of the line", () => {
    const { screen, lines, type } = setup();
    type(`echo 5 > attrs${LEFT.repeat(8)}\x7f4\x1b[H# \x1b[F!`);
    expect(screen.text()).toBe("$ # echo 4 > attrs!");
    type("\x15cat attrs\x17kdamond_pid\r");
    expect(lines).toEqual(["cat kdamond_pid"]);
    expect(screen.text()).toBe("$ cat kdamond_pid\n$"); // Ctrl-U emptied the line in place
  });

  it("walks the history with Up and Down, keeping the line being typed", () => {
    const { screen, lines, type } = setup();
    type("cd /sys/kernel/debug/damon\rcat attrs\rcat att");
    type(UP);
    expect(screen.text().split("\n").pop()).toBe("$ cat attrs");
    type(UP + UP);
    expect(screen.text().split("\n").pop()).toBe("$ cd /sys/kernel/debug/damon");
    type(DOWN + DOWN);
    expect(screen.text().split("\n").pop()).toBe("$ cat att");
    type(`${UP}\r`);
    expect(lines).toEqual(["cd /sys/kernel/debug/damon", "cat attrs", "cat attrs"]);
  });

  it("cancels the line with Ctrl-C and clears the screen with Ctrl-L", () => {
    const { screen, lines, type } = setup();
    type("echo on > monitor_on\x03");
    expect(screen.text()).toBe("$ echo on > monitor_on^C\n$");
    type("ls\x0c");
    expect(screen.text()).toBe("$ ls");
    expect(lines).toEqual([]);
  });

  it("redraws lines longer than the terminal in place", () => {
    const { screen, lines, type } = setup(20, "root@damon:/sys# ");
    type("echo 5000 100000 1000000 10 1000 > attrs");
    expect(screen.text()).toBe("root@damon:/sys# ech\no 5000 100000 100000\n0 10 1000 > attrs");
    type(`${LEFT.repeat(35)}\x7f`); // up a row, to delete the space after "echo"
    expect(screen.text()).toBe("root@damon:/sys# ech\no5000 100000 1000000\n 10 1000 > attrs");
    type(`${UP}`); // nothing in history yet: unchanged
    type("\r");
    expect(lines).toEqual(["echo5000 100000 1000000 10 1000 > attrs"]);
    type("ls");
    type(UP);
    expect(screen.text()).toBe("root@damon:/sys# ech\no5000 100000 1000000\n 10 1000 > attrs\nroot@damon:/sys# ech\no5000 100000 1000000\n 10 1000 > attrs");
    type(DOWN);
    expect(screen.text().split("\n").slice(3).join("\n")).toBe("root@damon:/sys# ls");
  });

  it("wraps exactly at the edge without losing a row", () => {
    const { screen, type } = setup(10, "$ ");
    type("12345678"); // fills the first row exactly
    type("9");
    expect(screen.text()).toBe("$ 12345678\n9");
    type("\x7f\x7f");
    expect(screen.text()).toBe("$ 1234567");
  });
});
