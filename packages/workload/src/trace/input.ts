import type { TraceDecoder } from "./decoder.js";

/** Trace bytes: all at once (an upload, a small file) or streamed (a large file). */
export type TraceSource = Uint8Array | AsyncIterable<Uint8Array>;

// Whole-buffer traces are decoded a slice at a time, so the runs in memory stay bounded.
const SLICE = 1 << 18;

/** Feeds a decoder from its source, synchronously when the bytes are all there. */
export class TraceInput {
  readonly decoder: TraceDecoder;
  readonly #bytes: Uint8Array | null;
  readonly #iterator: AsyncIterator<Uint8Array> | null;
  #offset = 0;
  #ended = false;

  constructor(source: TraceSource, decoder: TraceDecoder) {
    this.decoder = decoder;
    if (source instanceof Uint8Array) {
      this.#bytes = source;
      this.#iterator = null;
    } else {
      this.#bytes = null;
      this.#iterator = source[Symbol.asyncIterator]();
    }
  }

  /** Whether everything was decoded (the decoder has seen the end). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Whether more can be decoded without waiting. */
  get sync(): boolean {
    return this.#bytes !== null;
  }

  /** Decodes the next slice of an in-memory source; false when there is nothing to do now. */
  pullSync(): boolean {
    if (this.#ended || !this.#bytes) return false;
    const end = Math.min(this.#bytes.length, this.#offset + SLICE);
    if (end > this.#offset) this.decoder.push(this.#bytes.subarray(this.#offset, end));
    this.#offset = end;
    if (end === this.#bytes.length) this.#finish();
    return true;
  }

  /** Decodes the next chunk of any source; false once ended. */
  async pull(): Promise<boolean> {
    if (this.#ended) return false;
    if (this.#bytes) return this.pullSync();
    const { value, done } = await this.#iterator!.next();
    if (done) this.#finish();
    else this.decoder.push(value);
    return true;
  }

  #finish(): void {
    this.#ended = true;
    this.decoder.end();
  }
}
