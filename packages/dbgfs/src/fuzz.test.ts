// Every debugfs file write, for every kernel version: random bytes and mutations of valid
// lines, from a range of machine states. A write returns its byte count or -errno, never
// throws; and a failed write leaves every file's content and every context's state exactly as
// before, except where the kernel itself changes something on the way to the error (a failed
// init_regions write has already deleted the context's regions, spec kernel-damon.md §2.5).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fuzz } from "../../../tools/test-runner/src/fuzz.js";
import type { DbgfsContext } from "./damon-dir.js";
import { Errno } from "./errno.js";
import { SimKernel } from "./kernel.js";
import { KERNEL_VERSIONS, type KernelVersion } from "./versions.js";
import { DirNode, encode, O_WRONLY } from "./vfs.js";

const DEBUGFS = "/sys/kernel/debug";
const D = `${DEBUGFS}/damon`;
const ERRNOS = new Set<number>(Object.values(Errno));
const DEFAULT_ATTRS = "5000 100000 1000000 10 1000\n";
const SCHEME = "4096 8192 0 5 10 20 2 10 1073741824 1000 0 0 100 1 5000000 600 500 300\n";

/** The machine state a case starts from; `ensure` brings a kernel there. */
interface Scenario {
  contexts: 1 | 2;
  targets: Array<"none" | "one" | "two" | "paddr">;
  schemes: boolean;
  regions: boolean;
  running: boolean;
  tracing: boolean;
}

const scenarioArb = fc.record({
  contexts: fc.constantFrom<1 | 2>(1, 2),
  targets: fc.array(fc.constantFrom("none" as const, "one" as const, "two" as const, "paddr" as const), { minLength: 2, maxLength: 2 }),
  schemes: fc.boolean(),
  regions: fc.boolean(),
  running: fc.boolean(),
  tracing: fc.boolean(),
});

/** One kernel per version, reused while it is in a state `ensure` can reset. */
class Machine {
  kernel!: SimKernel;
  pids: [number, number] = [0, 0];
  readonly version: KernelVersion;
  constructor(version: KernelVersion) {
    this.version = version;
    this.boot();
  }

  boot(): void {
    this.kernel = SimKernel.createSync({ seed: 1, version: this.version });
    this.pids = [this.#spawn(), this.#spawn()];
  }

  #spawn(): number {
    const task = this.kernel.sim.machine.spawn("work");
    task.mm!.mmap(64 << 20);
    return task.pid;
  }

  get b() {
    return this.kernel.damon.behaviour;
  }

  /** The scenario as this version can have it (no paddr before 5.16, no second context in seed...). */
  normalise(s: Scenario): Scenario {
    const v516 = this.b.paddr !== "none";
    const contexts = this.b.rootFiles.includes("mk_contexts") ? s.contexts : 1;
    const targets = s.targets.slice(0, contexts).map((t) => (t === "paddr" && !v516 ? "one" : t));
    const running = s.running && (!this.b.onRequiresTargets || targets.every((t) => t !== "none"));
    return { contexts, targets, schemes: s.schemes && v516, regions: s.regions && v516, running, tracing: s.tracing };
  }

  /** Brings the kernel to `s` through its own files; reboots when it cannot (a broken context). */
  ensure(s: Scenario): void {
    const damon = this.kernel.damon;
    const dirs = [...damon.dir.children.values()].filter((n) => n.kind === "dir").length;
    if (damon.contexts.length > 3 || damon.contexts.some((c, i) => i > 0 && !c.dir) || dirs !== damon.contexts.length - 1) this.boot();
    const { sim } = this.kernel;
    const running = this.kernel.damon.contexts.filter((c) => c.ctx.running).map((c) => c.ctx);
    if (running.length) sim.stop(running);
    const contexts = this.kernel.damon.contexts;
    while (contexts.length > s.contexts) this.#must("rm_contexts", `${contexts[contexts.length - 1].name}\n`);
    if (contexts.length < s.contexts) this.#must("mk_contexts", "c1\n");
    contexts.forEach((c, i) => {
      const dir = c.name ? `${c.name}/` : "";
      this.#must(`${dir}attrs`, DEFAULT_ATTRS);
      const [a, b] = this.pids;
      const t = s.targets[i];
      this.#must(`${dir}target_ids`, t === "one" ? `${a}\n` : t === "two" ? `${a} ${b}\n` : t === "paddr" ? "paddr\n" : "\n");
      if (this.b.contextFiles.includes("schemes")) {
        this.#must(`${dir}schemes`, s.schemes ? SCHEME : "\n");
        const id = this.b.initRegionsByIndex ? "0" : t === "paddr" ? "42" : `${a}`;
        this.#must(`${dir}init_regions`, s.regions && t !== "none" ? `${id} 65536 131072\n${id} 131072 262144\n` : "\n");
      }
    });
    this.#must("../tracing/events/damon/damon_aggregated/enable", s.tracing ? "1\n" : "0\n");
    if (s.running) this.#must(this.b.monitorOn, "on\n");
  }

  #must(file: string, text: string): void {
    const bytes = encode(text);
    const n = this.kernel.vfs.writeFile(file.startsWith("/") ? file : `${D}/${file}`, bytes);
    if (n !== bytes.length) throw new Error(`setup: write of ${JSON.stringify(text)} to ${file} gave ${n} on ${this.version}`);
  }

  /** Every file under damon/ and the tracing enable files: the targets of the fuzzed writes. */
  writableFiles(): string[] {
    const out: string[] = [];
    walk(this.kernel.damon.dir, D, out);
    out.push(`${DEBUGFS}/tracing/events/damon/enable`, `${DEBUGFS}/tracing/events/damon/damon_aggregated/enable`);
    return out;
  }

  /** Valid lines for a file, to be mutated. */
  validLines(file: string): string[] {
    const [a, b] = this.pids;
    const name = file.slice(file.lastIndexOf("/") + 1);
    switch (name) {
      case "attrs":
        return [DEFAULT_ATTRS, "1 2 3 4 5", "10 10 10 3 3\n"];
      case "target_ids":
        return [`${a}\n`, `${a} ${b}\n`, "paddr\n", "\n", `${b}`];
      case "init_regions":
        return this.b.initRegionsByIndex
          ? ["0 65536 131072\n", "0 4096 8192 0 8192 16384\n1 4096 8192\n"]
          : [`${a} 4096 8192\n`, `42 4096 8192 ${b} 0 4096\n`];
      case "schemes":
        return [SCHEME, `${SCHEME}${SCHEME}`, "0 18446744073709551615 0 4294967295 0 4294967295 5 0 0 0 0 0 0 0 0 0 0 0\n"];
      case "mk_contexts":
        return ["c2\n", "c1\n", "foo bar\n"];
      case "rm_contexts":
        return ["c1\n", "c2\n", "attrs\n"];
      case "enable":
        return ["1\n", "0\n", "1"];
      default:
        return name.startsWith("monitor_on") ? ["on\n", "off\n", "on", "o", "of"] : ["0\n"];
    }
  }

  /** What a reader sees: every file's content (or -errno) and every context's state. */
  state(): MachineState {
    const files: Record<string, string | number> = {};
    const paths: string[] = [];
    walk(this.kernel.debugfs, DEBUGFS, paths);
    for (const path of paths) if (!path.endsWith("/trace_pipe")) files[path] = this.kernel.vfs.readFile(path);
    return {
      files,
      contexts: this.kernel.damon.contexts.map(contextState),
      nrRunning: this.kernel.sim.nrRunning,
      log: this.kernel.damon.log.length,
      tracing: this.kernel.tracing.enabled,
    };
  }
}

interface MachineState {
  files: Record<string, string | number>;
  contexts: ReturnType<typeof contextState>[];
  nrRunning: number;
  log: number;
  tracing: boolean;
}

function contextState(c: DbgfsContext) {
  const ctx = c.ctx;
  return {
    name: c.name,
    dir: c.dir !== null,
    attrs: c.attrs.map(String),
    ctxAttrs: { ...ctx.attrs },
    ops: ctx.ops,
    targets: ctx.targets.map((t) => t.id),
    schemeFields: c.schemeFields.map((f) => f.map(String)),
    schemes: ctx.schemes.length,
    running: ctx.running,
    regions: ctx.targets.map((_, t) => ctx.regionsOf(t).map((r) => [r.start, r.end])),
  };
}

function walk(dir: DirNode, path: string, out: string[]): void {
  for (const [name, node] of dir.children) {
    if (node.kind === "dir") walk(node, `${path}/${name}`, out);
    else out.push(`${path}/${name}`);
  }
}

/**
 * The state the kernel leaves after a failed write to `file`, from the state before. Only a
 * write at offset 0 whose buffer could be allocated reaches the file's handler.
 */
function expectedAfterFailure(before: MachineState, file: string, atZero: boolean, bytes: number, m: Machine): MachineState {
  // the handler runs after the offset check and the count + 1 byte allocation (4 MiB at most)
  if (!atZero || bytes + 1 > HUGE.length - 2 || !file.endsWith("/init_regions")) return before;
  const dir = file.slice(0, -"/init_regions".length);
  const index = m.kernel.damon.contexts.findIndex((c) => (c.name ? `${D}/${c.name}` : D) === dir);
  const c = before.contexts[index];
  if (c.running) return before; // EBUSY comes first, before the regions are deleted
  const contexts = before.contexts.slice();
  contexts[index] = { ...c, regions: c.regions.map(() => []) };
  return { ...before, contexts, files: { ...before.files, [file]: "" } };
}

// ---- the written bytes ----

type Edit =
  | { kind: "set"; at: number; byte: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; length: number }
  | { kind: "cut"; at: number }
  | { kind: "token"; at: number; text: string }
  | { kind: "twice" };

const INTERESTING = ["0", "-1", "-0", "+1", "3", "42", "4294967295", "4294967296", "18446744073709551615", "18446744073709551616", "99999999999999999999999", "0x10", "1e3", "paddr", "on", "off", "\u0000", "", " ", "\n", "\t"];

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...INTERESTING), fc.string({ maxLength: 4 })) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("token" as const), at: fc.nat(), text: fc.constantFrom(...INTERESTING) }),
  fc.constant({ kind: "twice" as const }),
);

function mutate(line: string, edits: readonly Edit[]): Uint8Array {
  let bytes = Array.from(encode(line));
  for (const e of edits) {
    const at = bytes.length ? e.kind === "twice" ? 0 : e.at % (bytes.length + 1) : 0;
    if (e.kind === "set" && bytes.length) bytes[at % bytes.length] = e.byte;
    else if (e.kind === "insert") bytes.splice(at, 0, ...encode(e.text));
    else if (e.kind === "delete") bytes.splice(at, e.length);
    else if (e.kind === "cut") bytes = bytes.slice(0, at);
    else if (e.kind === "twice") bytes = [...bytes, ...bytes];
    else if (e.kind === "token") {
      const tokens = new TextDecoder().decode(Uint8Array.from(bytes)).split(/(\s+)/);
      const words = tokens.flatMap((t, i) => (t.trim() ? [i] : []));
      if (words.length) tokens[words[e.at % words.length]] = e.text;
      bytes = Array.from(encode(tokens.join("")));
    }
  }
  return Uint8Array.from(bytes);
}

// KMALLOC_MAX_SIZE + 2 bytes of "x": parsers stop at once
const HUGE = new Uint8Array(4 * 1024 * 1024 + 2).fill(0x78);
const ALPHABET = encode("0123456789 \n\t-paddronf/.x\u0000");
const payloadArb = fc.oneof(
  // random bytes, mostly from the characters the parsers care about
  {
    weight: 10,
    arbitrary: fc.record({
      random: fc.array(fc.oneof(fc.nat({ max: ALPHABET.length - 1 }).map((i) => ALPHABET[i]), fc.nat({ max: 255 })), { maxLength: 300 }).map((a) => Uint8Array.from(a)),
    }),
  },
  { weight: 10, arbitrary: fc.record({ line: fc.nat(), edits: fc.array(editArb, { minLength: 1, maxLength: 4 }) }) },
  // around the 4 MiB allocation limit (ENOMEM before the data is looked at)
  { weight: 1, arbitrary: fc.record({ huge: fc.integer({ min: -2, max: 1 }) }) },
);

const caseArb = fc.record({
  scenario: scenarioArb,
  file: fc.nat(),
  payload: payloadArb,
  // how the bytes reach the file: one write(2), a pwrite at an offset, or a second write
  how: fc.oneof(fc.constant({ kind: "write" as const }), fc.record({ kind: fc.constant("pwrite" as const), pos: fc.integer({ min: 1, max: 8 }) }), fc.constant({ kind: "again" as const })),
});

const machines = new Map<KernelVersion, Machine>();
const seen = new Map<number, number>();

describe("fuzz: every debugfs write, every version", () => {
  for (const version of KERNEL_VERSIONS) {
    it(`${version}: a count or -errno, and a failed write changes nothing the kernel would not`, async () => {
      if (!machines.has(version)) machines.set(version, new Machine(version));
      const m = machines.get(version)!;
      await fuzz(
        `dbgfs ${version} writes`,
        fc.property(caseArb, ({ scenario, file: pick, payload, how }) => {
          m.ensure(m.normalise(scenario));
          const files = m.writableFiles();
          const file = files[pick % files.length];
          const lines = m.validLines(file);
          const data =
            "random" in payload ? payload.random : "huge" in payload ? HUGE.subarray(0, HUGE.length - 2 + payload.huge) : mutate(lines[payload.line % lines.length], payload.edits);
          const vfs = m.kernel.vfs;
          const fd = vfs.open(file, O_WRONLY);
          expect(fd).toBeGreaterThan(0);
          if (how.kind === "again") vfs.write(fd, data);
          const before = m.state();
          const result = how.kind === "pwrite" ? vfs.pwrite(fd, data, how.pos) : vfs.write(fd, data);
          vfs.close(fd);
          expect(Number.isInteger(result)).toBe(true);
          if (result >= 0) {
            expect(result).toBe(data.length);
            return;
          }
          expect(ERRNOS.has(-result), `errno ${-result}`).toBe(true);
          seen.set(-result, (seen.get(-result) ?? 0) + 1);
          const after = m.state();
          const shown = new TextDecoder().decode(data.subarray(0, 120)) + (data.length > 120 ? `... (${data.length} bytes)` : "");
          const what = `${file} <- ${JSON.stringify(shown)} (${how.kind}) failed with ${-result}`;
          if (how.kind === "write" && file === `${D}/${m.b.monitorOn}` && result === -Errno.EPERM) {
            // "off" stops the contexts in order and gives up at the first that is not running
            const first = before.contexts.findIndex((c) => !c.running);
            expect(after.contexts.slice(0, first).every((c) => !c.running), what).toBe(true);
            expect(after.contexts.slice(first), what).toEqual(before.contexts.slice(first));
            const later = (state: MachineState) =>
              Object.entries(state.files).filter(([path]) => state.contexts.slice(Math.max(first, 1)).some((c) => path.startsWith(`${D}/${c.name}/`)));
            expect(later(after), what).toEqual(later(before));
            return;
          }
          expect(after, what).toEqual(expectedAfterFailure(before, file, how.kind === "write", data.length, m));
        }),
        { ci: 600, weight: 1 },
      );
    });
  }

  it("reached the interesting failures, not just one", () => {
    for (const e of [Errno.EINVAL, Errno.EBUSY, Errno.ESPIPE, Errno.EPERM, Errno.ENOENT, Errno.ENOMEM]) expect(seen.get(e) ?? 0, `errno ${e}`).toBeGreaterThan(0);
  });
});

describe("fuzz regressions", () => {
  it("a write too big to allocate fails with ENOMEM before init_regions deletes any region", () => {
    const m = new Machine("6.8");
    m.ensure(m.normalise({ contexts: 1, targets: ["one", "none"], schemes: false, regions: true, running: false, tracing: false }));
    const before = m.state();
    expect(before.files[`${D}/init_regions`]).toBe("0 65536 131072\n0 131072 262144\n");
    expect(m.kernel.vfs.writeFile(`${D}/init_regions`, HUGE.subarray(0, 4 * 1024 * 1024))).toBe(-Errno.ENOMEM);
    expect(m.state()).toEqual(before);
    // one byte less is allocated and parsed: no triple in "xxx...", so every region is deleted
    expect(m.kernel.vfs.writeFile(`${D}/init_regions`, HUGE.subarray(0, 4 * 1024 * 1024 - 1))).toBe(4 * 1024 * 1024 - 1);
    expect(m.state().files[`${D}/init_regions`]).toBe("");
  });
});
