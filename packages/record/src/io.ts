/** A whole file or a stream of its bytes. */
export type ByteInput = Uint8Array | AsyncIterable<Uint8Array>;

// Big in-memory inputs are cut so that decompression and decoding stay incremental.
const SLICE = 1 << 16;

async function* slices(input: ByteInput): AsyncGenerator<Uint8Array> {
  if (input instanceof Uint8Array) {
    for (let at = 0; at < input.length; at += SLICE) yield input.subarray(at, at + SLICE);
    return;
  }
  for await (const chunk of input) if (chunk.length > 0) yield chunk;
}

/** The input's chunks, with the first bytes readable ahead for format detection. */
export class ByteSource {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private readonly peeked: Uint8Array[] = [];
  private peekedBytes = 0;
  private ended = false;

  constructor(input: ByteInput) {
    this.iterator = slices(input)[Symbol.asyncIterator]();
  }

  /** The first `n` bytes (fewer if the input is shorter), left in place. */
  async peek(n: number): Promise<Uint8Array> {
    while (this.peekedBytes < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) this.ended = true;
      else {
        this.peeked.push(next.value);
        this.peekedBytes += next.value.length;
      }
    }
    return concat(this.peeked).subarray(0, n);
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    while (this.peeked.length > 0) yield this.peeked.shift()!;
    if (this.ended) return;
    for (;;) {
      const next = await this.iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Exact-length reads over a chunk stream (the binary format). */
export class ByteCursor {
  private buffer: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** Bytes consumed so far, for error positions. */
  offset = 0;

  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  /** `n` bytes, or fewer only at the end of the input. */
  async take(n: number): Promise<Uint8Array> {
    while (this.buffer.length - this.at < n) {
      const next = await this.chunks.next();
      if (next.done) break;
      const rest = this.buffer.subarray(this.at);
      this.buffer = concat([rest, next.value]);
      this.at = 0;
    }
    const out = this.buffer.subarray(this.at, Math.min(this.at + n, this.buffer.length));
    this.at += out.length;
    this.offset += out.length;
    return out;
  }
}

/** Coalesces small writes into chunks of about 64 KiB before they reach the sink. */
export class ChunkedText {
  private parts: string[] = [];
  private size = 0;
  private readonly encoder = new TextEncoder();

  constructor(private readonly out: (bytes: Uint8Array) => Promise<void>) {}

  async add(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= SLICE) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.parts.join("");
    this.parts = [];
    this.size = 0;
    await this.out(this.encoder.encode(text));
  }
}
