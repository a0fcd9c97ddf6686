import { Errno, fail } from "./errno.js";

/** What a file does on read and write; return -errno on failure (the kernel's convention). */
export interface FileOps {
  /** Bytes at `pos` for a read of `count` bytes (an empty array is end of file). */
  read?(count: number, pos: number): Uint8Array | number;
  /** Bytes written, or -errno. */
  write?(data: Uint8Array, pos: number): number;
  /** false for nonseekable_open() files: lseek, pread and pwrite fail with ESPIPE. */
  seekable: boolean;
  /**
   * Runs on open(2) with its flags, e.g. to log a warning; a negative errno refuses the open
   * (kernfs refuses an access mode that the file's permission bits do not allow).
   */
  onOpen?(flags: number): number | void;
}

export class FileNode {
  readonly kind = "file";
  constructor(
    public name: string,
    readonly mode: number,
    readonly ops: FileOps,
  ) {}
}

export class DirNode {
  readonly kind = "dir";
  readonly children = new Map<string, Node>();
  constructor(
    public name: string,
    readonly mode = 0o755,
    /** Rebuilds `children` before each lookup or listing (procfs's pid directories). */
    readonly refresh?: (dir: DirNode) => void,
  ) {}

  add<T extends Node>(node: T): T {
    this.children.set(node.name, node);
    return node;
  }
}

export type Node = FileNode | DirNode;

export interface Stat {
  kind: "file" | "dir";
  /** Permission bits. */
  mode: number;
  size: number;
}

// Linux open(2) flags.
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_ACCMODE = 3;
export const O_CREAT = 0o100;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;

interface OpenFile {
  node: FileNode;
  flags: number;
  pos: number;
}

/** Splits a path into components, resolving "." and ".." against `cwd`. */
export function resolvePath(path: string, cwd = "/"): string[] {
  const parts = path.startsWith("/") ? [] : cwd.split("/").filter(Boolean);
  for (const part of path.split("/")) {
    if (!part || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts;
}

/**
 * A small in-memory VFS with per-open file positions and the kernel's error conventions:
 * reads and writes of files without the method are EINVAL, directories are EISDIR, files
 * cannot be created (EACCES, as in debugfs and procfs).
 */
export class Vfs {
  readonly root: DirNode;
  readonly #files = new Map<number, OpenFile>();
  #nextFd = 3;

  constructor(root: DirNode = new DirNode("")) {
    this.root = root;
  }

  lookup(path: string, cwd = "/"): Node | number {
    let node: Node = this.root;
    for (const part of resolvePath(path, cwd)) {
      if (node.kind !== "dir") return fail("ENOTDIR");
      node.refresh?.(node);
      const next = node.children.get(part);
      if (!next) return fail("ENOENT");
      node = next;
    }
    return node;
  }

  /** Makes the directories of `path` (like mkdir -p) and returns the last one. */
  mkdirp(path: string): DirNode {
    let dir = this.root;
    for (const part of resolvePath(path)) {
      let next = dir.children.get(part);
      if (!next) next = dir.add(new DirNode(part));
      if (next.kind !== "dir") throw new Error(`${part} is not a directory`);
      dir = next;
    }
    return dir;
  }

  open(path: string, flags = O_RDONLY, cwd = "/"): number {
    const node = this.lookup(path, cwd);
    if (typeof node === "number") return node === fail("ENOENT") && flags & O_CREAT ? this.#createFails(path, cwd) : node;
    if (node.kind === "dir") return (flags & O_ACCMODE) === O_RDONLY ? fail("EISDIR") : fail("EISDIR");
    const refused = node.ops.onOpen?.(flags);
    if (typeof refused === "number" && refused < 0) return refused;
    const fd = this.#nextFd++;
    this.#files.set(fd, { node, flags, pos: 0 });
    return fd;
  }

  read(fd: number, count: number): Uint8Array | number {
    const file = this.#files.get(fd);
    if (!file || (file.flags & O_ACCMODE) === O_WRONLY) return fail("EBADF");
    if (!file.node.ops.read) return fail("EINVAL");
    const result = file.node.ops.read(clampCount(count), file.pos);
    if (typeof result !== "number") file.pos += result.length;
    return result;
  }

  write(fd: number, data: Uint8Array): number {
    const file = this.#files.get(fd);
    if (!file || (file.flags & O_ACCMODE) === O_RDONLY) return fail("EBADF");
    if (!file.node.ops.write) return fail("EINVAL");
    const n = file.node.ops.write(data, file.pos);
    if (n >= 0) file.pos += n;
    return n;
  }

  pread(fd: number, count: number, pos: number): Uint8Array | number {
    const file = this.#files.get(fd);
    if (!file) return fail("EBADF");
    if (!file.node.ops.seekable) return fail("ESPIPE");
    if (!file.node.ops.read) return fail("EINVAL");
    return file.node.ops.read(clampCount(count), pos);
  }

  pwrite(fd: number, data: Uint8Array, pos: number): number {
    const file = this.#files.get(fd);
    if (!file) return fail("EBADF");
    if (!file.node.ops.seekable) return fail("ESPIPE");
    if (!file.node.ops.write) return fail("EINVAL");
    return file.node.ops.write(data, pos);
  }

  /** lseek with SEEK_SET (0) or SEEK_CUR (1). */
  lseek(fd: number, offset: number, whence: 0 | 1): number {
    const file = this.#files.get(fd);
    if (!file) return fail("EBADF");
    if (!file.node.ops.seekable) return fail("ESPIPE");
    const pos = whence === 0 ? offset : file.pos + offset;
    if (pos < 0) return fail("EINVAL");
    file.pos = pos;
    return pos;
  }

  close(fd: number): number {
    return this.#files.delete(fd) ? 0 : fail("EBADF");
  }

  /** One open(O_WRONLY) + write(2) + close, as `echo -n DATA > PATH` does: bytes written or -errno. */
  writeFile(path: string, data: string | Uint8Array, cwd = "/"): number {
    const fd = this.open(path, O_WRONLY, cwd);
    if (fd < 0) return fd;
    const n = this.write(fd, typeof data === "string" ? encode(data) : data);
    this.close(fd);
    return n;
  }

  /** The whole file through `count`-byte reads, as cat reads it: text, or the first failing read's -errno. */
  readFile(path: string, count = 128 * 1024, cwd = "/"): string | number {
    const fd = this.open(path, O_RDONLY, cwd);
    if (fd < 0) return fd;
    const decoder = new TextDecoder();
    let out = "";
    for (;;) {
      const chunk = this.read(fd, count);
      if (typeof chunk === "number") {
        this.close(fd);
        return chunk;
      }
      if (!chunk.length) break;
      out += decoder.decode(chunk, { stream: true });
    }
    this.close(fd);
    return out + decoder.decode();
  }

  readdir(path: string, cwd = "/"): string[] | number {
    const node = this.lookup(path, cwd);
    if (typeof node === "number") return node;
    if (node.kind !== "dir") return fail("ENOTDIR");
    node.refresh?.(node);
    return [...node.children.keys()];
  }

  stat(path: string, cwd = "/"): Stat | number {
    const node = this.lookup(path, cwd);
    if (typeof node === "number") return node;
    return { kind: node.kind, mode: node.mode, size: 0 };
  }

  #createFails(path: string, cwd: string): number {
    const parts = resolvePath(path, cwd);
    const parent = this.lookup(`/${parts.slice(0, -1).join("/")}`);
    if (typeof parent === "number") return parent;
    return parent.kind === "dir" ? fail("EACCES") : fail("ENOTDIR");
  }
}

// The VFS clamps read/write counts to MAX_RW_COUNT.
const MAX_RW_COUNT = 0x7ffff000;
function clampCount(count: number): number {
  return Math.min(Math.max(0, count), MAX_RW_COUNT);
}

/** simple_read_from_buffer: the part of `content` at `pos`, at most `count` bytes. */
export function readSlice(content: Uint8Array | string, count: number, pos: number): Uint8Array {
  const bytes = typeof content === "string" ? encode(content) : content;
  if (pos >= bytes.length) return new Uint8Array();
  return bytes.slice(pos, Math.min(bytes.length, pos + count));
}

const encoder = new TextEncoder();
export function encode(text: string): Uint8Array {
  return encoder.encode(text);
}

export { Errno };
