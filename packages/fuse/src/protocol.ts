// Request dispatch: one kernel request in, one reply out (or none), no I/O. The mount glue
// feeds it what the reader worker read and writes back what it returns.
import {
  ATTR_OUT_SIZE,
  DT_DIR,
  DT_REG,
  DT_UNKNOWN,
  ENTRY_OUT_SIZE,
  INIT_OUT_SIZE,
  IN_HEADER_SIZE,
  InitFlag,
  MAX_PAGES,
  MAX_WRITE,
  NO_REPLY,
  OPEN_OUT_SIZE,
  O_TRUNC,
  Opcode,
  OpenFlag,
  PROTOCOL_MAJOR,
  PROTOCOL_MINOR,
  ROOT_ID,
  STATFS_OUT_SIZE,
  SetattrValid,
  WRITE_OUT_SIZE,
  packDirents,
  readInHeader,
  readName,
  reply,
  u64,
  view,
  writeAttr,
  type Dirent,
  type InHeader,
} from "./abi.js";
import { Errno } from "./errno.js";
import { NodeTable, childPath, parentPath } from "./nodes.js";
import type { FuseHandler } from "./types.js";

const OPCODE_NAMES = new Map<number, string>(Object.entries(Opcode).map(([name, code]) => [code, name]));

/** A reply payload, or -errno (a non-negative number there is a handler bug, sent as EIO). */
type Outcome = Uint8Array | number;

export class FuseSession {
  readonly #handler: FuseHandler;
  readonly #debug: ((line: string) => void) | undefined;
  readonly #nodes = new NodeTable();
  readonly #dirs = new Map<number, Dirent[]>();
  readonly #startMs = Date.now();
  #nextDirHandle = 1;

  constructor(handler: FuseHandler, debug?: (line: string) => void) {
    this.#handler = handler;
    this.#debug = debug;
  }

  /** The reply bytes for one request, or null for requests the kernel expects no reply to. */
  handle(request: Uint8Array): Uint8Array | null {
    const header = readInHeader(request);
    const name = OPCODE_NAMES.get(header.opcode) ?? `opcode ${header.opcode}`;
    if (NO_REPLY.has(header.opcode)) {
      this.#debug?.(`${name} (no reply)`);
      return null;
    }
    let outcome: Outcome;
    try {
      outcome = this.#dispatch(header, request);
    } catch (error) {
      this.#debug?.(`${name} handler threw: ${String(error)}`);
      outcome = -Errno.EIO;
    }
    this.#debug?.(`${name} ${this.#subject(header, request)} -> ${typeof outcome === "number" ? outcome : "ok"}`);
    if (typeof outcome === "number") return reply(header.unique, outcome < 0 ? outcome : -Errno.EIO);
    return reply(header.unique, 0, outcome);
  }

  #dispatch(header: InHeader, request: Uint8Array): Outcome {
    const v = view(request);
    // The argument struct follows the header: open_in {flags u32}; read_in/write_in {fh u64,
    // offset u64, size u32, ...} (write data after its 40 bytes); release_in, flush_in and
    // readdir's read_in start with fh u64; setattr_in {valid u32, pad u32, fh u64, size u64, ...}.
    const arg = IN_HEADER_SIZE;
    switch (header.opcode) {
      case Opcode.INIT:
        return this.#init(v.getUint32(arg, true), v.getUint32(arg + 4, true), v.getUint32(arg + 8, true), v.getUint32(arg + 12, true));
      case Opcode.LOOKUP:
        return this.#withPath(header, (parent) => this.#entry(childPath(parent, readName(request))));
      case Opcode.GETATTR:
        return this.#withPath(header, (path) => this.#attr(path));
      case Opcode.SETATTR:
        return this.#withPath(header, (path) => this.#setattr(path, v.getUint32(arg, true), u64(v, arg + 16)));
      case Opcode.OPEN:
        return this.#withPath(header, (path) => this.#open(path, v.getUint32(arg, true)));
      case Opcode.READ:
        return this.#read(u64(v, arg), u64(v, arg + 8), v.getUint32(arg + 16, true));
      case Opcode.WRITE: {
        const size = v.getUint32(arg + 16, true);
        const data = request.subarray(arg + 40, arg + 40 + size);
        return this.#written(this.#handler.write(u64(v, arg), u64(v, arg + 8), data));
      }
      case Opcode.RELEASE:
        this.#handler.release(u64(v, arg));
        return new Uint8Array(0);
      case Opcode.OPENDIR:
        return this.#withPath(header, (path) => this.#opendir(path));
      case Opcode.READDIR: {
        const entries = this.#dirs.get(u64(v, arg));
        return entries ? packDirents(entries, u64(v, arg + 8), v.getUint32(arg + 16, true)) : -Errno.EBADF;
      }
      case Opcode.RELEASEDIR:
        this.#dirs.delete(u64(v, arg));
        return new Uint8Array(0);
      case Opcode.STATFS:
        return statfs();
      case Opcode.FLUSH:
      case Opcode.ACCESS: // not sent with default_permissions; allow if it is
      case Opcode.DESTROY:
        return new Uint8Array(0);
      default: // GETXATTR, LISTXATTR and the rest; for xattrs the kernel then stops asking
        return -Errno.ENOSYS;
    }
  }

  /** What a debug line names: the node's path, or the looked-up path for LOOKUP. */
  #subject(header: InHeader, request: Uint8Array): string {
    const path = this.#nodes.path(header.nodeid);
    if (path === undefined) return `node ${header.nodeid}`;
    return header.opcode === Opcode.LOOKUP ? childPath(path, readName(request)) : path;
  }

  #withPath(header: InHeader, then: (path: string) => Outcome): Outcome {
    const path = this.#nodes.path(header.nodeid);
    return path === undefined ? -Errno.ENOENT : then(path);
  }

  #init(major: number, minor: number, maxReadahead: number, flags: number): Outcome {
    this.#debug?.(`INIT kernel ${major}.${minor} flags=0x${flags.toString(16)}; replying ${PROTOCOL_MAJOR}.${PROTOCOL_MINOR}`);
    if (major < PROTOCOL_MAJOR) return -Errno.EPROTO;
    const out = new Uint8Array(INIT_OUT_SIZE);
    const v = view(out);
    v.setUint32(0, PROTOCOL_MAJOR, true);
    v.setUint32(4, PROTOCOL_MINOR, true);
    v.setUint32(8, maxReadahead, true);
    v.setUint32(12, flags & (InitFlag.ATOMIC_O_TRUNC | InitFlag.BIG_WRITES | InitFlag.MAX_PAGES), true);
    // max_background and congestion_threshold 0: keep the kernel's defaults
    v.setUint32(20, MAX_WRITE, true);
    v.setUint32(24, 1, true); // time_gran: 1 ns
    v.setUint16(28, MAX_PAGES, true);
    return out;
  }

  #entry(path: string): Outcome {
    const stat = this.#handler.getattr(path);
    if (typeof stat === "number") return stat;
    const id = this.#nodes.idOf(path);
    const out = new Uint8Array(ENTRY_OUT_SIZE);
    const v = view(out);
    v.setBigUint64(0, BigInt(id), true);
    // generation, entry/attr TTLs: 0, so the kernel asks again (the tree changes under it)
    writeAttr(v, 40, id, stat, this.#startMs);
    return out;
  }

  #attr(path: string): Outcome {
    const stat = this.#handler.getattr(path);
    if (typeof stat === "number") return stat;
    const out = new Uint8Array(ATTR_OUT_SIZE);
    writeAttr(view(out), 16, this.#nodes.idOf(path), stat, this.#startMs); // attr TTL 0
    return out;
  }

  #setattr(path: string, valid: number, size: number): Outcome {
    if (valid & (SetattrValid.MODE | SetattrValid.UID | SetattrValid.GID)) return -Errno.EPERM;
    if (valid & SetattrValid.SIZE) {
      const result = this.#truncate(path, size);
      if (result < 0) return result;
    }
    return this.#attr(path); // times are accepted and ignored (touch works)
  }

  #truncate(path: string, size: number): number {
    return this.#handler.truncate?.(path, size) ?? 0;
  }

  #open(path: string, flags: number): Outcome {
    const opened = this.#handler.open(path, flags);
    if (typeof opened === "number") return opened;
    // ATOMIC_O_TRUNC: the kernel leaves O_TRUNC to us instead of sending SETATTR first
    if (flags & O_TRUNC) {
      const result = this.#truncate(path, 0);
      if (result < 0) {
        this.#handler.release(opened.fh);
        return result;
      }
    }
    const openFlags = (opened.directIo === false ? 0 : OpenFlag.DIRECT_IO) | (opened.nonSeekable ? OpenFlag.NONSEEKABLE : 0);
    return openOut(opened.fh, openFlags);
  }

  #read(fh: number, offset: number, size: number): Outcome {
    const data = this.#handler.read(fh, offset, size);
    if (typeof data === "number") return data;
    return data.length > size ? data.subarray(0, size) : data;
  }

  #written(result: number): Outcome {
    if (result < 0) return result;
    const out = new Uint8Array(WRITE_OUT_SIZE);
    view(out).setUint32(0, result, true);
    return out;
  }

  #opendir(path: string): Outcome {
    const stat = this.#handler.getattr(path);
    if (typeof stat === "number") return stat;
    if (stat.kind !== "dir") return -Errno.ENOTDIR;
    const names = this.#handler.readdir(path);
    if (typeof names === "number") return names;
    // A snapshot per opendir keeps the READDIR offsets consistent while the tree changes.
    const parent = path === "/" ? ROOT_ID : this.#nodes.idOf(parentPath(path));
    const entries: Dirent[] = [
      { name: ".", ino: this.#nodes.idOf(path), type: DT_DIR },
      { name: "..", ino: parent, type: DT_DIR },
      ...names.map((name) => this.#dirent(childPath(path, name), name)),
    ];
    const fh = this.#nextDirHandle++;
    this.#dirs.set(fh, entries);
    return openOut(fh, 0);
  }

  #dirent(path: string, name: string): Dirent {
    const stat = this.#handler.getattr(path);
    const type = typeof stat === "number" ? DT_UNKNOWN : stat.kind === "dir" ? DT_DIR : DT_REG;
    return { name, ino: this.#nodes.idOf(path), type };
  }
}

function openOut(fh: number, openFlags: number): Uint8Array {
  const out = new Uint8Array(OPEN_OUT_SIZE);
  const v = view(out);
  v.setBigUint64(0, BigInt(fh), true);
  v.setUint32(8, openFlags, true);
  return out;
}

function statfs(): Uint8Array {
  const out = new Uint8Array(STATFS_OUT_SIZE);
  const v = view(out);
  // blocks, bfree, bavail, files, ffree: 0 (like debugfs)
  v.setUint32(40, 4096, true); // bsize
  v.setUint32(44, 255, true); // namelen
  v.setUint32(48, 4096, true); // frsize
  return out;
}
