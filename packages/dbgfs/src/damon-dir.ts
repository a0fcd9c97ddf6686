import { DAMOS_ACTIONS, type DamonContext, type DamosSpec, type Simulation } from "@damon-sim/core";
import { Errno, fail } from "./errno.js";
import {
  parseInitRegions, rawTargetId, renderLines, sprintInitRegions, sprintTargetIds, strToIds,
} from "./kernel-functions.js";
import { kscanf, scnprintf, strneq } from "./sscanf.js";
import { DEPRECATION_NOTICE, dbgfsBehaviour, type DbgfsBehaviour, type KernelVersion } from "./versions.js";
import { DirNode, FileNode, readSlice, type FileOps } from "./vfs.js";

const KMALLOC_MAX_SIZE = 4 * 1024 * 1024;
const U64_MAX = (1n << 64n) - 1n;
const MODE = 0o600;

/** One DAMON context as debugfs keeps it: its directory and the exact numbers written to it. */
export interface DbgfsContext {
  /** Directory name; "" for the root (default) context. */
  readonly name: string;
  /** null for a pre-6.1 context whose directory could not be made. */
  readonly dir: DirNode | null;
  readonly ctx: DamonContext;
  /** attrs as written (u64, wrapping), for reading back byte-exact. */
  attrs: bigint[];
  /** Each scheme's 18 fields as written. */
  schemeFields: bigint[][];
}

/** A kernel log line, as dmesg prints it. */
export interface KernelLogLine {
  timeUs: number;
  text: string;
}

export interface DamonDirOptions {
  version?: KernelVersion;
}

/**
 * The <debugfs>/damon directory of one simulated kernel: every file of the chosen version,
 * with the kernel's parsing, bytes, errnos and their order (spec kernel-damon.md §2).
 */
export class DamonDir {
  readonly sim: Simulation;
  readonly behaviour: DbgfsBehaviour;
  readonly dir = new DirNode("damon");
  readonly contexts: DbgfsContext[] = [];
  readonly log: KernelLogLine[] = [];
  /** Told about every context made after construction (mk_contexts). */
  onContextCreated?: (entry: DbgfsContext) => void;
  #warned = false;

  constructor(sim: Simulation, options: DamonDirOptions = {}) {
    this.sim = sim;
    this.behaviour = dbgfsBehaviour(options.version ?? "6.8");
    const root = this.#newContext("", this.dir);
    this.#fillContextDir(this.dir, root);
    for (const name of this.behaviour.rootFiles) this.dir.add(this.#rootFile(name));
    this.contexts.push(root);
  }

  /** Appends a kernel log line (dmesg). */
  printk(text: string): void {
    this.log.push({ timeUs: this.sim.now, text });
  }

  #newContext(name: string, dir: DirNode | null): DbgfsContext {
    const ctx = this.sim.createContext({ behaviour: this.behaviour.core });
    const entry: DbgfsContext = { name, dir, ctx, attrs: [5000n, 100000n, 60000000n, 10n, 1000n], schemeFields: [] };
    // dbgfs_before_terminate: vaddr targets are dropped when monitoring ends.
    ctx.onTerminate(() => {
      if (ctx.ops === "vaddr") ctx.clearTargets();
    });
    return entry;
  }

  #fillContextDir(dir: DirNode, entry: DbgfsContext): void {
    const files: Record<string, FileOps> = {
      attrs: this.#attrsFile(entry),
      schemes: this.#schemesFile(entry),
      target_ids: this.#targetIdsFile(entry),
      init_regions: this.#initRegionsFile(entry),
      kdamond_pid: this.#kdamondPidFile(entry),
    };
    for (const name of this.behaviour.contextFiles) dir.add(new FileNode(name, MODE, this.#withWarning(files[name])));
  }

  #rootFile(name: string): FileNode {
    const ops: Record<string, FileOps> = {
      mk_contexts: { seekable: true, write: (d, p) => this.#write(d, p, (k, n) => this.#mkContext(k, n)) },
      rm_contexts: { seekable: true, write: (d, p) => this.#write(d, p, (k, n) => this.#rmContext(k, n)) },
      [this.behaviour.monitorOn]: {
        seekable: true,
        read: (count, pos) => readSlice(scnprintf(5, this.sim.nrRunning ? "on\n" : "off\n"), count, pos),
        write: (d, p) => this.#write(d, p, (k, n) => this.#monitorOn(k, n)),
      },
      DEPRECATED: { seekable: true, read: (count, pos) => readSlice(DEPRECATION_NOTICE, count, pos) },
    };
    return new FileNode(name, name === "DEPRECATED" ? 0o400 : MODE, this.#withWarning(ops[name]));
  }

  // 6.3+: the first open of any DAMON debugfs file warns once.
  #withWarning(ops: FileOps): FileOps {
    if (!this.behaviour.warnsDeprecation) return ops;
    return {
      ...ops,
      onOpen: () => {
        if (this.#warned) return;
        this.#warned = true;
        this.printk(`damon-dbgfs: ${DEPRECATION_NOTICE.trimEnd()}`);
      },
    };
  }

  /** user_input_str: no continuous write, kmalloc(count + 1) limits; then the handler. */
  #write(data: Uint8Array, pos: number, handler: (kbuf: Uint8Array, count: number) => number): number {
    if (pos !== 0) return fail("EINVAL");
    if (data.length + 1 > KMALLOC_MAX_SIZE) return fail("ENOMEM");
    const result = handler(data, data.length);
    return result < 0 ? result : data.length;
  }

  /** Reads that render into a count-sized kernel buffer (schemes, init_regions, kdamond_pid). */
  #countSizedRead(count: number, pos: number, render: (count: number) => string | number): Uint8Array | number {
    if (count > KMALLOC_MAX_SIZE) return fail("ENOMEM");
    const content = render(count);
    if (typeof content === "number") return content;
    return readSlice(content, count, pos);
  }

  #running(entry: DbgfsContext): boolean {
    return entry.ctx.running;
  }

  // ---- attrs (§2.3) ----
  #attrsFile(entry: DbgfsContext): FileOps {
    return {
      seekable: false,
      read: (count, pos) => readSlice(scnprintf(128, `${entry.attrs.join(" ")}\n`), count, pos),
      write: (data, pos) =>
        this.#write(data, pos, (kbuf) => {
          const r = kscanf(kbuf, "%lu %lu %lu %lu %lu");
          if (r.count !== 5) return fail("EINVAL");
          if (this.#running(entry)) return fail("EBUSY");
          const [s, a, u, minr, maxr] = r.values as bigint[];
          if (minr < 3n || minr > maxr) return fail("EINVAL");
          if (this.behaviour.core.rejectSampleOverAggr && s > a) return fail("EINVAL");
          entry.attrs = [s, a, u, minr, maxr];
          const n = (v: bigint) => Number(v > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : v);
          entry.ctx.setAttrs({ sampleUs: n(s), aggrUs: n(a), opsUpdateUs: n(u), minNrRegions: n(minr), maxNrRegions: n(maxr) });
          return 0;
        }),
    };
  }

  // ---- target_ids (§2.4) ----
  #targetIdsFile(entry: DbgfsContext): FileOps {
    return {
      seekable: false,
      read: (count, pos) => readSlice(scnprintf(320, sprintTargetIds(entry.ctx)), count, pos),
      write: (data, pos) => this.#write(data, pos, (kbuf, count) => this.#writeTargetIds(entry, kbuf, count)),
    };
  }

  #writeTargetIds(entry: DbgfsContext, kbuf: Uint8Array, count: number): number {
    const b = this.behaviour;
    const ctx = entry.ctx;
    const physical = b.paddr !== "none" && strneq(kbuf, "paddr\n", count);
    const machine = this.sim.machine;
    if (b.paddr === "5.18") {
      let pids: number[] = [];
      if (!physical) {
        const ints = strToIds(kbuf, count, true) as number[];
        if (ints.some((pid) => !machine.task(pid))) return fail("ENOMEM");
        pids = ints;
      }
      if (this.#running(entry)) return fail("EBUSY");
      ctx.clearTargets();
      if (physical) ctx.setPhysicalTargets([42]);
      else if (pids.length) ctx.setTargets(pids);
      return 0;
    }
    // ≤5.17: unsigned longs; paddr rewrites the buffer as "42    " cut to count - 1 characters.
    const source = physical ? new TextEncoder().encode(scnprintf(count, "42    ")) : kbuf;
    const ids = strToIds(source, count, false) as bigint[];
    const pids = ids.map((id) => Number(BigInt.asIntN(32, id)));
    if (!physical && pids.some((pid) => !machine.task(pid))) return fail("EINVAL");
    if (this.#running(entry)) return fail("EBUSY");
    if (physical) ctx.setPhysicalTargets(ids.map(Number));
    else ctx.setTargets(pids);
    return 0;
  }

  // ---- init_regions (§2.5) ----
  #initRegionsFile(entry: DbgfsContext): FileOps {
    return {
      seekable: false,
      read: (count, pos) =>
        this.#countSizedRead(count, pos, (c) => (this.#running(entry) ? fail("EBUSY") : sprintInitRegions(entry.ctx, this.behaviour, c))),
      write: (data, pos) =>
        this.#write(data, pos, (kbuf, count) => {
          if (this.#running(entry)) return fail("EBUSY");
          const ctx = entry.ctx;
          const parsed = parseInitRegions(kbuf, count, this.behaviour, ctx.targets.length, (t) =>
            ctx.ops === "vaddr" ? BigInt(ctx.targets[t].id) : rawTargetId(ctx, t),
          );
          if (typeof parsed === "number") {
            ctx.setInitRegions([]); // every region of every target is deleted again
            return parsed;
          }
          ctx.setInitRegions(parsed);
          return 0;
        }),
    };
  }

  // ---- schemes (§2.6) ----
  #schemesFile(entry: DbgfsContext): FileOps {
    return {
      seekable: false,
      read: (count, pos) => this.#countSizedRead(count, pos, (c) => this.#sprintSchemes(entry, c)),
      write: (data, pos) => this.#write(data, pos, (kbuf, count) => this.#writeSchemes(entry, kbuf, count)),
    };
  }

  #sprintSchemes(entry: DbgfsContext, count: number): string | number {
    const lines = entry.ctx.schemes.map((s, i) => {
      const f = entry.schemeFields[i].map(String);
      f[6] = String(Number(BigInt.asIntN(32, entry.schemeFields[i][6]))); // action printed %d
      f[13] = String(Number(BigInt.asIntN(32, entry.schemeFields[i][13]))); // metric printed %d
      const st = s.stats;
      const stats = this.behaviour.schemesValidated
        ? [st.nrTried, st.szTried, st.nrApplied, st.szApplied, st.qtExceeds]
        : [st.nrTried, st.szTried];
      return `${[...f, ...stats].join(" ")}\n`;
    });
    return renderLines(lines, count);
  }

  #writeSchemes(entry: DbgfsContext, kbuf: Uint8Array, count: number): number {
    const format = "%lu %lu %u %u %u %u %u %lu %lu %lu %u %u %u %u %lu %lu %lu %lu%n";
    const parsed: bigint[][] = [];
    let pos = 0;
    while (pos < count && parsed.length < 256) {
      const r = kscanf(kbuf, format, pos);
      if (r.count !== 18) break;
      const f = r.values.map((v) => BigInt(v as bigint | number));
      if (f[6] > 5n) return fail("EINVAL");
      if (this.behaviour.schemesValidated) {
        if (f[0] > f[1] || f[2] > f[3] || f[4] > f[5]) return fail("EINVAL");
        if (f[15] < f[16] || f[15] < f[17] || f[16] < f[17]) return fail("EINVAL");
      }
      pos += r.consumed[0];
      parsed.push(f);
    }
    if (this.#running(entry)) return fail("EBUSY");
    entry.schemeFields = parsed;
    entry.ctx.setSchemes(parsed.map(toSpec));
    return 0;
  }

  // ---- kdamond_pid (§2.8) ----
  #kdamondPidFile(entry: DbgfsContext): FileOps {
    return {
      seekable: false,
      read: (count, pos) => {
        if (count > KMALLOC_MAX_SIZE) return fail("ENOMEM");
        const thread = entry.ctx.kdamond;
        const text = scnprintf(count, thread ? `${thread.pid}\n` : "none\n");
        return text ? readSlice(text, count, pos) : new Uint8Array();
      },
    };
  }

  // ---- monitor_on (§2.7) ----
  #monitorOn(kbuf: Uint8Array, count: number): number {
    const r = kscanf(kbuf, "%s");
    if (r.count !== 1) return fail("EINVAL");
    const token = r.values[0] as Uint8Array;
    const contexts = this.contexts.map((c) => c.ctx);
    if (strneq(token, "on", count)) {
      if (this.behaviour.onRequiresTargets && contexts.some((c) => c.targets.length === 0)) return fail("EINVAL");
      if (this.sim.nrRunning) return fail("EBUSY");
      this.sim.start(contexts);
      return 0;
    }
    if (strneq(token, "off", count)) {
      for (const ctx of contexts) {
        if (!ctx.running) return fail("EPERM");
        this.sim.stop([ctx]);
      }
      return 0;
    }
    return fail("EINVAL");
  }

  // ---- mk_contexts / rm_contexts (§2.9, §2.10) ----
  #mkContext(kbuf: Uint8Array, _count: number): number {
    const r = kscanf(kbuf, "%s");
    if (r.count !== 1) return fail("EINVAL");
    if (this.sim.nrRunning) return fail("EBUSY");
    const name = new TextDecoder().decode(r.values[0] as Uint8Array);
    const problem = this.#nameProblem(name);
    if (problem && this.behaviour.mkChecksNames) return problem;
    const dir = problem ? null : this.dir.add(new DirNode(name));
    const entry = this.#newContext(name, dir);
    if (dir) this.#fillContextDir(dir, entry);
    this.contexts.push(entry);
    this.onContextCreated?.(entry);
    return 0;
  }

  // debugfs_create_dir's failures for a name under the damon directory.
  #nameProblem(name: string): number {
    if (name === "" || name === "." || name === ".." || name.includes("/")) return fail("EACCES");
    if (new TextEncoder().encode(name).length > 255) return fail("ENAMETOOLONG");
    if (this.dir.children.has(name)) return fail("EEXIST");
    return 0;
  }

  #rmContext(kbuf: Uint8Array, _count: number): number {
    const r = kscanf(kbuf, "%s");
    if (r.count !== 1) return fail("EINVAL");
    if (this.sim.nrRunning) return fail("EBUSY");
    const name = new TextDecoder().decode(r.values[0] as Uint8Array);
    const node = name && name !== "." && name !== ".." && !name.includes("/") ? this.dir.children.get(name) : undefined;
    if (!node) return fail("ENOENT");
    if (node.kind !== "dir") {
      if (this.behaviour.rmNonDirEinval) return fail("EINVAL");
      // Before 6.0 the context array is rebuilt one short with nothing removed: the last
      // context falls off the end (out of bounds in the kernel; KASAN reports it).
      this.printk("BUG: KASAN: slab-out-of-bounds in dbgfs_rm_context_write+0x1d8/0x2a0");
      this.contexts.pop();
      return 0;
    }
    const index = this.contexts.findIndex((c) => c.dir === node);
    const [removed] = this.contexts.splice(index, 1);
    this.dir.children.delete(name);
    this.sim.removeContext(removed.ctx);
    return 0;
  }
}

function toSpec(f: bigint[]): DamosSpec {
  const n = (v: bigint) => Number(v > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : v);
  return {
    pattern: { minSzRegion: n(f[0]), maxSzRegion: n(f[1]), minNrAccesses: n(f[2]), maxNrAccesses: n(f[3]), minAgeRegion: n(f[4]), maxAgeRegion: n(f[5]) },
    action: DAMOS_ACTIONS[Number(f[6])],
    quota: { ms: n(f[7]), sz: n(f[8]), resetIntervalMs: n(f[9]), weightSz: n(f[10]), weightNrAccesses: n(f[11]), weightAge: n(f[12]) },
    wmarks: { metric: n(f[13]), intervalUs: n(f[14]), high: n(f[15]), mid: n(f[16]), low: n(f[17]) },
  };
}

export { Errno, U64_MAX };
