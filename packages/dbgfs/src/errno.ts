/** Linux errno numbers used by the DAMON debugfs files, the VFS and the shell. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EIO: 5,
  EBADF: 9,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ESPIPE: 29,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
} as const;

export type ErrnoName = keyof typeof Errno;

const MESSAGES: Record<ErrnoName, string> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ESRCH: "No such process",
  EIO: "Input/output error",
  EBADF: "Bad file descriptor",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ESPIPE: "Illegal seek",
  ERANGE: "Numerical result out of range",
  ENAMETOOLONG: "File name too long",
  ENOSYS: "Function not implemented",
  ENOTEMPTY: "Directory not empty",
};

/** The name of a (positive or negated) errno number. */
export function errnoName(errno: number): ErrnoName {
  const n = Math.abs(errno);
  const name = (Object.keys(Errno) as ErrnoName[]).find((k) => Errno[k] === n);
  if (!name) throw new RangeError(`unknown errno ${errno}`);
  return name;
}

/** strerror(3) text, as bash prints it. */
export function strerror(errno: number): string {
  return MESSAGES[errnoName(errno)];
}

/** -errno, the kernel's return convention for failed file operations. */
export function fail(name: ErrnoName): number {
  return -Errno[name];
}
