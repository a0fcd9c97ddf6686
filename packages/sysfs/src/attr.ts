// sysfs files and numbered directories as kernfs serves them for kobject attributes.
import { cString, DirNode, Errno, FileNode, O_ACCMODE, O_RDONLY, O_WRONLY, readSlice, type FileOps } from "@damon-sim/dbgfs";

export const PAGE_SIZE = 4096;
/** kmalloc's limit (order-10 pages): the numbered-directory arrays are allocated with it. */
export const KMALLOC_MAX_SIZE = 4 * 1024 * 1024;

/** A show() result: the text sysfs_emit produced, or -errno. */
export type Show = () => string | number;
/** A store(): gets the written bytes as a C string and the byte count; returns count or -errno. */
export type Store = (buf: string, count: number) => number;

/**
 * A kobject attribute file. Reads render the whole content (at most PAGE_SIZE - 1 bytes, as
 * sysfs_emit bounds it) and return the part at the file position; a write hands store() one
 * buffer of at most PAGE_SIZE bytes whatever the position (kernfs ignores it for sysfs
 * attributes), and a zero-length write returns 0 without calling store().
 */
export function attr(name: string, show: Show | null, store: Store | null, mode = store ? 0o600 : 0o400): FileNode {
  const ops: FileOps = { seekable: true, onOpen: (flags) => kernfsOpenCheck(mode, flags) };
  if (show) {
    ops.read = (count, pos) => {
      const text = show();
      if (typeof text === "number") return text;
      return readSlice(text.length >= PAGE_SIZE ? text.slice(0, PAGE_SIZE - 1) : text, count, pos);
    };
  }
  if (store) {
    ops.write = (data) => {
      const len = Math.min(data.length, PAGE_SIZE);
      if (len === 0) return 0;
      return store(cString(data.subarray(0, len)), len);
    };
  }
  return new FileNode(name, mode, ops);
}

/**
 * kernfs_fop_open on a root with KERNFS_ROOT_EXTRA_OPEN_PERM_CHECK (sysfs's): even root may not
 * open for writing a file without write bits, or for reading one without read bits. DAMON's
 * kobjects use kobj_sysfs_ops, which has both show and store, so only the mode decides.
 */
function kernfsOpenCheck(mode: number, flags: number): number | undefined {
  const access = flags & O_ACCMODE;
  if (access !== O_RDONLY && !(mode & 0o222)) return -Errno.EACCES;
  if (access !== O_WRONLY && !(mode & 0o444)) return -Errno.EACCES;
  return undefined;
}

/** A directory holding a kernel object's files and subdirectories. */
export function kdir(name: string): DirNode {
  return new DirNode(name, 0o755);
}

/** Something that lives in a numbered directory ("0", "1", ...). */
export interface Numbered {
  readonly dir: DirNode;
  /** Releases what the kernel frees with the object (a DAMON context, for a kdamond). */
  release?(): void;
}

/**
 * The `N/` directories under a directory with an `nr_*` file: writing the number removes every
 * old one and makes that many new ones with default values (the kernel's *_add_dirs).
 */
export class NumberedDirs<T extends Numbered> {
  items: T[] = [];

  constructor(
    readonly parent: DirNode,
    readonly make: (index: number) => T,
  ) {}

  get nr(): number {
    return this.items.length;
  }

  /** *_rm_dirs then *_add_dirs: 0 or -ENOMEM when the pointer array is too big for kmalloc. */
  resize(nr: number): number {
    this.clear();
    if (!nr) return 0;
    if (nr * 8 > KMALLOC_MAX_SIZE) return -Errno.ENOMEM;
    for (let i = 0; i < nr; i++) {
      const item = this.make(i);
      this.parent.add(item.dir);
      this.items.push(item);
    }
    return 0;
  }

  clear(): void {
    for (const item of this.items) {
      item.release?.();
      this.parent.children.delete(item.dir.name);
    }
    this.items = [];
  }
}

/** sysfs_emit of one unsigned or signed number with a newline. */
export const line = (v: bigint | number | string) => `${v}\n`;
