import { ADDRESS_LIMIT, PAGE_SIZE } from "@damon-sim/core";
import { WorkloadError } from "../errors.js";
import { QuantumRuns } from "./quantum.js";
import type { RunBuffer } from "./runs.js";

export interface LackeyOptions {
  /** Also count instruction fetches ("I" lines) as accesses to their code pages; by default they only drive the clock. */
  fetches?: boolean;
  /** Time resolution in ticks (instructions): a page's accesses within one aligned quantum become one run (default 1000). */
  quantum?: number;
  /** File name for error messages. */
  file?: string;
}

const NL = 10;
// Lackey lines are short; a longer "line" is not a trace, and must not grow without bound.
const MAX_LINE = 1 << 20;
const SPACE = 32;
const COMMA = 44;

/**
 * Streams valgrind lackey `--trace-mem=yes` output into runs. The clock is the instruction
 * count: every `I  addr,size` line is one tick, and a data access (` L`, ` S`, ` M`) happens
 * at the tick of the instruction before it. `==PID==` / `--PID--` messages, `SB` lines and
 * blank lines are skipped; anything else is an error naming the line. An access that crosses
 * a page boundary touches both pages. Parsed over bytes, never decoded to strings; accesses
 * are folded into runs per page and quantum (see QuantumRuns).
 */
export class LackeyParser {
  /** Lines parsed so far. */
  lines = 0;
  instructions = 0;
  /** Data accesses (and fetches, if counted). */
  accesses = 0;
  /** Accesses above the 47-bit user address space, ignored. */
  outOfRange = 0;
  readonly #runs: QuantumRuns;
  readonly #fetches: boolean;
  readonly #file: string;
  #carry: Uint8Array | null = null;

  constructor(out: RunBuffer, options: LackeyOptions = {}) {
    this.#runs = new QuantumRuns(out, options.quantum ?? 1000);
    this.#fetches = options.fetches ?? false;
    this.#file = options.file ?? "<lackey trace>";
  }

  /** The current tick: instructions seen so far. */
  get tick(): number {
    return this.instructions;
  }

  /** Parses a chunk of the trace; a line cut at the chunk's end waits for the next chunk. */
  push(bytes: Uint8Array): void {
    let start = 0;
    if (this.#carry) {
      const nl = bytes.indexOf(NL);
      if (nl < 0) {
        this.#carry = concat(this.#carry, bytes);
        if (this.#carry.length > MAX_LINE) this.#fail(this.#carry, 0, `a line longer than ${MAX_LINE} bytes`);
        return;
      }
      const line = concat(this.#carry, bytes.subarray(0, nl + 1));
      this.#carry = null;
      this.#parse(line, 0, line.length);
      start = nl + 1;
    }
    const lastNl = bytes.lastIndexOf(NL);
    if (lastNl >= start) this.#parse(bytes, start, lastNl + 1);
    const rest = Math.max(start, lastNl + 1);
    if (rest < bytes.length) this.#carry = bytes.slice(rest);
    if (this.#carry && this.#carry.length > MAX_LINE) this.#fail(this.#carry, 0, `a line longer than ${MAX_LINE} bytes`);
  }

  /** The end of the trace: parses a last line without newline and emits the open run. */
  end(): void {
    if (this.#carry) {
      const line = concat(this.#carry, Uint8Array.of(NL));
      this.#carry = null;
      this.#parse(line, 0, line.length);
    }
    this.#runs.flush();
  }

  #parse(buf: Uint8Array, from: number, to: number): void {
    let i = from;
    while (i < to) {
      this.lines++;
      const c = buf[i];
      if (c === 73 && buf[i + 1] === SPACE && buf[i + 2] === SPACE) {
        // "I  addr,size": one instruction.
        this.instructions++;
        if (this.#fetches) i = this.#access(buf, i, false);
        else i = buf.indexOf(NL, i + 3) + 1;
      } else if (c === SPACE) {
        const kind = buf[i + 1];
        if ((kind !== 76 && kind !== 83 && kind !== 77) || buf[i + 2] !== SPACE) this.#fail(buf, i);
        i = this.#access(buf, i, kind !== 76);
      } else if (c === NL) {
        i++;
      } else if (c === 61 || c === 45 || (c === 83 && buf[i + 1] === 66)) {
        i = buf.indexOf(NL, i) + 1; // ==PID== / --PID-- messages, SB superblock lines
      } else {
        this.#fail(buf, i);
      }
    }
  }

  // Parses "?? hex,decimal\n" starting at line start `i`; returns the next line's start.
  #access(buf: Uint8Array, i: number, write: boolean): number {
    let j = i + 3;
    let addr = 0;
    for (;;) {
      const d = buf[j];
      let x: number;
      if (d >= 48 && d <= 57) x = d - 48;
      else if (d >= 97 && d <= 102) x = d - 87;
      else if (d >= 65 && d <= 70) x = d - 55;
      else break;
      addr = addr * 16 + x;
      j++;
    }
    if (j === i + 3 || buf[j] !== COMMA) this.#fail(buf, i);
    j++;
    let size = 0;
    const sizeStart = j;
    for (let d = buf[j]; d >= 48 && d <= 57; d = buf[++j]) size = size * 10 + (d - 48);
    if (j === sizeStart || buf[j] !== NL) this.#fail(buf, i);
    this.accesses++;
    const end = addr + Math.max(size, 1);
    if (end > ADDRESS_LIMIT) {
      this.outOfRange++;
    } else {
      const page = Math.floor(addr / PAGE_SIZE);
      this.#runs.add(page, this.instructions, write);
      const lastPage = Math.floor((end - 1) / PAGE_SIZE);
      if (lastPage !== page) this.#runs.add(lastPage, this.instructions, write);
    }
    return j + 1;
  }

  #fail(buf: Uint8Array, i: number, why?: string): never {
    const end = buf.indexOf(NL, i);
    const text = new TextDecoder().decode(buf.subarray(i, Math.min(end < 0 ? buf.length : end, i + 80)));
    const line = why ? this.lines + 1 : this.lines;
    throw new WorkloadError(`not a lackey --trace-mem line${why ? ` (${why})` : ""}: "${text}"`, { file: this.#file, line });
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
