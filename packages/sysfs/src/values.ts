// Value files: one number or keyword each, parsed as the kernel's *_store functions do.
import { Errno, isError, kstrtobool, kstrtoint, kstrtoul, kstrtouint, sysfsStreq, type FileNode, type Parsed } from "@damon-sim/dbgfs";
import { attr, line, NumberedDirs, type Numbered } from "./attr.js";

/** A field of a sysfs object, read and written through closures. */
export interface Field<T> {
  get(): T;
  set(value: T): void;
}

export function field<O, K extends keyof O>(obj: O, key: K): Field<O[K]> {
  return { get: () => obj[key], set: (v) => (obj[key] = v) };
}

/**
 * Whether a value file answers a failed kstrto* with its errno (ERANGE on overflow) or always
 * with EINVAL. Files differ: 6.1 switched the ranges, intervals, weights, watermarks and
 * regions over; quotas' ms/bytes/reset_interval_ms and pid_target kept EINVAL; files added
 * after 6.1 return the errno.
 */
export type ErrPolicy = boolean;

function parsedStore<T>(returnsErr: ErrPolicy, parse: (s: string) => Parsed<T>, set: (v: T) => void) {
  return (buf: string, count: number) => {
    const r = parse(buf);
    if (isError(r)) return returnsErr ? r.errno : -Errno.EINVAL;
    set(r);
    return count;
  };
}

/** "%lu\n", kstrtoul. */
export function ulFile(name: string, f: Field<bigint>, returnsErr: ErrPolicy): FileNode {
  return attr(name, () => line(f.get()), parsedStore(returnsErr, kstrtoul, f.set));
}

/** "%u\n", kstrtouint. */
export function uintFile(name: string, f: Field<number>, returnsErr: ErrPolicy): FileNode {
  return attr(name, () => line(f.get()), parsedStore(returnsErr, kstrtouint, f.set));
}

/** "%d\n", kstrtoint. */
export function intFile(name: string, f: Field<number>, returnsErr: ErrPolicy): FileNode {
  return attr(name, () => line(f.get()), parsedStore(returnsErr, kstrtoint, f.set));
}

/** "%c\n" of Y/N, kstrtobool (whose errno every version returns as is). */
export function boolFile(name: string, f: Field<boolean>): FileNode {
  return attr(name, () => (f.get() ? "Y\n" : "N\n"), (buf, count) => {
    const r = kstrtobool(buf);
    if (isError(r)) return r.errno;
    f.set(r);
    return count;
  });
}

/** "%s\n" of a keyword; a write must be one of `keywords` (sysfs_streq) or is EINVAL. */
export function keywordFile(name: string, keywords: readonly string[], f: Field<string>): FileNode {
  return attr(name, () => line(f.get()), (buf, count) => {
    const match = keywords.find((k) => sysfsStreq(buf, k));
    if (match === undefined) return -Errno.EINVAL;
    f.set(match);
    return count;
  });
}

/** Read-only "%lu\n". */
export function ulReadOnly(name: string, get: () => bigint | number): FileNode {
  return attr(name, () => line(get()), null);
}

/**
 * An `nr_*` file: "%d\n"; a write is kstrtoint (its errno as is), then the range check
 * (EINVAL), then `busy` (EBUSY), then the directories are rebuilt.
 */
export function nrFile<T extends Numbered>(
  name: string,
  dirs: NumberedDirs<T>,
  options: { max?: number; busy?: () => boolean } = {},
): FileNode {
  return attr(name, () => line(dirs.nr), (buf, count) => {
    const nr = kstrtoint(buf);
    if (isError(nr)) return nr.errno;
    if (nr < 0 || (options.max !== undefined && nr > options.max)) return -Errno.EINVAL;
    // mutex_trylock(&damon_sysfs_lock) never fails here: each write runs to completion.
    if (options.busy?.()) return -Errno.EBUSY;
    const err = dirs.resize(nr);
    return err < 0 ? err : count;
  });
}

/** A {min, max} pair of unsigned longs (struct damon_sysfs_ul_range). */
export interface UlRange {
  min: bigint;
  max: bigint;
}
