import type { AggregationSnapshot, DamonContext, Simulation } from "@damon-sim/core";
import { fail } from "./errno.js";
import { isError, kstrtoulFromUser } from "./kstrto.js";
import { rawTargetId } from "./kernel-functions.js";
import type { DbgfsBehaviour } from "./versions.js";
import { DirNode, encode, FileNode, readSlice } from "./vfs.js";

const MAX_LINES = 1 << 16;

/**
 * <debugfs>/tracing with the damon_aggregated event: enable files and a consuming
 * trace_pipe in ftrace's text format. Reads never block: an empty pipe reads as end of file.
 */
export class Tracing {
  readonly dir = new DirNode("tracing");
  readonly #behaviour: DbgfsBehaviour;
  readonly #sim: Simulation;
  #enabled = false;
  #lines: string[] = [];
  #dropped = 0;

  constructor(sim: Simulation, behaviour: DbgfsBehaviour) {
    this.#sim = sim;
    this.#behaviour = behaviour;
    const event = new DirNode("damon_aggregated");
    const enable = {
      seekable: true,
      read: (count: number, pos: number) => readSlice(this.#enabled ? "1\n" : "0\n", count, pos),
      write: (data: Uint8Array) => {
        // event_enable_write: kstrtoul_from_user(base 10), then only 0 or 1.
        const value = kstrtoulFromUser(data, 10);
        if (isError(value)) return value.errno;
        if (value !== 0n && value !== 1n) return fail("EINVAL");
        this.#enabled = value === 1n;
        return data.length;
      },
    };
    event.add(new FileNode("enable", 0o644, enable));
    const damon = new DirNode("damon");
    damon.add(new FileNode("enable", 0o644, enable));
    damon.add(event);
    this.dir.add(new DirNode("events")).add(damon);
    this.dir.add(new FileNode("trace_pipe", 0o444, { seekable: false, read: (count) => this.#consume(count) }));
    // "system:event" per line, as tracefs lists them; damo reads it to learn which DAMON
    // tracepoints exist, and passes only those to `perf record -e`.
    const available = "damon:damon_aggregated\n";
    this.dir.add(new FileNode("available_events", 0o444, { seekable: true, read: (count, pos) => readSlice(available, count, pos) }));
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /** Emits this context's aggregations while the event is enabled. */
  watch(ctx: DamonContext): void {
    ctx.onSnapshot((s) => {
      if (this.#enabled) this.#record(s);
    });
  }

  #record(s: AggregationSnapshot): void {
    const thread = s.context.kdamond;
    const prefix = `${(thread?.comm ?? "kdamond").padStart(16)}-${String(thread?.pid ?? 0).padEnd(7)} [000] ..... ${formatTime(this.#sim.now)}: damon_aggregated: `;
    for (const t of s.targets) {
      const id = this.#behaviour.traceTargetIndex ? String(t.index) : String(rawTargetId(s.context, t.index));
      for (let i = t.first; i < t.first + t.nrRegions; i++) {
        const age = this.#behaviour.traceHasAge ? ` ${s.age(i)}` : "";
        this.#push(`${prefix}target_id=${id} nr_regions=${t.nrRegions} ${s.start(i)}-${s.end(i)}: ${s.nrAccesses(i)}${age}\n`);
      }
    }
  }

  #push(line: string): void {
    if (this.#lines.length >= MAX_LINES) {
      this.#lines.shift();
      this.#dropped++;
    }
    this.#lines.push(line);
  }

  // A consuming read: whole lines that fit in `count` bytes.
  #consume(count: number): Uint8Array {
    let out = "";
    while (this.#lines.length && out.length + this.#lines[0].length <= count) out += this.#lines.shift();
    if (!out && this.#lines.length) out = this.#lines.shift()!.slice(0, count);
    return readSlice(encode(out), count, 0);
  }
}

function formatTime(us: number): string {
  const secs = Math.floor(us / 1e6);
  const micros = String(Math.floor(us % 1e6)).padStart(6, "0");
  return `${String(secs).padStart(5)}.${micros}`;
}
