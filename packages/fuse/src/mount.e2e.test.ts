// A real mount, driven by bash and node clients. The server (e2e-server.mjs, over the built
// dist/) and its clients run inside `unshare -m --propagation private`: the mount exists only in
// that namespace, so even a crashed or killed run leaves nothing mounted on the host.
// Skipped when FUSE is unavailable here, except with CI=true, where that is a failed test.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkFuse, hasCommand } from "./preflight.js";

interface Run {
  status: number;
  stdout: string;
  stderr: string;
  /** The handler calls the client caused, in order. */
  ops: string[];
}

interface Ready {
  pid: number;
  mountLine: string | null;
  init: string;
  cat: Run;
  echo: Run;
  busy: Run;
  echoLines: Run;
  afterEchoLines: Run;
  printfBuiltin: Run;
  printfBinary: Run;
  ls: Run;
  readOnlyWrite: Run;
  readOnlyCat: Run;
  sizeZero: Run;
  missing: Run;
  mkdirs: Run;
  rmdirs: Run;
  syscalls: Run;
  selfReads: string[];
  badMount: string;
  busyUnmount: string;
}

interface Unmounted {
  mountLine: string | null;
  last: string;
}

const srcDir = fileURLToPath(new URL(".", import.meta.url));
const output = (command: string, args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
const packageDir = join(srcDir, "..");
const unavailable = whyUnavailable();
const required = process.env.CI === "true";

function whyUnavailable(): string | undefined {
  const check = checkFuse();
  if (!check.ok) return check.reason;
  const missing = ["unshare", "timeout", "bash"].filter((name) => !hasCommand(name));
  return missing.length > 0 ? `${missing.join(", ")} not found in PATH` : undefined;
}

/** The server imports dist/: refuse to test a build older than the sources. */
function assertFreshBuild(): void {
  const buildInfo = join(packageDir, "tsconfig.tsbuildinfo");
  const built = existsSync(buildInfo) && existsSync(join(packageDir, "dist", "index.js")) ? statSync(buildInfo).mtimeMs : 0;
  const stale = readdirSync(srcDir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && statSync(join(srcDir, f)).mtimeMs > built);
  if (stale.length > 0) {
    throw new Error(`dist/ is older than src/${stale[0]}: build first (cd packages/fuse && npx tsc -b; npm test builds)`);
  }
}

if (unavailable !== undefined && required) {
  it("FUSE is available, as CI=true requires", () => {
    expect.fail(`the FUSE end-to-end test cannot run: ${unavailable}`);
  });
} else if (unavailable !== undefined) {
  console.warn(`FUSE end-to-end test skipped: ${unavailable}`);
}

describe.skipIf(unavailable !== undefined)(`a real FUSE mount${unavailable ? ` (skipped: ${unavailable})` : ""}`, () => {
  let mnt = "";
  let server: ChildProcess | undefined;
  let ready: Ready;
  let unmounted: Unmounted;
  let exit: { code: number | null; signal: string | null };

  beforeAll(async () => {
    assertFreshBuild();
    mnt = mkdtempSync(join(tmpdir(), "damon-sim-fuse-"));
    const script = join(srcDir, "e2e-server.mjs");
    const child = spawn("timeout", ["120", "unshare", "-m", "--propagation", "private", process.execPath, script, mnt], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    server = child;
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<typeof exit>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (stage: string): Promise<Record<string, unknown>> => {
      const line = await lines.next();
      if (line.done) throw new Error(`the server exited before ${stage}: ${stderr}`);
      return JSON.parse(line.value) as Record<string, unknown>;
    };
    ready = (await next("the clients ran")).ready as Ready;
    process.kill(ready.pid, "SIGTERM");
    unmounted = (await next("unmounting")).unmounted as Unmounted;
    exit = await exited;
  }, 150_000);

  afterAll(() => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill("SIGTERM");
    // rmdir, not rm -r: it fails loudly if anything were still mounted there.
    if (mnt) rmdirSync(mnt);
  });

  it("mounts as fuse.<subtype> with fsName as the source, protocol 7.31", () => {
    expect(ready.mountLine).toMatch(new RegExp(`^damon-sim ${mnt} fuse\\.damon_sim_debugfs rw,.*user_id=0,group_id=0,default_permissions`));
    expect(ready.init).toMatch(/^INIT kernel 7\.\d+ flags=0x[0-9a-f]+; replying 7\.31$/);
  });

  it("cat reads a file: one READ per read(2), the second at the advanced offset returns EOF", () => {
    expect(ready.cat).toEqual({
      status: 0,
      stdout: "5000 100000 60000000 10 1000\n",
      stderr: "",
      ops: ["open /attrs", expect.stringMatching(/^read \/attrs @0 \d+$/), expect.stringMatching(/^read \/attrs @29 \d+$/), "release /attrs"],
    });
  });

  it("echo > file: O_TRUNC reaches truncate, then one WRITE at offset 0", () => {
    expect(ready.echo).toMatchObject({ status: 0, stdout: "1 2 3 4 5\n", stderr: "" });
    expect(ready.echo.ops.slice(0, 4)).toEqual(["open /attrs", "truncate /attrs 0", 'write /attrs @0 "1 2 3 4 5\\n" -> 10', "release /attrs"]);
    expect(ready.echo.ops.slice(4)).toEqual(["open /attrs", expect.stringMatching(/^read \/attrs @0 /), expect.stringMatching(/^read \/attrs @10 /), "release /attrs"]);
  });

  it("a handler's -EBUSY reaches bash unchanged: exit status 1 and its exact message", () => {
    expect(ready.busy).toMatchObject({ status: 1, stdout: "", stderr: "bash: line 1: echo: write error: Device or resource busy\n" });
    expect(ready.busy.ops).toContain('write /attrs @0 "busy\\n" -> -16');
  });

  it("bash's builtin echo writes line by line: the second write(2) arrives at offset 2 and gets EINVAL", () => {
    expect(ready.echoLines).toMatchObject({ status: 1, stderr: "bash: line 1: echo: write error: Invalid argument\n" });
    expect(ready.echoLines.ops).toEqual([
      "open /attrs",
      "truncate /attrs 0",
      'write /attrs @0 "a\\n" -> 2',
      'write /attrs @2 "b\\n" -> -22',
      "release /attrs",
    ]);
    expect(ready.afterEchoLines.stdout).toBe("a\n"); // the first line was taken
  });

  it("so does builtin printf; only a single write(2) (env printf) gets several lines in", () => {
    expect(ready.printfBuiltin).toMatchObject({ status: 1, stderr: "bash: line 1: printf: write error: Invalid argument\n" });
    expect(ready.printfBuiltin.ops).toContain('write /attrs @2 "b\\n" -> -22');
    expect(ready.printfBinary).toMatchObject({ status: 0, stdout: "a\nb\n", stderr: "" });
    expect(ready.printfBinary.ops).toContain('write /attrs @0 "a\\nb\\n" -> 4');
  });

  it("ls -l shows the handler's permission bits and sizes, owned by root", () => {
    const line = (name: string) => ready.ls.stdout.split("\n").find((l) => l.endsWith(` ${name}`));
    expect(ready.ls.status).toBe(0);
    expect(line("attrs")).toMatch(/^-rw------- 1 root root +4 /);
    expect(line("readme")).toMatch(/^-r--r--r-- 1 root root +10 /);
    expect(line("kdamond_pid")).toMatch(/^-r-------- 1 root root +0 /);
    expect(line("mk_contexts")).toMatch(/^--w------- 1 root root +0 /);
  });

  it("a read-only file reads, and its handler refuses opening it for writing (EACCES)", () => {
    expect(ready.readOnlyCat).toMatchObject({ status: 0, stdout: "read only\n" });
    expect(ready.readOnlyWrite).toMatchObject({ status: 1, stderr: "bash: line 1: readme: Permission denied\n" });
    expect(ready.readOnlyWrite.ops).toEqual(["open /readme -> EACCES"]);
  });

  it("a file of size 0 still reads its content (FOPEN_DIRECT_IO)", () => {
    expect(ready.sizeZero).toMatchObject({ status: 0, stdout: "0 -r--------\nnone\n" });
  });

  it("a missing name is ENOENT", () => {
    expect(ready.missing).toMatchObject({ status: 1, stderr: "cat: nope: No such file or directory\n" });
  });

  it("a directory appears when named in mk_contexts and disappears with rm_contexts", () => {
    expect(ready.mkdirs).toMatchObject({ status: 0, stderr: "" });
    expect(ready.mkdirs.stdout).toBe("attrs\nctx0\nctx1\nkdamond_pid\nmk_contexts\nreadme\nrm_contexts\ndrwxr-xr-x directory\n");
    expect(ready.rmdirs.stdout).toBe("attrs\nctx0\nkdamond_pid\nmk_contexts\nreadme\nrm_contexts\n");
    expect(ready.rmdirs).toMatchObject({ status: 2, stderr: "ls: cannot access 'ctx1': No such file or directory\n" });
  });

  it("nonseekable: write(2)/read(2) carry the advanced file position, pread/pwrite fail with ESPIPE", () => {
    expect(ready.syscalls.status).toBe(0);
    expect(JSON.parse(ready.syscalls.stdout)).toEqual({
      write1: 10,
      write2: "EINVAL",
      pwrite: "ESPIPE",
      pread: "ESPIPE",
      read1: "4:1 2 ",
      read2: "4:3 4 ",
      preadSeekable: "4:only", // a seekable file: pread(fd, 4, 5) reaches READ at offset 5
    });
    expect(ready.syscalls.ops).toEqual([
      "open /attrs",
      'write /attrs @0 "1 2 3 4 5\\n" -> 10',
      'write /attrs @10 "6\\n" -> -22',
      "release /attrs", // the pwrite and pread never reached the server
      "open /attrs",
      "read /attrs @0 4",
      "read /attrs @4 4",
      "release /attrs",
      "open /readme",
      "read /readme @5 4",
      "release /readme",
    ]);
  });

  it("the serving process reads its own mount 16 times at once without deadlock (worker-thread reader)", () => {
    expect(ready.selfReads).toEqual(Array(16).fill("read only\n"));
  });

  it("mount() rejects with mount(8)'s message when the mountpoint is missing", () => {
    expect(ready.badMount).toMatch(`mount ${mnt}-missing failed (exit 32): mount: ${mnt}-missing: mount point does not exist.`);
  });

  it("unmount() rejects while the mount is busy, and a later unmount() still works", () => {
    expect(ready.busyUnmount).toBe(`umount ${mnt} failed (exit 32): umount: ${mnt}: target is busy.`);
  });

  it("SIGTERM unmounts cleanly: the mount leaves /proc/self/mounts and the server exits 0", () => {
    expect(unmounted).toEqual({ mountLine: null, last: `unmounted ${mnt}` });
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it.each(["exit", "throw"])("a server that crashes (%s) while mounted still ends, leaving a dead mount, not a hung one", async (how) => {
    const script = join(srcDir, "e2e-server.mjs");
    const shell = `"$0" "$1" "$2" ${how} 2>/dev/null; echo "server exit $?"; cat "$2/readme"`;
    const run = await output("timeout", ["30", "unshare", "-m", "--propagation", "private", "bash", "-c", shell, process.execPath, script, mnt]);
    const code = how === "exit" ? 3 : 1;
    expect(run).toEqual({ code: 1, stdout: `read only\nserver exit ${code}\n`, stderr: `cat: ${mnt}/readme: Transport endpoint is not connected\n` });
  }, 40_000);

  it("nothing is left mounted on the host", () => {
    const mounts = readFileSync("/proc/self/mounts", "utf8");
    expect(mounts).not.toContain(mnt);
    expect(mounts).not.toContain("fuse.damon_sim_debugfs");
  });
});
