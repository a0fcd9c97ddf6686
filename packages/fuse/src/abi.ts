// The FUSE kernel ABI subset we speak (linux/fuse.h), protocol 7.31, little-endian.
import type { FuseStat } from "./types.js";

export const Opcode = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  GETXATTR: 22,
  LISTXATTR: 23,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  ACCESS: 34,
  INTERRUPT: 36,
  DESTROY: 38,
  BATCH_FORGET: 42,
} as const;

/** Requests the kernel expects no reply to. */
export const NO_REPLY = new Set<number>([Opcode.FORGET, Opcode.BATCH_FORGET, Opcode.INTERRUPT]);

export const PROTOCOL_MAJOR = 7;
export const PROTOCOL_MINOR = 31;
export const ROOT_ID = 1;
export const MAX_WRITE = 1 << 20;
export const MAX_PAGES = 256;
// The kernel refuses reads smaller than header + write_in + max_write.
export const READ_BUFFER_SIZE = MAX_WRITE + (64 << 10);

export const InitFlag = { ATOMIC_O_TRUNC: 1 << 3, BIG_WRITES: 1 << 5, MAX_PAGES: 1 << 22 } as const;
export const OpenFlag = { DIRECT_IO: 1 << 0, NONSEEKABLE: 1 << 2 } as const;
export const SetattrValid = { MODE: 1 << 0, UID: 1 << 1, GID: 1 << 2, SIZE: 1 << 3 } as const;
export const O_TRUNC = 0o1000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
export const DT_DIR = 4;
export const DT_REG = 8;
export const DT_UNKNOWN = 0;

export const IN_HEADER_SIZE = 40;
export const OUT_HEADER_SIZE = 16;
const ATTR_SIZE = 88;
export const ENTRY_OUT_SIZE = 40 + ATTR_SIZE;
export const ATTR_OUT_SIZE = 16 + ATTR_SIZE;
export const INIT_OUT_SIZE = 64;
export const OPEN_OUT_SIZE = 16;
export const WRITE_OUT_SIZE = 8;
export const STATFS_OUT_SIZE = 80;
const DIRENT_NAME_OFFSET = 24;

export interface InHeader {
  opcode: number;
  unique: bigint;
  nodeid: number;
  /** The calling thread's id, in the mounter's pid namespace. */
  pid: number;
}

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function readInHeader(request: Uint8Array): InHeader {
  const v = view(request);
  return { opcode: v.getUint32(4, true), unique: v.getBigUint64(8, true), nodeid: u64(v, 16), pid: v.getUint32(32, true) };
}

/** A u64 as a number: offsets, sizes and handles stay far below 2^53. */
export function u64(v: DataView, offset: number): number {
  return Number(v.getBigUint64(offset, true));
}

/** The NUL-terminated name that follows the in header (LOOKUP). */
export function readName(request: Uint8Array, offset = IN_HEADER_SIZE): string {
  const end = request.indexOf(0, offset);
  return new TextDecoder().decode(request.subarray(offset, end < 0 ? request.length : end));
}

/** A complete reply: out header plus payload. `error` is 0 or -errno (then without payload). */
export function reply(unique: bigint, error: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const bytes = new Uint8Array(OUT_HEADER_SIZE + payload.length);
  const v = view(bytes);
  v.setUint32(0, bytes.length, true);
  v.setInt32(4, error, true);
  v.setBigUint64(8, unique, true);
  bytes.set(payload, OUT_HEADER_SIZE);
  return bytes;
}

export function writeAttr(v: DataView, offset: number, ino: number, stat: FuseStat, defaultMtimeMs: number): void {
  const isDir = stat.kind === "dir";
  const mtimeMs = stat.mtimeMs ?? defaultMtimeMs;
  const sec = BigInt(Math.floor(mtimeMs / 1000));
  const nsec = Math.floor((mtimeMs % 1000) * 1e6);
  v.setBigUint64(offset, BigInt(ino), true);
  v.setBigUint64(offset + 8, BigInt(stat.size), true);
  v.setBigUint64(offset + 16, BigInt(Math.ceil(stat.size / 512)), true);
  for (let i = 0; i < 3; i++) {
    v.setBigUint64(offset + 24 + 8 * i, sec, true); // atime, mtime, ctime
    v.setUint32(offset + 48 + 4 * i, nsec, true);
  }
  v.setUint32(offset + 60, (isDir ? S_IFDIR : S_IFREG) | (stat.mode & 0o7777), true);
  v.setUint32(offset + 64, isDir ? 2 : 1, true); // nlink
  // uid, gid, rdev stay 0
  v.setUint32(offset + 80, 4096, true); // blksize
}

export interface Dirent {
  name: string;
  ino: number;
  type: number;
}

/** Packs entries from index `start` into at most `size` bytes; each entry's off is the next index. */
export function packDirents(entries: Dirent[], start: number, size: number): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let used = 0;
  for (let i = start; i < entries.length; i++) {
    const name = encoder.encode(entries[i].name);
    const length = (DIRENT_NAME_OFFSET + name.length + 7) & ~7;
    if (used + length > size) break;
    const part = new Uint8Array(length);
    const v = view(part);
    v.setBigUint64(0, BigInt(entries[i].ino), true);
    v.setBigUint64(8, BigInt(i + 1), true);
    v.setUint32(16, name.length, true);
    v.setUint32(20, entries[i].type, true);
    part.set(name, DIRENT_NAME_OFFSET);
    parts.push(part);
    used += length;
  }
  const out = new Uint8Array(used);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
