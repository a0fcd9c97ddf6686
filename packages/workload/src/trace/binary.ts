import { WorkloadError } from "../errors.js";
import type { RunBuffer } from "./runs.js";

/** "\x89DST\r\n\x1a\n": non-ASCII first byte and line endings catch text-mode corruption (as PNG's). */
export const BINARY_MAGIC = Uint8Array.of(0x89, 0x44, 0x53, 0x54, 0x0d, 0x0a, 0x1a, 0x0a);
export const BINARY_VERSION = 1;
const HEADER_BYTES = 32;
const CHUNK_HEADER_BYTES = 24;
const PAGE_SHIFT = 12;
// Worst case per run: four varints of up to 8 bytes (values below 2^53).
const MAX_RUN_BYTES = 32;

/** Whether `bytes` starts like a binary trace. */
export function isBinaryTrace(bytes: Uint8Array): boolean {
  return bytes.length >= BINARY_MAGIC.length && BINARY_MAGIC.every((b, i) => bytes[i] === b);
}

/** The 32-byte file header. */
export function encodeHeader(ticksPerSecond: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(BINARY_MAGIC);
  view.setUint16(8, BINARY_VERSION, true);
  view.setUint16(10, HEADER_BYTES, true);
  view.setUint32(12, PAGE_SHIFT, true);
  view.setFloat64(16, ticksPerSecond, true);
  return out;
}

/** One chunk holding runs [from, to) of `runs` (not consumed). */
export function encodeChunk(runs: RunBuffer, from: number, to: number): Uint8Array {
  const n = to - from;
  const buf = new Uint8Array(CHUNK_HEADER_BYTES + n * MAX_RUN_BYTES);
  const view = new DataView(buf.buffer);
  view.setUint32(4, n, true);
  view.setFloat64(8, n ? runs.first[from] : 0, true);
  view.setFloat64(16, n ? runs.page[from] : 0, true);
  let at = CHUNK_HEADER_BYTES;
  let page = n ? runs.page[from] : 0;
  let tick = n ? runs.first[from] : 0;
  const put = (v: number) => {
    while (v >= 128) {
      buf[at++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    buf[at++] = v;
  };
  for (let i = from; i < to; i++) {
    const delta = runs.page[i] - page;
    const multi = runs.count[i] > 1;
    put((delta >= 0 ? 2 * delta : -2 * delta - 1) * 4 + (multi ? 2 : 0) + runs.write[i]);
    put(runs.first[i] - tick);
    if (multi) {
      put(runs.last[i] - runs.first[i]);
      put(runs.count[i] - 2);
    }
    page = runs.page[i];
    tick = runs.first[i];
  }
  view.setUint32(0, at - CHUNK_HEADER_BYTES, true);
  return buf.slice(0, at);
}

/**
 * Streams a binary trace (see the README for the layout) into runs. Chunks are decoded as
 * soon as they are complete; a chunk cut at the end of a push waits for the next one.
 */
export class BinaryTraceReader {
  /** From the header; NaN until it has been read. */
  ticksPerSecond = NaN;
  /** Accesses decoded (runs count their accesses). */
  accesses = 0;
  readonly #out: RunBuffer;
  readonly #file: string;
  #pending: Uint8Array = new Uint8Array(0);
  #offset = 0;

  constructor(out: RunBuffer, file = "<binary trace>") {
    this.#out = out;
    this.#file = file;
  }

  push(bytes: Uint8Array): void {
    let at = 0;
    // A unit cut by the previous push: complete it with just the bytes it lacks.
    while (this.#pending.length > 0) {
      const need = this.#need(this.#pending);
      if (this.#pending.length < need) {
        const take = Math.min(need - this.#pending.length, bytes.length - at);
        if (take === 0) return;
        this.#pending = concat(this.#pending, bytes.subarray(at, at + take));
        at += take;
        continue;
      }
      this.#unit(this.#pending, 0);
      this.#offset += this.#pending.length;
      this.#pending = new Uint8Array(0);
    }
    for (;;) {
      const used = this.#unit(bytes, at);
      if (used === 0) break;
      at += used;
      this.#offset += used;
    }
    if (at < bytes.length) this.#pending = bytes.slice(at);
  }

  end(): void {
    if (Number.isNaN(this.ticksPerSecond)) this.#fail(0, "truncated header");
    if (this.#pending.length) this.#fail(this.#offset, `truncated chunk (${this.#pending.length} bytes left over)`);
  }

  // Bytes the unit (header or chunk) starting `buf` needs, as far as `buf` tells.
  #need(buf: Uint8Array): number {
    if (Number.isNaN(this.ticksPerSecond)) return HEADER_BYTES;
    if (buf.length < CHUNK_HEADER_BYTES) return CHUNK_HEADER_BYTES;
    return CHUNK_HEADER_BYTES + new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0, true);
  }

  // Decodes the header or the chunk at `at` if it is complete; returns its bytes, or 0.
  #unit(buf: Uint8Array, at: number): number {
    if (Number.isNaN(this.ticksPerSecond)) {
      return buf.length - at < HEADER_BYTES ? 0 : this.#header(buf.subarray(at));
    }
    if (buf.length - at < CHUNK_HEADER_BYTES) return 0;
    const view = new DataView(buf.buffer, buf.byteOffset + at, CHUNK_HEADER_BYTES);
    const payload = view.getUint32(0, true);
    if (buf.length - at < CHUNK_HEADER_BYTES + payload) return 0;
    this.#chunk(buf, at, view.getUint32(4, true), view.getFloat64(8, true), view.getFloat64(16, true), payload);
    return CHUNK_HEADER_BYTES + payload;
  }

  #header(buf: Uint8Array): number {
    if (!isBinaryTrace(buf)) this.#fail(0, "not a damon-sim binary trace (bad magic)");
    const view = new DataView(buf.buffer, buf.byteOffset, HEADER_BYTES);
    const version = view.getUint16(8, true);
    if (version !== BINARY_VERSION) this.#fail(8, `unsupported version ${version}`);
    const headerBytes = view.getUint16(10, true);
    if (headerBytes !== HEADER_BYTES) this.#fail(10, `header size ${headerBytes}, version 1 has ${HEADER_BYTES}`);
    if (view.getUint32(12, true) !== PAGE_SHIFT) this.#fail(12, `unsupported page shift ${view.getUint32(12, true)}`);
    const tps = view.getFloat64(16, true);
    if (!(tps > 0) || !Number.isFinite(tps)) this.#fail(16, `bad ticks per second ${tps}`);
    this.ticksPerSecond = tps;
    return headerBytes;
  }

  #chunk(buf: Uint8Array, at: number, runs: number, tick: number, page: number, payload: number): void {
    const out = this.#out;
    out.reserve(runs);
    const pages = out.page;
    const firsts = out.first;
    const lasts = out.last;
    const counts = out.count;
    const writes = out.write;
    let t = out.tail;
    let i = at + CHUNK_HEADER_BYTES;
    const end = i + payload;
    let accesses = 0;
    for (let r = 0; r < runs; r++) {
      // Varints inline: this loop is the binary replay's hot path.
      let b = buf[i++];
      let h = b & 127;
      for (let mul = 128; b >= 128; mul *= 128) {
        b = buf[i++];
        h += (b & 127) * mul;
      }
      let flags: number;
      let z: number;
      if (h < 2147483648) {
        flags = h & 3;
        z = h >>> 2;
      } else {
        flags = h % 4;
        z = (h - flags) / 4;
      }
      page += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
      b = buf[i++];
      let dt = b & 127;
      for (let mul = 128; b >= 128; mul *= 128) {
        b = buf[i++];
        dt += (b & 127) * mul;
      }
      const first = tick + dt;
      let last = first;
      let count = 1;
      if (flags & 2) {
        b = buf[i++];
        let span = b & 127;
        for (let mul = 128; b >= 128; mul *= 128) {
          b = buf[i++];
          span += (b & 127) * mul;
        }
        b = buf[i++];
        let c = b & 127;
        for (let mul = 128; b >= 128; mul *= 128) {
          b = buf[i++];
          c += (b & 127) * mul;
        }
        last = first + span;
        count = c + 2;
      }
      pages[t] = page;
      firsts[t] = first;
      lasts[t] = last;
      counts[t] = count;
      writes[t] = flags & 1;
      t++;
      accesses += count;
      tick = first;
    }
    if (i !== end) this.#fail(this.#offset, `chunk payload is ${payload} bytes but its runs take ${i - at - CHUNK_HEADER_BYTES}`);
    out.tail = t;
    this.accesses += accesses;
  }

  #fail(offset: number, problem: string): never {
    throw new WorkloadError(`${problem} (byte ${offset})`, { file: this.#file });
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
