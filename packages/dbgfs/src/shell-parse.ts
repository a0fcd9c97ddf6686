// A small POSIX-shell parser: words with quotes ('..', "..", $'..') and backslashes,
// comments, ; && || and newlines between commands, and redirections (> >> 2> 2>&1 <).

export interface Redirect {
  fd: 1 | 2 | 0;
  op: ">" | ">>" | "<" | ">&1";
  target: string;
}

export interface SimpleCommand {
  words: string[];
  redirects: Redirect[];
  /** How this command joins the previous one. */
  join: ";" | "&&" | "||";
  /** Line number of the command in the source (1-based). */
  line: number;
}

export class ParseError extends Error {}

const ANSI_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", e: "\x1b", f: "\f", v: "\v", "\\": "\\", "'": "'", '"': '"' };

/** Stands for `$?` in parsed words; the shell substitutes the status when the command runs. */
export const LAST_STATUS = "\uE000";

/** Parses a whole script; throws ParseError for an unterminated quote. */
export function parseScript(source: string): SimpleCommand[] {
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  let redirects: Redirect[] = [];
  let join: SimpleCommand["join"] = ";";
  let line = 1;
  let commandLine = 1;
  let i = 0;

  const endCommand = (next: SimpleCommand["join"]) => {
    if (words.length || redirects.length) commands.push({ words, redirects, join, line: commandLine });
    words = [];
    redirects = [];
    join = next;
  };

  while (i < source.length) {
    const c = source[i];
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "\n") {
      endCommand(";");
      line++;
      i++;
      continue;
    }
    if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
      continue;
    }
    if (c === ";") {
      endCommand(";");
      i++;
      continue;
    }
    if (source.startsWith("&&", i) || source.startsWith("||", i)) {
      endCommand(source.slice(i, i + 2) as "&&" | "||");
      i += 2;
      continue;
    }
    if (!words.length && !redirects.length) commandLine = line;
    const redirect = /^(2>&1|2>>|2>|>>|>|<)/.exec(source.slice(i));
    if (redirect) {
      i += redirect[0].length;
      if (redirect[0] === "2>&1") {
        redirects.push({ fd: 2, op: ">&1", target: "" });
        continue;
      }
      while (source[i] === " " || source[i] === "\t") i++;
      const word = readWord();
      if (word === null) throw new ParseError("syntax error near unexpected token `newline'");
      const fd = redirect[0].startsWith("2") ? 2 : redirect[0] === "<" ? 0 : 1;
      const op = redirect[0].endsWith(">>") ? ">>" : redirect[0] === "<" ? "<" : ">";
      redirects.push({ fd, op, target: word });
      continue;
    }
    const word = readWord();
    if (word !== null) words.push(word);
  }
  endCommand(";");
  return commands;

  // Reads one word at i; null if nothing word-like is there.
  function readWord(): string | null {
    let out = "";
    let any = false;
    while (i < source.length) {
      const c = source[i];
      if (" \t\n;&|<>".includes(c) && !(c === "&" && source[i + 1] !== "&") && !(c === "|" && source[i + 1] !== "|")) break;
      any = true;
      if (c === "\\") {
        if (source[i + 1] === "\n") line++;
        else if (i + 1 < source.length) out += source[i + 1];
        i += 2;
      } else if (c === "'") {
        const end = source.indexOf("'", i + 1);
        if (end < 0) throw new ParseError("unexpected EOF while looking for matching `''");
        const quoted = source.slice(i + 1, end);
        line += quoted.split("\n").length - 1;
        out += quoted;
        i = end + 1;
      } else if (c === "$" && source[i + 1] === "'") {
        i += 2;
        while (i < source.length && source[i] !== "'") {
          if (source[i] === "\\" && i + 1 < source.length) {
            const e = source[i + 1];
            out += ANSI_ESCAPES[e] ?? `\\${e}`;
            i += 2;
          } else {
            if (source[i] === "\n") line++;
            out += source[i++];
          }
        }
        if (i >= source.length) throw new ParseError("unexpected EOF while looking for matching `''");
        i++;
      } else if (c === '"') {
        i++;
        while (i < source.length && source[i] !== '"') {
          if (source[i] === "\\" && '"\\$`\n'.includes(source[i + 1])) {
            if (source[i + 1] !== "\n") out += source[i + 1];
            else line++;
            i += 2;
          } else if (source.startsWith("$?", i)) {
            out += LAST_STATUS;
            i += 2;
          } else {
            if (source[i] === "\n") line++;
            out += source[i++];
          }
        }
        if (i >= source.length) throw new ParseError('unexpected EOF while looking for matching `"\'');
        i++;
      } else if (source.startsWith("$?", i)) {
        out += LAST_STATUS;
        i += 2;
      } else {
        out += c;
        i++;
      }
    }
    return any ? out : null;
  }
}
