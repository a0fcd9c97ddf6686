// Runs a bash script inside `damon-sim run` (a simulated machine in private mount and pid
// namespaces) and collects what it printed. The script sees:
//   damo            on PATH: python3 <damo v3.3.0's damo.py> "$@" (unmodified, from ../shared)
//   check NAME CMD  prints "=== NAME", CMD's stdout+stderr, then "rc=N" (see sections())
//   $DAMON_SIM_PIDS the --spawn workloads' pids; $WORK (= $HOME and the cwd) a temp directory
// HOME is a fresh directory per run, so damo's caches (~/.damo.sysinfo) never leak between runs.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkFuse } from "@damon-sim/fuse";
import { expect, it } from "vitest";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const cliPath = join(repoRoot, "apps/cli/dist/cli.js");
export const damoPath = process.env.DAMO_PY ?? join(repoRoot, "../shared/tools/damo/src/damo.py");
/** Under CI=true a missing prerequisite is a failure, not a skip. */
export const required = process.env.CI === "true";

/** Why these tests cannot run here, or undefined when they can. */
export function unavailable(): string | undefined {
  const fuse = checkFuse();
  if (!fuse.ok) return fuse.reason;
  for (const [command, args] of [["unshare", ["--version"]], ["python3", ["--version"]], ["ps", ["--version"]]] as const) {
    if (!commandWorks(command, [...args])) return `${command} is not installed`;
  }
  if (!existsSync(damoPath)) return `damo not found at ${damoPath}`;
  if (!existsSync(cliPath)) return `the CLI is not built (${cliPath}): run npm run build`;
  return undefined;
}

/**
 * Call at a test file's top level; true when its suites must be skipped. Says why once, and
 * under CI=true registers a failing test instead of skipping.
 */
export function mustSkip(what = "damo end-to-end tests"): boolean {
  const missing = unavailable();
  if (missing === undefined) return false;
  if (required) {
    it(`${what} can run, as CI=true requires`, () => {
      expect.fail(`the ${what} cannot run: ${missing}`);
    });
    return true;
  }
  console.warn(`${what} skipped: ${missing}. They need Linux, /dev/fuse, root, unshare, python3 and ps.`);
  return true;
}

function commandWorks(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

export interface SimRunOptions {
  kernel?: string;
  /** Built-in workloads to start (their pids are $DAMON_SIM_PIDS). */
  spawn?: string[];
  seed?: number;
  /** Virtual seconds per wall-clock second. */
  speed?: number;
  /** Killed after this many seconds (default 90). */
  timeoutSeconds?: number;
  env?: Record<string, string>;
  /** Keep $WORK after the run (the caller removes it); default false. */
  keepWork?: boolean;
  /** Log every file damo opens under /proc and /sys (see SimRunResult.opened). */
  auditOpens?: boolean;
}

/** A file or directory damo opened: mode is open()'s ("r", "w") or "listdir". */
export interface OpenedFile {
  path: string;
  mode: string;
  /** Whether it existed when damo opened it. */
  exists: boolean;
}

export interface SimRunResult {
  /** The exit status of `damon-sim run`, i.e. of the script; null if killed. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The run's HOME and cwd (removed unless keepWork). */
  work: string;
  /** With auditOpens: what damo opened under /proc and /sys, in order. */
  opened: OpenedFile[];
}

const auditPath = fileURLToPath(new URL("open-audit.py", import.meta.url));

const PRELUDE = `
check() { local name=$1; shift; echo "=== $name"; ( "$@" ) 2>&1; echo "rc=$?"; }
`;

/** Runs `script` with bash inside `damon-sim run`. */
export function runInSim(script: string, options: SimRunOptions = {}): Promise<SimRunResult> {
  const work = mkdtempSync(join(tmpdir(), "damo-e2e-"));
  mkdirSync(join(work, "bin"));
  const log = join(work, "opened.log");
  const damo = options.auditOpens ? `export DAMO_OPEN_LOG="${log}"\nexec python3 "${auditPath}" "$@"` : `exec python3 "$DAMO_PY" "$@"`;
  writeFileSync(join(work, "bin/damo"), `#!/bin/sh\n${damo}\n`);
  chmodSync(join(work, "bin/damo"), 0o755);
  const args = [
    String(options.timeoutSeconds ?? 90), process.execPath, cliPath, "run",
    "--kernel", options.kernel ?? "6.8", "--seed", String(options.seed ?? 0), "--speed", String(options.speed ?? 1),
    ...(options.spawn ?? []).flatMap((w) => ["--spawn", w]),
    "--", "bash", "-c", PRELUDE + script,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("timeout", args, {
      cwd: work,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PATH: `${join(work, "bin")}:${process.env.PATH}`, HOME: work, WORK: work, DAMO_PY: damoPath, LC_ALL: "C", ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status, signal) => {
      const opened = existsSync(log) ? parseOpened(readFileSync(log, "utf8")) : [];
      if (!options.keepWork) rmSync(work, { recursive: true, force: true });
      resolve({ status, signal, stdout, stderr, work, opened });
    });
  });
}

/**
 * Every file damo opened under /proc and /sys existed (the simulation serves all it reads),
 * and among them are `expected` ("MODE PATH", pids and indices written as N).
 */
export function expectOpensServed(run: SimRunResult, expected: readonly string[]): void {
  expect(run.opened.filter((o) => !o.exists)).toEqual([]);
  const paths = new Set(run.opened.map((o) => `${o.mode} ${o.path.replace(/\/\d+(?=\/|$)/g, "/N")}`));
  for (const path of expected) expect(paths).toContain(path);
}

export interface Section {
  /** What the command printed (stdout and stderr, interleaved), without the trailing newline. */
  out: string;
  rc: number;
}

/** Splits the output of `check` calls into {name: {out, rc}}. */
export function sections(stdout: string): Record<string, Section> {
  const result: Record<string, Section> = {};
  for (const part of stdout.split(/^=== /m).slice(1)) {
    const newline = part.indexOf("\n");
    const name = part.slice(0, newline);
    const body = part.slice(newline + 1);
    const rc = /(?:^|\n)rc=(\d+)\n?$/.exec(body);
    result[name] = { out: rc ? body.slice(0, rc.index).replace(/\n$/, "") : body.trimEnd(), rc: rc ? Number(rc[1]) : -1 };
  }
  return result;
}

function parseOpened(text: string): OpenedFile[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [exists, mode, ...path] = line.split(" ");
      return { exists: exists === "ok", mode, path: path.join(" ") };
    });
}
