import { BINARY_MAGIC, BinaryTraceReader, isBinaryTrace } from "./binary.js";
import { LackeyParser, type LackeyOptions } from "./lackey.js";
import { RunBuffer } from "./runs.js";

export type TraceFormat = "lackey" | "binary";

export interface TraceReadOptions extends LackeyOptions {
  /** Default "auto": binary if the data starts with the binary magic, lackey text otherwise. */
  format?: TraceFormat | "auto";
}

/** Either trace format, chosen on the first bytes, decoded into runs. */
export class TraceDecoder {
  readonly runs = new RunBuffer();
  #format: TraceFormat | undefined;
  #lackey: LackeyParser | undefined;
  #binary: BinaryTraceReader | undefined;
  // First bytes held back until they tell the format.
  #head: Uint8Array | null = null;
  readonly #options: TraceReadOptions;

  constructor(options: TraceReadOptions = {}) {
    this.#options = options;
    if (options.format && options.format !== "auto") this.#start(options.format);
  }

  /** Known after the first push (or from the options). */
  get format(): TraceFormat | undefined {
    return this.#format;
  }

  /** The binary header's clock; undefined for lackey text (its ticks are instructions). */
  get ticksPerSecond(): number | undefined {
    const tps = this.#binary?.ticksPerSecond;
    return tps === undefined || Number.isNaN(tps) ? undefined : tps;
  }

  /** Accesses decoded so far. */
  get accesses(): number {
    return this.#lackey?.accesses ?? this.#binary?.accesses ?? 0;
  }

  push(bytes: Uint8Array): void {
    if (!this.#format) {
      // A stream's first chunk may be shorter than the magic: wait while it could still be one.
      const head = this.#head ? concat(this.#head, bytes) : bytes;
      if (head.length < BINARY_MAGIC.length && startsLikeMagic(head)) {
        this.#head = head.slice();
        return;
      }
      this.#head = null;
      this.#start(isBinaryTrace(head) ? "binary" : "lackey");
      bytes = head;
    }
    if (this.#lackey) this.#lackey.push(bytes);
    else this.#binary!.push(bytes);
  }

  end(): void {
    if (!this.#format) {
      // Nothing, or the start of a binary magic and no more: a truncated binary header.
      const head = this.#head;
      this.#head = null;
      this.#start(head?.length ? "binary" : "lackey");
      if (head?.length) this.#binary!.push(head);
    }
    if (this.#lackey) this.#lackey.end();
    else this.#binary!.end();
  }

  #start(format: TraceFormat): void {
    this.#format = format;
    if (format === "lackey") this.#lackey = new LackeyParser(this.runs, this.#options);
    else this.#binary = new BinaryTraceReader(this.runs, this.#options.file);
  }
}

function startsLikeMagic(bytes: Uint8Array): boolean {
  return bytes.every((b, i) => i >= BINARY_MAGIC.length || b === BINARY_MAGIC[i]);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
