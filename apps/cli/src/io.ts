import { createReadStream } from "node:fs";
import { rename, rm, stat, writeFile, open } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { RunError } from "./errors.js";

/** A file's bytes as a stream, failing with one line when it cannot be read. */
export async function inputStream(path: string): Promise<AsyncIterable<Uint8Array>> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new RunError(`${path}: is a directory`);
  } catch (error) {
    if (error instanceof RunError) throw error;
    throw new RunError(`cannot read ${path}: ${describe(error)}`);
  }
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/** Writes a whole file or nothing: a temporary file in the same directory, renamed at the end. */
export async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = temporaryPath(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new RunError(`cannot write ${path}: ${describe(error)}`);
  }
}

/**
 * A streaming sink that becomes `path` only when committed; abort() removes what was written.
 * Used for records, which may be far larger than memory.
 */
export async function atomicSink(path: string) {
  const tmp = temporaryPath(path);
  let handle;
  try {
    handle = await open(tmp, "w", 0o600);
  } catch (error) {
    throw new RunError(`cannot write ${path}: ${describe(error)}`);
  }
  const file = handle;
  let closed = false;
  return {
    async write(chunk: Uint8Array) {
      await file.write(chunk);
    },
    async commit() {
      closed = true;
      await file.close();
      await rename(tmp, path);
    },
    async abort() {
      if (!closed) await file.close().catch(() => {});
      closed = true;
      await rm(tmp, { force: true });
    },
    tmp,
  };
}

function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

export function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e?.code === "ENOENT") return "no such file";
  if (e?.code === "EACCES") return "permission denied";
  if (e?.code === "EISDIR") return "is a directory";
  return e?.message?.split("\n")[0] ?? String(error);
}
