import { BinaryTraceReader, isBinaryTrace } from "./binary.js";
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
    if (!this.#format) this.#start(isBinaryTrace(bytes) ? "binary" : "lackey");
    if (this.#lackey) this.#lackey.push(bytes);
    else this.#binary!.push(bytes);
  }

  end(): void {
    if (!this.#format) this.#start("lackey");
    if (this.#lackey) this.#lackey.end();
    else this.#binary!.end();
  }

  #start(format: TraceFormat): void {
    this.#format = format;
    if (format === "lackey") this.#lackey = new LackeyParser(this.runs, this.#options);
    else this.#binary = new BinaryTraceReader(this.runs, this.#options.file);
  }
}
