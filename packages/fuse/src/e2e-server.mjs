// The end-to-end test's server (mount.e2e.test.ts runs it inside `unshare -m`), usage:
// e2e-server.mjs <mountpoint> [exit|throw]. Mounts a toy debugfs-like handler from the built
// package, drives it from child processes (bash, node), prints {"ready": results} as one JSON
// line, and on SIGTERM unmounts and prints {"unmounted": ...}. With exit|throw it crashes instead.
// Clients are always other processes, never cwd'ed on the mount by spawn: see the README.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { Errno, mount } from "../dist/index.js";

const mnt = process.argv[2];
const O_ACCMODE = 0o3;
const text = (bytes) => new TextDecoder().decode(bytes);

// What the handler saw, in order; each command gets the slice it caused.
const log = [];
const state = { attrs: "5000 100000 60000000 10 1000\n", contexts: new Set() };

const files = new Map([
  ["/attrs", { mode: 0o600, nonSeekable: true, read: () => state.attrs, write: writeAttrs }],
  ["/readme", { mode: 0o444, read: () => "read only\n" }],
  ["/kdamond_pid", { mode: 0o400, size: 0, read: () => "none\n" }],
  ["/mk_contexts", { mode: 0o200, write: (s) => names(s, (n) => (state.contexts.has(n) ? -Errno.EEXIST : (state.contexts.add(n), 0))) }],
  ["/rm_contexts", { mode: 0o200, write: (s) => names(s, (n) => (state.contexts.delete(n) ? 0 : -Errno.ENOENT)) }],
]);

function writeAttrs(s) {
  if (s.startsWith("busy")) return -Errno.EBUSY;
  state.attrs = s;
  return 0;
}

/** Applies `apply` (0 or -errno) to each whitespace-separated name; stops at the first error. */
function names(s, apply) {
  for (const name of s.trim().split(/\s+/)) {
    const result = apply(name);
    if (result < 0) return result;
  }
  return 0;
}

const handles = new Map();
let nextFh = 1;
// RELEASE is asynchronous: close(2) returns before it arrives. Waiting for it keeps each client's ops its own.
const released = [];
const allReleased = () => new Promise((resolve) => (handles.size === 0 ? resolve() : released.push(resolve)));

const handler = {
  getattr(path) {
    if (path === "/" || state.contexts.has(path.slice(1))) return { kind: "dir", mode: 0o755, size: 0 };
    const file = files.get(path);
    if (!file) return -Errno.ENOENT;
    return { kind: "file", mode: file.mode, size: file.size ?? Buffer.byteLength(file.read?.() ?? "") };
  },
  readdir: (path) => (path === "/" ? [...[...files.keys()].map((p) => p.slice(1)), ...state.contexts] : []),
  open(path, flags) {
    const file = files.get(path);
    const access = flags & O_ACCMODE;
    if (!file) return -Errno.ENOENT;
    if ((access !== 0 && !file.write) || (access !== 1 && !file.read)) {
      log.push(`open ${path} -> EACCES`);
      return -Errno.EACCES;
    }
    const fh = nextFh++;
    handles.set(fh, { path, file });
    log.push(`open ${path}`);
    return { fh, nonSeekable: file.nonSeekable };
  },
  read(fh, offset, size) {
    const { path, file } = handles.get(fh);
    log.push(`read ${path} @${offset} ${size}`);
    return Buffer.from(file.read()).subarray(offset, offset + size);
  },
  write(fh, offset, data) {
    const { path, file } = handles.get(fh);
    // Like DAMON's user_input_str: only whole writes at position 0.
    const result = offset !== 0 ? -Errno.EINVAL : file.write(text(data)) || data.length;
    log.push(`write ${path} @${offset} ${JSON.stringify(text(data))} -> ${result}`);
    return result;
  },
  release(fh) {
    log.push(`release ${handles.get(fh).path}`);
    handles.delete(fh);
    if (handles.size === 0) released.splice(0).forEach((resolve) => resolve());
  },
  truncate(path, size) {
    log.push(`truncate ${path} ${size}`); // debugfs ignores O_TRUNC; so do we
    return 0;
  },
};

/** Runs one client process; resolves with its output and the handler calls it caused. */
function client(command, args) {
  const from = log.length;
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, MNT: mnt, LC_ALL: "C" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => allReleased().then(() => resolve({ status, stdout, stderr, ops: log.slice(from) })));
  });
}

const bash = (script) => client("bash", ["-c", `cd "$MNT" && ${script}`]);
const node = (script) => client(process.execPath, ["-e", script]);

// One open file description, syscall by syscall; pread/pwrite are readSync/writeSync with a position.
const syscalls = `
const fs = require("fs");
const at = (name) => process.env.MNT + "/" + name;
const attempt = (f) => { try { return f(); } catch (e) { return e.code; } };
const out = {};
let fd = fs.openSync(at("attrs"), "r+");
out.write1 = attempt(() => fs.writeSync(fd, "1 2 3 4 5\\n"));
out.write2 = attempt(() => fs.writeSync(fd, "6\\n"));
out.pwrite = attempt(() => fs.writeSync(fd, "7\\n", 0));
out.pread = attempt(() => fs.readSync(fd, Buffer.alloc(4), 0, 4, 0));
fs.closeSync(fd);
fd = fs.openSync(at("attrs"), "r");
const b = Buffer.alloc(4);
out.read1 = attempt(() => fs.readSync(fd, b, 0, 4, null) + ":" + b);
out.read2 = attempt(() => fs.readSync(fd, b, 0, 4, null) + ":" + b);
fs.closeSync(fd);
fd = fs.openSync(at("readme"), "r");
out.preadSeekable = attempt(() => fs.readSync(fd, b, 0, 4, 5) + ":" + b);
fs.closeSync(fd);
console.log(JSON.stringify(out));
`;

const debug = [];
const fuse = await mount(mnt, handler, { subtype: "damon_sim_debugfs", debug: (line) => debug.push(line) });
const mountLine = () => readFileSync("/proc/self/mounts", "utf8").split("\n").find((line) => line.split(" ")[1] === mnt) ?? null;

// Crash modes: leave while mounted, as a bug would. The process must still end (the reader
// thread must not keep it alive), and the mount must be dead rather than hanging its clients.
const crash = process.argv[3];
if (crash) {
  const { stdout } = await bash("cat readme");
  process.stdout.write(stdout);
  if (crash === "exit") process.exit(3);
  throw new Error("crash while mounted");
}

const results = { pid: process.pid, mountLine: mountLine() };
results.init = debug.find((line) => line.startsWith("INIT "));
results.cat = await bash("cat attrs");
results.echo = await bash("echo 1 2 3 4 5 > attrs && cat attrs");
results.busy = await bash("echo busy > attrs");
results.echoLines = await bash(String.raw`echo -e 'a\nb' > attrs`);
results.afterEchoLines = await bash("cat attrs");
results.printfBuiltin = await bash(String.raw`printf 'a\nb\n' > attrs`);
results.printfBinary = await bash(String.raw`env printf 'a\nb\n' > attrs && cat attrs`);
results.ls = await bash("ls -l");
results.readOnlyWrite = await bash("echo x > readme");
results.readOnlyCat = await bash("cat readme");
results.sizeZero = await bash("stat -c '%s %A' kdamond_pid && cat kdamond_pid");
results.missing = await bash("cat nope");
results.mkdirs = await bash("echo ctx0 ctx1 > mk_contexts && ls -1 && [ -d ctx1 ] && stat -c '%A %F' ctx1");
results.rmdirs = await bash("echo ctx1 > rm_contexts && ls -1 && [ ! -e ctx1 ] && ls ctx1");
results.syscalls = await node(syscalls);
// The serving process reading its own mount, more often at once than the libuv pool has threads.
results.selfReads = await Promise.all(Array.from({ length: 16 }, () => readFile(`${mnt}/readme`, "utf8")));
results.badMount = await mount(`${mnt}-missing`, handler).then(() => "mounted?!", (error) => error.message);
results.busyUnmount = await unmountWhileBusy();

/** unmount() while a shell sits in the mount fails ("target is busy"); a later unmount() must still work. */
async function unmountWhileBusy() {
  const holder = spawn("bash", ["-c", 'cd "$MNT" && echo in && exec sleep 60'], { env: { ...process.env, MNT: mnt }, stdio: ["ignore", "pipe", "ignore"] });
  await new Promise((resolve) => holder.stdout.once("data", resolve));
  const outcome = await fuse.unmount().then(() => "unmounted?!", (error) => error.message);
  holder.kill();
  await new Promise((resolve) => holder.once("close", resolve));
  return outcome;
}

// `on`, not `once`: timeout(1) signals the command and then its whole process group, so a second
// SIGTERM may follow, and the default action would kill us mid-unmount.
let stopping;
process.on("SIGTERM", () => {
  stopping ??= fuse.unmount().then(
    () => process.stdout.write(`${JSON.stringify({ unmounted: { mountLine: mountLine(), last: debug.at(-1) } })}\n`),
    (error) => {
      process.stderr.write(`unmount failed: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
});
process.stdout.write(`${JSON.stringify({ ready: results })}\n`); // only now may the test send SIGTERM
