/** What `getattr` reports. Owner is always root (uid/gid 0); `mode` holds permission bits only. */
export interface FuseStat {
  kind: "dir" | "file";
  /** Permission bits, e.g. 0o600. */
  mode: number;
  size: number;
  /** Defaults to the time the mount was made. */
  mtimeMs?: number;
}

export interface FuseOpenResult {
  fh: number;
  /** Bypass the page cache: one READ/WRITE per syscall, and size-0 files still read. Default true. */
  directIo?: boolean;
  /** pread/pwrite/lseek fail with ESPIPE; read/write still see the advancing file position. */
  nonSeekable?: boolean;
}

/**
 * A path-based filesystem. Paths are absolute within the mount ("/", "/dir/file").
 * Every number result below zero is a negative Linux errno, passed to the caller unchanged.
 */
export interface FuseHandler {
  getattr(path: string): FuseStat | number;
  /** Names only, without "." and "..". */
  readdir(path: string): string[] | number;
  /** `flags` are the O_* flags of open(2) as the kernel passes them. */
  open(path: string, flags: number): FuseOpenResult | number;
  read(fh: number, offset: number, size: number): Uint8Array | number;
  /** Bytes written, or -errno. */
  write(fh: number, offset: number, data: Uint8Array): number;
  release(fh: number): void;
  /** For open(O_TRUNC) and truncate(2); 0 or -errno. Without it, truncation is a no-op (as on debugfs). */
  truncate?(path: string, size: number): number;
}

export interface FuseMountOptions {
  /** The mount's source, first column of /proc/mounts. Default "damon-sim". */
  fsName?: string;
  /** The mount type becomes `fuse.<subtype>` (plain `fuse` without it). */
  subtype?: string;
  /** Let users other than the mounting one in (mount option allow_other). */
  allowOther?: boolean;
  /** One line per request and per lifecycle event. */
  debug?: (line: string) => void;
}

export interface FuseMount {
  readonly mountpoint: string;
  /** Runs umount(8) asynchronously and resolves once the kernel side is gone. */
  unmount(): Promise<void>;
  /** Resolves when the kernel side is gone (ENODEV), however it was unmounted. */
  readonly closed: Promise<void>;
}
