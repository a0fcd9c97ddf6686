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

/** The most runs a chunk may hold: a corrupt count must fail, not allocate or buffer gigabytes. */
export const MAX_CHUNK_RUNS = 1 << 22;
// Pages of the 47-bit user address space; ticks stay below 2^53 (the README's limits).
const PAGE_LIMIT = 2 ** 35;
const TICK_LIMIT = 2 ** 53;

/**
 * Streams a binary trace (see the README for the layout) into runs. Chunks are decoded as
 * soon as they are complete; a chunk cut at the end of a push waits for the next one. A chunk
 * whose header or runs break the format's limits (runs in order, pages below 2^35, ticks
 * below 2^53, at most MAX_CHUNK_RUNS runs of 2 to 32 bytes) fails naming its byte offset.
 */
export class BinaryTraceReader {
  /** From the header; NaN until it has been read. */
  ticksPerSecond = NaN;
  /** Accesses decoded (runs count their accesses). */
  accesses = 0;
  readonly #out: RunBuffer;
  readonly #file: string;
  // A unit cut by the end of a push: its parts so far (kept apart, so a long chunk arriving in
  // many small pushes is copied once, not once per push).
  #parts: Uint8Array[] = [];
  #partsBytes = 0;
  #offset = 0;
  // The last run's first tick: the next chunk may not start before it.
  #lastTick = 0;

  constructor(out: RunBuffer, file = "<binary trace>") {
    this.#out = out;
    this.#file = file;
  }

  push(bytes: Uint8Array): void {
    let at = 0;
    // First complete the unit a previous push cut, with just the bytes it lacks.
    while (this.#partsBytes > 0) {
      const need = this.#need(this.#head());
      const missing = need - this.#partsBytes;
      if (missing > bytes.length - at) {
        if (at < bytes.length) this.#keep(bytes.subarray(at));
        return;
      }
      this.#keep(bytes.subarray(at, at + missing));
      at += missing;
      if (this.#need(this.#head()) > need) continue; // a chunk header just completed: its payload follows
      const unit = concat(this.#parts);
      this.#parts = [];
      this.#partsBytes = 0;
      this.#offset += this.#unit(unit, 0);
    }
    for (;;) {
      const used = this.#unit(bytes, at);
      if (used === 0) break;
      at += used;
      this.#offset += used;
    }
    if (at < bytes.length) this.#keep(bytes.subarray(at));
  }

  end(): void {
    if (Number.isNaN(this.ticksPerSecond)) this.#fail(0, "truncated header");
    if (this.#partsBytes) this.#fail(this.#offset, `truncated chunk (${this.#partsBytes} bytes left over)`);
  }

  #keep(bytes: Uint8Array): void {
    if (!bytes.length) return;
    this.#parts.push(bytes.slice());
    this.#partsBytes += bytes.length;
  }

  // The first bytes of the cut unit: enough for its header.
  #head(): Uint8Array {
    const first = this.#parts[0];
    if (this.#parts.length === 1 || first.length >= HEADER_BYTES) return first;
    return concat(this.#parts).subarray(0, HEADER_BYTES);
  }

  // Bytes the unit (header or chunk) starting `buf` needs, as far as `buf` tells.
  #need(buf: Uint8Array): number {
    if (Number.isNaN(this.ticksPerSecond)) return HEADER_BYTES;
    if (buf.length < CHUNK_HEADER_BYTES) return CHUNK_HEADER_BYTES;
    return CHUNK_HEADER_BYTES + this.#chunkHeader(buf, 0).payload;
  }

  // Decodes the header or the chunk at `at` if it is complete; returns its bytes, or 0.
  #unit(buf: Uint8Array, at: number): number {
    if (Number.isNaN(this.ticksPerSecond)) {
      return buf.length - at < HEADER_BYTES ? 0 : this.#header(buf.subarray(at));
    }
    if (buf.length - at < CHUNK_HEADER_BYTES) return 0;
    const { payload, runs, tick, page } = this.#chunkHeader(buf, at);
    if (buf.length - at < CHUNK_HEADER_BYTES + payload) return 0;
    this.#chunk(buf, at, runs, tick, page, payload);
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

  // The 24-byte chunk header at `at` (the chunk starts at this.#offset), checked.
  #chunkHeader(buf: Uint8Array, at: number): { payload: number; runs: number; tick: number; page: number } {
    const view = new DataView(buf.buffer, buf.byteOffset + at, CHUNK_HEADER_BYTES);
    const payload = view.getUint32(0, true);
    const runs = view.getUint32(4, true);
    const tick = view.getFloat64(8, true);
    const page = view.getFloat64(16, true);
    const where = this.#offset; // the unit being read starts there
    if (runs > MAX_CHUNK_RUNS) this.#fail(where + 4, `chunk of ${runs} runs, more than ${MAX_CHUNK_RUNS}`);
    if (payload < 2 * runs || payload > MAX_RUN_BYTES * runs) this.#fail(where, `chunk payload of ${payload} bytes cannot hold ${runs} runs`);
    if (!(Number.isInteger(tick) && tick >= this.#lastTick && tick < TICK_LIMIT)) {
      this.#fail(where + 8, `chunk base tick ${tick} is not an integer from the previous run's ${this.#lastTick} up to 2^53`);
    }
    if (!(Number.isInteger(page) && page >= 0 && page < PAGE_LIMIT)) this.#fail(where + 16, `chunk base page ${page} is not a page below 2^35`);
    return { payload, runs, tick, page };
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
    // Out-of-range values are noted on the way and checked once, off the hot path.
    let lowPage = page;
    let highPage = page;
    let longVarint = false;
    let highTick = tick;
    for (let r = 0; r < runs; r++) {
      // Varints inline: this loop is the binary replay's hot path. A ninth byte would go
      // past 2^53.
      let b = buf[i++];
      let h = b & 127;
      for (let mul = 128; b >= 128; mul *= 128) {
        b = buf[i++];
        h += (b & 127) * mul;
        if (mul > 2 ** 49) longVarint = true;
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
      if (page < lowPage) lowPage = page;
      else if (page > highPage) highPage = page;
      b = buf[i++];
      let dt = b & 127;
      for (let mul = 128; b >= 128; mul *= 128) {
        b = buf[i++];
        dt += (b & 127) * mul;
        if (mul > 2 ** 49) longVarint = true;
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
          if (mul > 2 ** 49) longVarint = true;
        }
        b = buf[i++];
        let c = b & 127;
        for (let mul = 128; b >= 128; mul *= 128) {
          b = buf[i++];
          c += (b & 127) * mul;
          if (mul > 2 ** 49) longVarint = true;
        }
        last = first + span;
        count = c + 2;
      }
      if (last > highTick) highTick = last;
      pages[t] = page;
      firsts[t] = first;
      lasts[t] = last;
      counts[t] = count;
      writes[t] = flags & 1;
      t++;
      accesses += count;
      tick = first;
      if (i > end) break; // read past the payload: what follows is not this chunk's
    }
    if (i > end) this.#fail(this.#offset, `chunk payload of ${payload} bytes ends inside its runs`);
    if (i < end) this.#fail(this.#offset, `chunk payload is ${payload} bytes but its runs take ${i - at - CHUNK_HEADER_BYTES}`);
    if (longVarint) this.#fail(this.#offset, "a varint of more than 8 bytes (values stay below 2^53)");
    if (lowPage < 0 || highPage >= PAGE_LIMIT) this.#fail(this.#offset, `a run's page ${lowPage < 0 ? lowPage : highPage} is outside 0 to 2^35`);
    if (!(highTick < TICK_LIMIT)) this.#fail(this.#offset, `a run's tick ${highTick} is 2^53 or more`);
    out.tail = t;
    this.#lastTick = tick;
    this.accesses += accesses;
  }

  #fail(offset: number, problem: string): never {
    throw new WorkloadError(`${problem} (byte ${offset})`, { file: this.#file });
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
