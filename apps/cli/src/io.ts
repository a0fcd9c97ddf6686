import { createReadStream, rmSync } from "node:fs";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { RunError } from "./errors.js";

/** Temporary files not yet renamed into place: removed if the process ends first. */
const pending = new Set<string>();
process.on("exit", () => {
  for (const tmp of pending) rmSync(tmp, { force: true });
});

/** A file's bytes as a stream, failing with one line when it cannot be read. */
export async function inputStream(path: string): Promise<AsyncIterable<Uint8Array>> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new RunError(path, `cannot read: ${describe(error)}`);
  }
  if (info.isDirectory()) throw new RunError(path, "cannot read: is a directory");
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  return readingErrorsAsFailures(path, stream);
}

async function* readingErrorsAsFailures(path: string, stream: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  try {
    yield* stream;
  } catch (error) {
    throw new RunError(path, `cannot read: ${describe(error)}`);
  }
}

/** Writes a whole file or nothing: a temporary file in the same directory, renamed at the end. */
export async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const sink = await atomicSink(path);
  try {
    await sink.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
    await sink.commit();
  } catch (error) {
    await sink.abort();
    throw error;
  }
}

/**
 * A streaming sink that becomes `path` only when committed; abort() removes what was written.
 * Used for records, which may be far larger than memory.
 */
export async function atomicSink(path: string) {
  const tmp = temporaryPath(path);
  let file;
  try {
    file = await open(tmp, "w", 0o644);
  } catch (error) {
    throw new RunError(path, `cannot write: ${describe(error)}`);
  }
  pending.add(tmp);
  let closed = false;
  return {
    async write(chunk: Uint8Array) {
      try {
        await file.write(chunk);
      } catch (error) {
        throw new RunError(path, `cannot write: ${describe(error)}`);
      }
    },
    async commit() {
      closed = true;
      try {
        await file.close();
        await rename(tmp, path);
      } catch (error) {
        await rm(tmp, { force: true });
        throw new RunError(path, `cannot write: ${describe(error)}`);
      } finally {
        pending.delete(tmp);
      }
    },
    async abort() {
      if (!closed) await file.close().catch(() => {});
      closed = true;
      await rm(tmp, { force: true });
      pending.delete(tmp);
    },
    tmp,
  };
}

function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** An errno as people read it (strerror's words), anything else by its first line. */
export function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: "no such file or directory",
    EACCES: "permission denied",
    EISDIR: "is a directory",
    ENOTDIR: "not a directory",
    ENOSPC: "no space left on device",
    EROFS: "read-only file system",
    EEXIST: "file exists",
    EIO: "input/output error",
    EPERM: "operation not permitted",
    EFBIG: "file too large",
    EDQUOT: "disk quota exceeded",
    EMFILE: "too many open files",
  };
  if (e?.code && words[e.code]) return words[e.code];
  return e?.message?.split("\n")[0] ?? String(error);
}
