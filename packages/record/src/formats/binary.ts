import { RecordFormatError } from "../errors.js";
import { ByteCursor } from "../io.js";
import { targetIdFromBigInt } from "../numbers.js";
import type { RecordMeta, RecordRegion, RecordSink, RecordSnapshot, RecordWriter } from "../types.js";
import { assertSnapshot } from "../validate.js";
import { SnapshotAssembler } from "./assemble.js";
import { FirstSnapshotHold, type Block } from "./first-hold.js";

/** "damon_recfmt_ver", no NUL. */
export const BINARY_MAGIC = new TextEncoder().encode("damon_recfmt_ver");

const REGION_BYTES = 20;
// Corrupt counts must end in a truncation error, not in a huge allocation.
const REGION_BATCH = 4096;

/**
 * damo's legacy binary record (versions 2 and 1; version 0 without the magic when asked for
 * binary explicitly): little-endian, packed, end times only, no age.
 */
export async function* readBinary(chunks: AsyncIterable<Uint8Array>, meta: RecordMeta): AsyncGenerator<RecordSnapshot> {
  const cursor = new ByteCursor(chunks[Symbol.asyncIterator]());
  const assembler = new SnapshotAssembler("binary_v2", meta);
  const fail = (offset: number, problem: string): never => {
    throw new RecordFormatError("binary_v2", `offset ${offset}`, problem);
  };
  const need = async (n: number, what: string): Promise<DataView> => {
    const at = cursor.offset;
    const bytes = await cursor.take(n);
    if (bytes.length < n) fail(at, `truncated in ${what} (${bytes.length} of ${n} bytes)`);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const u64 = (view: DataView, at: number, offset: number, what: string): number => {
    const high = view.getUint32(at + 4, true);
    if (high >= 2 ** 21) fail(offset, `${what} is 2^53 or more, beyond exact JavaScript numbers`);
    return high * 2 ** 32 + view.getUint32(at, true);
  };

  let version = 0;
  // version 0 has no magic: the 16 bytes already read are the first snapshot's time
  let pending: Uint8Array | null = await cursor.take(BINARY_MAGIC.length);
  if (pending.length === BINARY_MAGIC.length && pending.every((b, i) => b === BINARY_MAGIC[i])) {
    pending = null;
    version = (await need(4, "the format version")).getInt32(0, true);
    if (version !== 1 && version !== 2) fail(16, `unsupported format version ${version}`);
  }
  for (;;) {
    const at = cursor.offset - (pending?.length ?? 0);
    const time: Uint8Array = pending ?? (await cursor.take(16));
    pending = null;
    if (time.length === 0) break;
    if (time.length < 16) fail(at, `truncated in a snapshot time (${time.length} of 16 bytes)`);
    const tv = new DataView(time.buffer, time.byteOffset, 16);
    const sec = u64(tv, 0, at, "the snapshot seconds");
    const nsec = u64(tv, 8, at + 8, "the snapshot nanoseconds");
    if (nsec >= 1e9) fail(at + 8, `nanoseconds ${nsec} out of range`);
    const endNs = sec * 1e9 + nsec;
    if (!Number.isSafeInteger(endNs)) fail(at, "snapshot time is 2^53 ns or more");
    const nrTargets = (await need(4, "nr_targets")).getUint32(0, true);
    for (let t = 0; t < nrTargets; t++) {
      const idAt = cursor.offset;
      const head = await need(version === 1 ? 8 : 12, "a target header");
      const id = version === 1 ? head.getInt32(0, true) : targetIdFromBigInt(head.getBigUint64(0, true));
      const nrRegions = head.getUint32(version === 1 ? 4 : 8, true);
      const regions: RecordRegion[] = [];
      for (let done = 0; done < nrRegions; ) {
        const batch = Math.min(REGION_BATCH, nrRegions - done);
        const regionAt = cursor.offset;
        const view = await need(batch * REGION_BYTES, `the regions of target ${id}`);
        for (let i = 0; i < batch; i++) {
          const o = i * REGION_BYTES;
          const start = u64(view, o, regionAt + o, "a region start");
          const end = u64(view, o + 8, regionAt + o + 8, "a region end");
          const nr = view.getUint32(o + 16, true);
          // damo's fake snapshot stores nr_accesses -1, which reads back unsigned
          const fake = nrRegions === 1 && start === 0 && end === 0 && nr === 0xffffffff;
          if (end < start) fail(regionAt + o, `region ${start}-${end} ends before it starts`);
          regions.push({ start, end, nrAccesses: fake ? -1 : nr, age: fake ? -1 : null });
        }
        done += batch;
      }
      yield* assembler.add(id, endNs, regions, `offset ${idAt}`);
    }
  }
  yield* assembler.finish(`offset ${cursor.offset}`);
}

/** damo's binary writer (format version 2), one block per snapshot. */
export function createBinaryWriter(sink: RecordSink): RecordWriter {
  const hold = new FirstSnapshotHold();
  let started = false;
  let closed = false;
  const writeBlocks = async (blocks: Block[]) => {
    if (!started) {
      started = true;
      const head = new Uint8Array(20);
      head.set(BINARY_MAGIC);
      new DataView(head.buffer).setInt32(16, 2, true);
      await sink.write(head);
    }
    for (const block of blocks) await sink.write(encodeBlock(block));
  };
  return {
    async write(snapshot) {
      if (closed) throw new Error("record writer is closed");
      assertSnapshot(snapshot);
      if (snapshot.targets.some((t) => t.id === null)) throw new RangeError("binary_v2 needs integer target ids, found null");
      await writeBlocks(hold.add(snapshot));
    },
    async close() {
      if (closed) return;
      closed = true;
      await writeBlocks(hold.finish());
      await sink.close?.();
    },
  };
}

function encodeBlock(block: Block): Uint8Array {
  const size = 20 + block.targets.reduce((n, t) => n + 12 + REGION_BYTES * t.regions.length, 0);
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  const ns = Math.round(block.endNs);
  view.setBigUint64(0, BigInt(Math.floor(ns / 1e9)), true);
  view.setBigUint64(8, BigInt(ns % 1e9), true);
  view.setUint32(16, block.targets.length, true);
  let at = 20;
  for (const t of block.targets) {
    view.setBigUint64(at, BigInt(t.id ?? 0), true);
    view.setUint32(at + 8, t.regions.length, true);
    at += 12;
    for (const r of t.regions) {
      view.setBigUint64(at, BigInt(r.start), true);
      view.setBigUint64(at + 8, BigInt(r.end), true);
      view.setUint32(at + 16, r.nrAccesses >>> 0, true);
      at += REGION_BYTES;
    }
  }
  return bytes;
}
