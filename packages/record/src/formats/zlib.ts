import { Unzlib, Zlib } from "fflate";
import { RecordFormatError } from "../errors.js";

/** Adler-32 (RFC 1950), which fflate's streaming Unzlib does not verify. */
export class Adler32 {
  private a = 1;
  private b = 0;

  update(bytes: Uint8Array): void {
    let { a, b } = this;
    // 5552 bytes is the most that cannot overflow before the modulo (zlib's NMAX).
    for (let i = 0; i < bytes.length; ) {
      const end = Math.min(i + 5552, bytes.length);
      for (; i < end; i++) {
        a += bytes[i];
        b += a;
      }
      a %= 65521;
      b %= 65521;
    }
    this.a = a;
    this.b = b;
  }

  digest(): number {
    return ((this.b << 16) | this.a) >>> 0;
  }
}

/** Decompresses a zlib stream chunk by chunk, checking its end and checksum. */
export async function* inflateZlib(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let out: Uint8Array[] = [];
  const inflater = new Unzlib((data) => {
    if (data.length > 0) out.push(data);
  });
  const adler = new Adler32();
  let tail: Uint8Array = new Uint8Array(0);
  let offset = 0;
  const push = (chunk: Uint8Array, final: boolean): Uint8Array[] => {
    try {
      inflater.push(chunk, final);
    } catch (e) {
      const problem = (e as Error).message === "unexpected EOF" ? "truncated zlib stream" : `corrupt zlib stream (${(e as Error).message})`;
      throw new RecordFormatError("json_compressed", `compressed byte ${offset}`, problem);
    }
    const ready = out;
    out = [];
    for (const data of ready) adler.update(data);
    return ready;
  };
  for await (const chunk of chunks) {
    offset += chunk.length;
    tail = chunk.length >= 4 ? chunk.subarray(-4) : Uint8Array.from([...tail, ...chunk].slice(-4));
    yield* push(chunk, false);
  }
  if (offset < 6) throw new RecordFormatError("json_compressed", `compressed byte ${offset}`, "truncated zlib stream");
  yield* push(new Uint8Array(0), true);
  const stored = ((tail[0] << 24) | (tail[1] << 16) | (tail[2] << 8) | tail[3]) >>> 0;
  if (stored !== adler.digest()) throw new RecordFormatError("json_compressed", `compressed byte ${offset}`, "zlib checksum mismatch (corrupt or truncated stream)");
}

/** Streaming zlib compression with Python's zlib.compress defaults (level 6, header 78 9c). */
export class ZlibWriter {
  private ready: Uint8Array[] = [];
  private readonly zlib = new Zlib({ level: 6 }, (data) => {
    if (data.length > 0) this.ready.push(data);
  });

  constructor(private readonly out: (bytes: Uint8Array) => Promise<void>) {}

  async push(bytes: Uint8Array, final = false): Promise<void> {
    this.zlib.push(bytes, final);
    const ready = this.ready;
    this.ready = [];
    for (const data of ready) await this.out(data);
  }
}
