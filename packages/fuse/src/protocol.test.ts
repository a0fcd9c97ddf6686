// The dispatcher fed crafted kernel requests, byte for byte; no mount needed.
import { describe, expect, it } from "vitest";
import { Errno } from "./errno.js";
import { FuseSession } from "./protocol.js";
import type { FuseHandler, FuseStat } from "./types.js";

const Op = {
  LOOKUP: 1, FORGET: 2, GETATTR: 3, SETATTR: 4, MKDIR: 9, OPEN: 14, READ: 15, WRITE: 16, STATFS: 17,
  RELEASE: 18, GETXATTR: 22, LISTXATTR: 23, FLUSH: 25, INIT: 26, OPENDIR: 27, READDIR: 28,
  RELEASEDIR: 29, ACCESS: 34, CREATE: 35, INTERRUPT: 36, DESTROY: 38, BATCH_FORGET: 42,
};
const O_WRONLY = 0o1;
const O_TRUNC = 0o1000;
const FATTR_MODE = 1 << 0;
const FATTR_SIZE = 1 << 3;
const FATTR_MTIME = 1 << 5;
const ATOMIC_O_TRUNC = 1 << 3;
const BIG_WRITES = 1 << 5;
const MAX_PAGES = 1 << 22;

let lastUnique = 0n;

/** A kernel request: fuse_in_header + body. */
function request(opcode: number, nodeid: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const bytes = new Uint8Array(40 + body.length);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, bytes.length, true);
  v.setUint32(4, opcode, true);
  v.setBigUint64(8, ++lastUnique, true);
  v.setBigUint64(16, BigInt(nodeid), true);
  v.setUint32(32, 4242, true); // pid
  bytes.set(body, 40);
  return bytes;
}

function struct(size: number, fill: (v: DataView) => void): Uint8Array {
  const bytes = new Uint8Array(size);
  fill(new DataView(bytes.buffer));
  return bytes;
}

const name = (text: string) => new TextEncoder().encode(`${text}\0`);
const fhArg = (fh: number) => struct(24, (v) => v.setBigUint64(0, BigInt(fh), true));
const ioArg = (fh: number, offset: number, size: number) =>
  struct(40, (v) => {
    v.setBigUint64(0, BigInt(fh), true);
    v.setBigUint64(8, BigInt(offset), true);
    v.setUint32(16, size, true);
  });
const openArg = (flags: number) => struct(8, (v) => v.setUint32(0, flags, true));
const setattrArg = (valid: number, size = 0) =>
  struct(88, (v) => {
    v.setUint32(0, valid, true);
    v.setBigUint64(16, BigInt(size), true);
  });
const initArg = (major: number, minor: number, flags: number) =>
  struct(64, (v) => {
    v.setUint32(0, major, true);
    v.setUint32(4, minor, true);
    v.setUint32(8, 131072, true); // max_readahead
    v.setUint32(12, flags, true);
  });

interface Reply {
  error: number;
  body: DataView;
  size: number;
}

/** Checks the out header (length, echoed unique) and returns the error and payload. */
function parse(bytes: Uint8Array | null): Reply {
  expect(bytes).not.toBeNull();
  const v = new DataView(bytes!.buffer, bytes!.byteOffset, bytes!.byteLength);
  expect(v.getUint32(0, true)).toBe(bytes!.length);
  expect(v.getBigUint64(8, true)).toBe(lastUnique);
  const error = v.getInt32(4, true);
  if (error !== 0) expect(bytes!.length).toBe(16);
  return { error, body: new DataView(bytes!.buffer, bytes!.byteOffset + 16), size: bytes!.length - 16 };
}

function attrOf(v: DataView, at: number) {
  return {
    ino: Number(v.getBigUint64(at, true)),
    size: Number(v.getBigUint64(at + 8, true)),
    mtime: Number(v.getBigUint64(at + 32, true)),
    mtimensec: v.getUint32(at + 52, true),
    mode: v.getUint32(at + 60, true),
    nlink: v.getUint32(at + 64, true),
    uid: v.getUint32(at + 68, true),
    gid: v.getUint32(at + 72, true),
  };
}

function dirents(reply: Reply) {
  const out: Array<{ ino: number; off: number; type: number; name: string }> = [];
  for (let at = 0; at < reply.size; ) {
    const namelen = reply.body.getUint32(at + 16, true);
    const nameBytes = new Uint8Array(reply.body.buffer, reply.body.byteOffset + at + 24, namelen);
    out.push({
      ino: Number(reply.body.getBigUint64(at, true)),
      off: Number(reply.body.getBigUint64(at + 8, true)),
      type: reply.body.getUint32(at + 20, true),
      name: new TextDecoder().decode(nameBytes),
    });
    at += (24 + namelen + 7) & ~7;
  }
  return out;
}

/** A small tree whose handler logs every call. */
function fixture(overrides: Partial<FuseHandler> = {}) {
  const calls: string[] = [];
  const tree = new Map<string, FuseStat>([
    ["/", { kind: "dir", mode: 0o755, size: 0 }],
    ["/attrs", { kind: "file", mode: 0o600, size: 29 }],
    ["/ro", { kind: "file", mode: 0o444, size: 0, mtimeMs: 1_700_000_000_250 }],
    ["/sub", { kind: "dir", mode: 0o700, size: 0 }],
    ["/sub/x", { kind: "file", mode: 0o644, size: 3 }],
  ]);
  const handler: FuseHandler = {
    getattr: (path) => tree.get(path) ?? -Errno.ENOENT,
    readdir: (path) => [...tree.keys()].filter((p) => p !== path && p.slice(0, p.lastIndexOf("/") || 1) === path).map((p) => p.slice(p.lastIndexOf("/") + 1)),
    open(path, flags) {
      calls.push(`open ${path} ${flags.toString(8)}`);
      return { fh: 7 };
    },
    read(fh, offset, size) {
      calls.push(`read ${fh} @${offset} ${size}`);
      return new TextEncoder().encode("0123456789").subarray(offset, offset + size);
    },
    write(fh, offset, data) {
      calls.push(`write ${fh} @${offset} ${new TextDecoder().decode(data)}`);
      return data.length;
    },
    release: (fh) => void calls.push(`release ${fh}`),
    truncate(path, size) {
      calls.push(`truncate ${path} ${size}`);
      return 0;
    },
    ...overrides,
  };
  const debug: string[] = [];
  const session = new FuseSession(handler, (line) => debug.push(line));
  const lookup = (parent: number, child: string) => parse(session.handle(request(Op.LOOKUP, parent, name(child))));
  const idOf = (child: string, parent = 1) => Number(lookup(parent, child).body.getBigUint64(0, true));
  return { calls, tree, session, debug, lookup, idOf };
}

describe("INIT", () => {
  it("answers 7.31 with ATOMIC_O_TRUNC, BIG_WRITES and MAX_PAGES, 1 MiB writes over 256 pages", () => {
    const { session, debug } = fixture();
    const r = parse(session.handle(request(Op.INIT, 0, initArg(7, 45, 0x73fffffb))));
    expect(r.error).toBe(0);
    expect(r.size).toBe(64);
    expect(r.body.getUint32(0, true)).toBe(7);
    expect(r.body.getUint32(4, true)).toBe(31);
    expect(r.body.getUint32(8, true)).toBe(131072);
    expect(r.body.getUint32(12, true)).toBe(ATOMIC_O_TRUNC | BIG_WRITES | MAX_PAGES);
    expect(r.body.getUint32(20, true)).toBe(1 << 20);
    expect(r.body.getUint32(24, true)).toBe(1);
    expect(r.body.getUint16(28, true)).toBe(256);
    expect(debug[0]).toBe("INIT kernel 7.45 flags=0x73fffffb; replying 7.31");
  });

  it("never claims a flag the kernel did not offer", () => {
    const r = parse(fixture().session.handle(request(Op.INIT, 0, initArg(7, 27, BIG_WRITES | 1))));
    expect(r.body.getUint32(12, true)).toBe(BIG_WRITES);
  });

  it("refuses a kernel older than protocol 7 with EPROTO", () => {
    expect(parse(fixture().session.handle(request(Op.INIT, 0, initArg(6, 0, 0)))).error).toBe(-Errno.EPROTO);
  });
});

describe("LOOKUP and GETATTR", () => {
  it("LOOKUP answers an entry with TTL 0 and the file's attributes, owned by root", () => {
    const r = fixture().lookup(1, "attrs");
    expect(r.error).toBe(0);
    expect(r.size).toBe(128);
    const nodeid = Number(r.body.getBigUint64(0, true));
    expect(nodeid).toBeGreaterThan(1);
    for (const at of [8, 16, 24]) expect(r.body.getBigUint64(at, true)).toBe(0n); // generation, entry/attr valid
    expect(r.body.getUint32(32, true)).toBe(0);
    expect(r.body.getUint32(36, true)).toBe(0);
    expect(attrOf(r.body, 40)).toMatchObject({ ino: nodeid, size: 29, mode: 0o100600, nlink: 1, uid: 0, gid: 0 });
  });

  it("node ids are stable per path and distinct between paths, also in subdirectories", () => {
    const { idOf } = fixture();
    const attrs = idOf("attrs");
    const sub = idOf("sub");
    expect(idOf("attrs")).toBe(attrs);
    expect(sub).not.toBe(attrs);
    const x = idOf("x", sub);
    expect(new Set([1, attrs, sub, x]).size).toBe(4);
    expect(idOf("x", sub)).toBe(x);
  });

  it("LOOKUP of a missing name is a bare ENOENT header; an unknown parent node too", () => {
    const { lookup } = fixture();
    expect(lookup(1, "nope").error).toBe(-Errno.ENOENT);
    expect(lookup(999, "attrs").error).toBe(-Errno.ENOENT);
  });

  it("GETATTR of the root: a directory with its permission bits, nlink 2, inode 1", () => {
    const r = parse(fixture().session.handle(request(Op.GETATTR, 1, new Uint8Array(16))));
    expect(r.size).toBe(104);
    expect(r.body.getBigUint64(0, true)).toBe(0n); // attr_valid
    expect(attrOf(r.body, 16)).toMatchObject({ ino: 1, mode: 0o40755, nlink: 2, uid: 0, gid: 0 });
  });

  it("GETATTR reports mtimeMs as seconds and nanoseconds", () => {
    const { session, idOf } = fixture();
    const r = parse(session.handle(request(Op.GETATTR, idOf("ro"))));
    expect(attrOf(r.body, 16)).toMatchObject({ mode: 0o100444, mtime: 1_700_000_000, mtimensec: 250_000_000 });
  });

  it("GETATTR passes the handler's errno, and a path gone since LOOKUP is ENOENT", () => {
    const { session, idOf, tree } = fixture();
    const sub = idOf("sub");
    tree.delete("/sub");
    expect(parse(session.handle(request(Op.GETATTR, sub))).error).toBe(-Errno.ENOENT);
  });
});

describe("SETATTR", () => {
  it("a size change calls truncate and answers the attributes", () => {
    const { session, idOf, calls } = fixture();
    const r = parse(session.handle(request(Op.SETATTR, idOf("attrs"), setattrArg(FATTR_SIZE, 5))));
    expect(r.error).toBe(0);
    expect(r.size).toBe(104);
    expect(calls).toEqual(["truncate /attrs 5"]);
  });

  it("truncate's errno is passed on", () => {
    const { session, idOf } = fixture({ truncate: () => -Errno.EBUSY });
    expect(parse(session.handle(request(Op.SETATTR, idOf("attrs"), setattrArg(FATTR_SIZE)))).error).toBe(-Errno.EBUSY);
  });

  it("without a truncate handler, truncation succeeds as a no-op", () => {
    const { session, idOf } = fixture({ truncate: undefined });
    expect(parse(session.handle(request(Op.SETATTR, idOf("attrs"), setattrArg(FATTR_SIZE)))).error).toBe(0);
  });

  it("chmod/chown are EPERM; times alone are accepted (touch)", () => {
    const { session, idOf, calls } = fixture();
    const attrs = idOf("attrs");
    expect(parse(session.handle(request(Op.SETATTR, attrs, setattrArg(FATTR_MODE | FATTR_SIZE)))).error).toBe(-Errno.EPERM);
    expect(parse(session.handle(request(Op.SETATTR, attrs, setattrArg(FATTR_MTIME)))).error).toBe(0);
    expect(calls).toEqual([]);
  });
});

describe("OPEN, READ, WRITE, FLUSH, RELEASE", () => {
  const openFlagsOf = (r: Reply) => ({ fh: Number(r.body.getBigUint64(0, true)), flags: r.body.getUint32(8, true) });

  it("OPEN passes the O_* flags and answers FOPEN_DIRECT_IO by default", () => {
    const { session, idOf, calls } = fixture();
    const r = parse(session.handle(request(Op.OPEN, idOf("attrs"), openArg(O_WRONLY))));
    expect(r.size).toBe(16);
    expect(openFlagsOf(r)).toEqual({ fh: 7, flags: 1 });
    expect(calls).toEqual(["open /attrs 1"]);
  });

  it("nonSeekable adds FOPEN_NONSEEKABLE; directIo false drops FOPEN_DIRECT_IO", () => {
    const nonSeekable = fixture({ open: () => ({ fh: 3, nonSeekable: true }) });
    expect(openFlagsOf(parse(nonSeekable.session.handle(request(Op.OPEN, nonSeekable.idOf("attrs"), openArg(0)))))).toEqual({ fh: 3, flags: 1 | 4 });
    const cached = fixture({ open: () => ({ fh: 4, directIo: false }) });
    expect(openFlagsOf(parse(cached.session.handle(request(Op.OPEN, cached.idOf("attrs"), openArg(0)))))).toEqual({ fh: 4, flags: 0 });
  });

  it("OPEN with O_TRUNC (ATOMIC_O_TRUNC) truncates to 0 after a successful open", () => {
    const { session, idOf, calls } = fixture();
    expect(parse(session.handle(request(Op.OPEN, idOf("attrs"), openArg(O_WRONLY | O_TRUNC)))).error).toBe(0);
    expect(calls).toEqual(["open /attrs 1001", "truncate /attrs 0"]);
  });

  it("a failed O_TRUNC releases the handle it just opened and answers the errno", () => {
    const { session, idOf, calls } = fixture({ truncate: () => -Errno.EROFS });
    expect(parse(session.handle(request(Op.OPEN, idOf("attrs"), openArg(O_WRONLY | O_TRUNC)))).error).toBe(-Errno.EROFS);
    expect(calls).toEqual(["open /attrs 1001", "release 7"]);
  });

  it("OPEN passes the handler's errno", () => {
    const { session, idOf } = fixture({ open: () => -Errno.EACCES });
    expect(parse(session.handle(request(Op.OPEN, idOf("ro"), openArg(O_WRONLY)))).error).toBe(-Errno.EACCES);
  });

  it("READ passes fh, offset and size and answers the bytes", () => {
    const { session, idOf, calls } = fixture();
    const r = parse(session.handle(request(Op.READ, idOf("attrs"), ioArg(7, 4, 3))));
    expect(new TextDecoder().decode(new Uint8Array(r.body.buffer, r.body.byteOffset, r.size))).toBe("456");
    expect(calls).toEqual(["read 7 @4 3"]);
  });

  it("READ never answers more than asked, and passes errors", () => {
    const long = fixture({ read: () => new Uint8Array(100) });
    expect(parse(long.session.handle(request(Op.READ, long.idOf("attrs"), ioArg(7, 0, 10)))).size).toBe(10);
    const failing = fixture({ read: () => -Errno.EIO });
    expect(parse(failing.session.handle(request(Op.READ, failing.idOf("attrs"), ioArg(7, 0, 10)))).error).toBe(-Errno.EIO);
  });

  it("WRITE passes exactly the data after fuse_write_in and answers write_out", () => {
    const { session, idOf, calls } = fixture();
    const data = new TextEncoder().encode("1 2 3 4 5\n");
    const body = new Uint8Array(40 + data.length);
    body.set(ioArg(7, 0, data.length));
    body.set(data, 40);
    const r = parse(session.handle(request(Op.WRITE, idOf("attrs"), body)));
    expect(r.size).toBe(8);
    expect(r.body.getUint32(0, true)).toBe(10);
    expect(calls).toEqual(["write 7 @0 1 2 3 4 5\n"]);
  });

  it("WRITE passes the handler's errno unchanged (EINVAL, EBUSY)", () => {
    for (const errno of [Errno.EINVAL, Errno.EBUSY]) {
      const { session, idOf } = fixture({ write: () => -errno });
      const body = new Uint8Array(44);
      body.set(ioArg(7, 2, 4));
      expect(parse(session.handle(request(Op.WRITE, idOf("attrs"), body))).error).toBe(-errno);
    }
  });

  it("FLUSH answers 0; RELEASE calls release with the handle", () => {
    const { session, idOf, calls } = fixture();
    const attrs = idOf("attrs");
    expect(parse(session.handle(request(Op.FLUSH, attrs, fhArg(7)))).error).toBe(0);
    const r = parse(session.handle(request(Op.RELEASE, attrs, fhArg(7))));
    expect(r).toMatchObject({ error: 0, size: 0 });
    expect(calls).toEqual(["release 7"]);
  });
});

describe("OPENDIR, READDIR, RELEASEDIR", () => {
  function opendir(session: FuseSession, nodeid: number) {
    const r = parse(session.handle(request(Op.OPENDIR, nodeid, openArg(0))));
    return { error: r.error, fh: r.error ? 0 : Number(r.body.getBigUint64(0, true)) };
  }
  const readdir = (session: FuseSession, fh: number, offset: number, size = 4096) =>
    parse(session.handle(request(Op.READDIR, 1, ioArg(fh, offset, size))));

  it("lists . and .. first, then the names with their types, inodes and next offsets", () => {
    const { session, idOf } = fixture();
    const { fh } = opendir(session, 1);
    expect(dirents(readdir(session, fh, 0))).toEqual([
      { ino: 1, off: 1, type: 4, name: "." },
      { ino: 1, off: 2, type: 4, name: ".." },
      { ino: idOf("attrs"), off: 3, type: 8, name: "attrs" },
      { ino: idOf("ro"), off: 4, type: 8, name: "ro" },
      { ino: idOf("sub"), off: 5, type: 4, name: "sub" },
    ]);
    expect(readdir(session, fh, 5).size).toBe(0); // end
  });

  it("a subdirectory's .. is its parent", () => {
    const { session, idOf } = fixture();
    const sub = idOf("sub");
    const entries = dirents(readdir(session, opendir(session, sub).fh, 0));
    expect(entries.map((e) => [e.name, e.ino])).toEqual([[".", sub], ["..", 1], ["x", idOf("x", sub)]]);
  });

  it("fills at most the requested size, 8-byte aligned, and resumes at the offset", () => {
    const { session } = fixture();
    const { fh } = opendir(session, 1);
    const first = readdir(session, fh, 0, 64); // "." and ".." take 32 bytes each
    expect(first.size).toBe(64);
    expect(dirents(first).map((e) => e.name)).toEqual([".", ".."]);
    expect(dirents(readdir(session, fh, 2, 64)).map((e) => e.name)).toEqual(["attrs", "ro"]);
    expect(dirents(readdir(session, fh, 4, 64)).map((e) => e.name)).toEqual(["sub"]);
  });

  it("a listing is a snapshot taken at OPENDIR, dropped at RELEASEDIR", () => {
    const { session, tree } = fixture();
    const { fh } = opendir(session, 1);
    tree.set("/new", { kind: "dir", mode: 0o755, size: 0 });
    expect(dirents(readdir(session, fh, 0)).map((e) => e.name)).not.toContain("new");
    expect(opendir(session, 1).fh).not.toBe(fh);
    expect(parse(session.handle(request(Op.RELEASEDIR, 1, fhArg(fh)))).error).toBe(0);
    expect(readdir(session, fh, 0).error).toBe(-Errno.EBADF);
  });

  it("OPENDIR of a file is ENOTDIR; the handler's readdir errno is passed on", () => {
    const { session, idOf } = fixture();
    expect(opendir(session, idOf("attrs")).error).toBe(-Errno.ENOTDIR);
    const failing = fixture({ readdir: () => -Errno.EACCES });
    expect(opendir(failing.session, 1).error).toBe(-Errno.EACCES);
  });
});

describe("the other opcodes", () => {
  it("STATFS answers a kstatfs with 4 KiB blocks and 255-byte names", () => {
    const r = parse(fixture().session.handle(request(Op.STATFS, 1)));
    expect(r.size).toBe(80);
    expect([r.body.getUint32(40, true), r.body.getUint32(44, true), r.body.getUint32(48, true)]).toEqual([4096, 255, 4096]);
  });

  it("GETXATTR and LISTXATTR are ENOSYS (the kernel then stops asking)", () => {
    const { session } = fixture();
    const getxattr = new Uint8Array([...struct(8, (v) => v.setUint32(0, 64, true)), ...name("security.capability")]);
    expect(parse(session.handle(request(Op.GETXATTR, 1, getxattr))).error).toBe(-Errno.ENOSYS);
    expect(parse(session.handle(request(Op.LISTXATTR, 1, struct(8, () => {})))).error).toBe(-Errno.ENOSYS);
  });

  it("ACCESS and DESTROY answer 0", () => {
    const { session } = fixture();
    expect(parse(session.handle(request(Op.ACCESS, 1, struct(8, (v) => v.setUint32(0, 2, true))))).error).toBe(0);
    expect(parse(session.handle(request(Op.DESTROY, 1))).error).toBe(0);
  });

  it("FORGET, BATCH_FORGET and INTERRUPT get no reply at all", () => {
    const { session } = fixture();
    expect(session.handle(request(Op.FORGET, 2, struct(8, (v) => v.setBigUint64(0, 1n, true))))).toBeNull();
    expect(session.handle(request(Op.BATCH_FORGET, 0, struct(24, (v) => v.setUint32(0, 1, true))))).toBeNull();
    expect(session.handle(request(Op.INTERRUPT, 0, struct(8, (v) => v.setBigUint64(0, 5n, true))))).toBeNull();
  });

  it("everything else (MKDIR, CREATE, unknown) is ENOSYS", () => {
    const { session } = fixture();
    for (const opcode of [Op.MKDIR, Op.CREATE, 51, 4096]) {
      expect(parse(session.handle(request(opcode, 1, new Uint8Array(16)))).error).toBe(-Errno.ENOSYS);
    }
  });

  it("a handler that throws, or returns a non-negative error, yields EIO and the session goes on", () => {
    const { session, idOf, debug } = fixture({
      read: () => {
        throw new Error("boom");
      },
      open: () => 5,
    });
    const attrs = idOf("attrs");
    expect(parse(session.handle(request(Op.READ, attrs, ioArg(7, 0, 10)))).error).toBe(-Errno.EIO);
    expect(debug).toContain("READ handler threw: Error: boom");
    expect(parse(session.handle(request(Op.OPEN, attrs, openArg(0)))).error).toBe(-Errno.EIO);
    expect(parse(session.handle(request(Op.GETATTR, attrs))).error).toBe(0);
  });

  it("debug lines name the opcode, the path (the looked-up one for LOOKUP) and the result", () => {
    const { debug, lookup } = fixture();
    lookup(1, "nope");
    lookup(1, "attrs");
    expect(debug).toEqual(["LOOKUP /nope -> -2", "LOOKUP /attrs -> ok"]);
  });
});
