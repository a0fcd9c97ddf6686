import { DamonError } from "@damon-sim/core";
import { strerror } from "./errno.js";
import type { SimKernel } from "./kernel.js";
import { LAST_STATUS, ParseError, parseScript, type Redirect, type SimpleCommand } from "./shell-parse.js";
import { encode, O_APPEND, O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY, resolvePath } from "./vfs.js";

/** Where a command's output goes: text to the terminal, or bytes to an open file. */
export interface CommandOutput {
  /** Buffered like stdio; `flush` pushes it out. */
  write(text: string | Uint8Array): void;
  flush(): void;
  /** The errno of the last failed write(2), 0 if none. */
  readonly error: number;
}

export interface CommandContext {
  args: string[];
  stdout: CommandOutput;
  stderr: (text: string) => void;
  /** "bash: " interactively, "script: line N: " in a script. */
  errorPrefix: string;
  shell: Shell;
}

/** A command: returns its exit status. */
export type ShellCommand = (ctx: CommandContext) => number | Promise<number>;

export interface ShellIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface ShellOptions {
  /** Extra or replacement commands (the CLI adds workload-aware `spawn`). */
  commands?: Record<string, ShellCommand>;
  /** Called before each command, e.g. to advance the simulation with wall time. */
  beforeCommand?: () => void;
  cwd?: string;
}

const READ_CHUNK = 128 * 1024; // cat's buffer

/**
 * A small bash for the simulated machine: cd, ls, cat, echo, pwd, ps, spawn, kill, sleep,
 * dmesg, with redirections and bash's messages and exit statuses. echo writes line by line,
 * as bash's line-buffered stdout does, so a multi-line echo is several write(2) calls.
 */
export class Shell {
  readonly kernel: SimKernel;
  cwd: string;
  status = 0;
  readonly commands: Record<string, ShellCommand>;
  readonly #beforeCommand?: () => void;

  constructor(kernel: SimKernel, options: ShellOptions = {}) {
    this.kernel = kernel;
    this.cwd = options.cwd ?? "/root";
    kernel.vfs.mkdirp("/root");
    this.#beforeCommand = options.beforeCommand;
    this.commands = { ...builtins, ...options.commands };
  }

  /**
   * Runs a script or a command line. With `scriptName`, errors are prefixed like a bash
   * script's ("name: line N: "); otherwise like an interactive shell's ("bash: ").
   */
  async run(source: string, io: ShellIo, scriptName?: string): Promise<number> {
    let commands: SimpleCommand[];
    try {
      commands = parseScript(source);
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      io.stderr(`${scriptName ? `${scriptName}: line 1: ` : "bash: "}${error.message}\n`);
      return (this.status = 2);
    }
    for (const command of commands) {
      if (command.join === "&&" && this.status !== 0) continue;
      if (command.join === "||" && this.status === 0) continue;
      const prefix = scriptName ? `${scriptName}: line ${command.line}: ` : "bash: ";
      this.status = await this.#execute(command, io, prefix);
      if (this.#exitRequested !== null) break;
    }
    return this.status;
  }

  /** Set by `exit`. */
  #exitRequested: number | null = null;
  get exitRequested(): number | null {
    return this.#exitRequested;
  }

  /** @internal */
  requestExit(status: number): void {
    this.#exitRequested = status;
  }

  /** Absolute form of a path relative to the working directory. */
  resolve(path: string): string {
    return `/${resolvePath(path, this.cwd).join("/")}`;
  }

  async #execute(command: SimpleCommand, io: ShellIo, prefix: string): Promise<number> {
    this.#beforeCommand?.();
    const expand = (word: string) => word.replaceAll(LAST_STATUS, String(this.status));
    const [name, ...args] = command.words.map(expand);
    command = { ...command, redirects: command.redirects.map((r) => ({ ...r, target: expand(r.target) })) };
    let stderr = io.stderr;
    let stdout: CommandOutput = terminal(io.stdout);
    const opened: number[] = [];
    const vfs = this.kernel.vfs;
    // Redirections in order; a failure prints like bash and skips the command.
    for (const r of command.redirects) {
      if (r.op === ">&1") {
        const out = stdout;
        stderr = (text) => out.write(text);
        continue;
      }
      if (r.fd === 0) continue;
      const target = this.#openRedirect(r);
      if (typeof target === "string") {
        io.stderr(`${prefix}${target}\n`);
        opened.forEach((fd) => vfs.close(fd));
        return 1;
      }
      if (target === null) {
        if (r.fd === 1) stdout = discard();
        else stderr = () => {};
        continue;
      }
      opened.push(target);
      if (r.fd === 1) stdout = fileOutput(this, target);
      else {
        const out = fileOutput(this, target);
        stderr = (text) => out.write(text);
      }
    }
    let status = 0;
    if (name !== undefined) {
      const command = this.commands[name];
      if (!command) {
        stderr(`${prefix}${name}: command not found\n`);
        status = 127;
      } else {
        try {
          status = await command({ args, stdout, stderr, errorPrefix: prefix, shell: this });
        } catch (error) {
          if (!(error instanceof DamonError)) throw error;
          stderr(`${prefix}${name}: ${error.message}\n`);
          status = 1;
        }
      }
    }
    stdout.flush();
    opened.forEach((fd) => vfs.close(fd));
    return status;
  }

  // Opens a redirection target: an fd, null for /dev/null, or bash's error text.
  #openRedirect(r: Redirect): number | null | string {
    if (r.target === "/dev/null") return null;
    const flags = O_WRONLY | O_CREAT | (r.op === ">>" ? O_APPEND : O_TRUNC);
    const fd = this.kernel.vfs.open(r.target, flags, this.cwd);
    return fd < 0 ? `${r.target}: ${strerror(fd)}` : fd;
  }
}

function terminal(write: (text: string) => void): CommandOutput {
  return { write: (t) => write(typeof t === "string" ? t : new TextDecoder().decode(t)), flush() {}, error: 0 };
}

function discard(): CommandOutput {
  return { write() {}, flush() {}, error: 0 };
}

// stdout redirected to a file: every complete line is one write(2), the rest waits for flush.
function fileOutput(shell: Shell, fd: number): CommandOutput {
  let pending = new Uint8Array();
  let error = 0;
  const vfs = shell.kernel.vfs;
  const emit = (bytes: Uint8Array) => {
    if (!bytes.length) return;
    const n = vfs.write(fd, bytes);
    if (n < 0) error = -n;
  };
  return {
    write(data) {
      const bytes = typeof data === "string" ? encode(data) : data;
      const joined = new Uint8Array(pending.length + bytes.length);
      joined.set(pending);
      joined.set(bytes, pending.length);
      let start = 0;
      for (let i = 0; i < joined.length; i++) {
        if (joined[i] === 0x0a) {
          emit(joined.subarray(start, i + 1));
          start = i + 1;
        }
      }
      pending = joined.slice(start);
    },
    flush() {
      emit(pending);
      pending = new Uint8Array();
    },
    get error() {
      return error;
    },
  };
}

const ECHO_ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", e: "\x1b", f: "\f", v: "\v", "\\": "\\" };

const builtins: Record<string, ShellCommand> = {
  echo({ args, stdout, stderr, errorPrefix }) {
    let newline = true;
    let escapes = false;
    while (args.length && /^-[neE]+$/.test(args[0])) {
      const flags = args.shift()!;
      if (flags.includes("n")) newline = false;
      if (flags.includes("e")) escapes = true;
      if (flags.includes("E")) escapes = false;
    }
    let text = args.join(" ");
    if (escapes) text = text.replace(/\\(.)/g, (m, c: string) => ECHO_ESCAPES[c] ?? m);
    if (newline) text += "\n";
    stdout.write(text);
    stdout.flush();
    if (stdout.error) {
      stderr(`${errorPrefix}echo: write error: ${strerror(stdout.error)}\n`);
      return 1;
    }
    return 0;
  },

  cat({ args, stdout, stderr, shell }) {
    const vfs = shell.kernel.vfs;
    let status = 0;
    for (const path of args) {
      const fd = vfs.open(path, O_RDONLY, shell.cwd);
      if (fd < 0) {
        stderr(`cat: ${path}: ${strerror(fd)}\n`);
        status = 1;
        continue;
      }
      for (;;) {
        const chunk = vfs.read(fd, READ_CHUNK);
        if (typeof chunk === "number") {
          stderr(`cat: ${path}: ${strerror(chunk)}\n`);
          status = 1;
          break;
        }
        if (!chunk.length) break;
        stdout.write(chunk);
      }
      vfs.close(fd);
    }
    stdout.flush();
    if (stdout.error) {
      stderr(`cat: write error: ${strerror(stdout.error)}\n`);
      return 1;
    }
    return status;
  },

  cd({ args, stderr, errorPrefix, shell }) {
    const target = args[0] ?? "/root";
    const node = shell.kernel.vfs.lookup(target, shell.cwd);
    if (typeof node === "number") {
      stderr(`${errorPrefix}cd: ${target}: ${strerror(node)}\n`);
      return 1;
    }
    if (node.kind !== "dir") {
      stderr(`${errorPrefix}cd: ${target}: Not a directory\n`);
      return 1;
    }
    shell.cwd = shell.resolve(target);
    return 0;
  },

  pwd({ stdout, shell }) {
    stdout.write(`${shell.cwd}\n`);
    return 0;
  },

  ls({ args, stdout, stderr, shell }) {
    const long = args.some((a) => /^-\w*l/.test(a));
    const paths = args.filter((a) => !a.startsWith("-"));
    const vfs = shell.kernel.vfs;
    let status = 0;
    const targets = paths.length ? paths : ["."];
    targets.forEach((path, k) => {
      const stat = vfs.stat(path, shell.cwd);
      if (typeof stat === "number") {
        stderr(`ls: cannot access '${path}': ${strerror(stat)}\n`);
        status = 2;
        return;
      }
      const line = (name: string, kind: string, mode: number) =>
        long ? `${kind === "dir" ? "d" : "-"}${permissions(mode)} ${kind === "dir" ? 2 : 1} root root 0 Jan  1 00:00 ${name}\n` : `${name}\n`;
      if (stat.kind === "file") {
        stdout.write(line(path, "file", stat.mode));
        return;
      }
      if (targets.length > 1) stdout.write(`${k ? "\n" : ""}${path}:\n`);
      const names = (vfs.readdir(path, shell.cwd) as string[]).slice().sort(byteOrder);
      for (const name of names) {
        const child = vfs.stat(`${shell.resolve(path)}/${name}`) as { kind: string; mode: number };
        stdout.write(line(name, child.kind, child.mode));
      }
    });
    return status;
  },

  ps({ stdout, shell }) {
    stdout.write("    PID TTY          TIME CMD\n");
    for (const task of shell.kernel.sim.machine.tasks()) {
      stdout.write(`${String(task.pid).padStart(7)} ?        00:00:00 ${task.comm}\n`);
    }
    return 0;
  },

  spawn({ args, stdout, shell }) {
    const task = shell.kernel.sim.machine.spawn(args[0] ?? "sleep");
    stdout.write(`${task.pid}\n`);
    return 0;
  },

  kill({ args, stderr, shell }) {
    let status = 0;
    for (const arg of args.filter((a) => !a.startsWith("-"))) {
      const pid = Number(arg);
      if (!Number.isSafeInteger(pid) || !shell.kernel.sim.machine.task(pid)) {
        stderr(`bash: kill: (${arg}) - No such process\n`);
        status = 1;
        continue;
      }
      shell.kernel.sim.machine.exit(pid);
    }
    return status;
  },

  sleep({ args, stderr, shell }) {
    const seconds = Number(args[0]);
    if (!(seconds >= 0)) {
      stderr(`sleep: invalid time interval '${args[0] ?? ""}'\n`);
      return 1;
    }
    shell.kernel.sim.runFor(Math.round(seconds * 1e6));
    return 0;
  },

  dmesg({ stdout, shell }) {
    for (const line of shell.kernel.damon.log) {
      const secs = (line.timeUs / 1e6).toFixed(6).padStart(12);
      stdout.write(`[${secs}] ${line.text}\n`);
    }
    return 0;
  },

  true: () => 0,
  false: () => 1,

  exit({ args, shell }) {
    const status = args.length ? Number(args[0]) & 0xff : shell.status;
    shell.requestExit(status);
    return status;
  },

  help({ stdout, shell }) {
    stdout.write(`commands: ${Object.keys(shell.commands).sort().join(" ")}\n`);
    stdout.write("DAMON's debugfs is at /sys/kernel/debug/damon; processes: ps, spawn NAME, kill PID; time: sleep SECONDS\n");
    return 0;
  },
};

function permissions(mode: number): string {
  const bits = "rwxrwxrwx";
  return [...bits].map((c, i) => (mode & (1 << (8 - i)) ? c : "-")).join("");
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
