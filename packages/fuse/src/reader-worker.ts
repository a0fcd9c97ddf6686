// The reader thread: blocking reads of /dev/fuse, each request copied out (only the bytes read)
// and transferred to the main thread. Not on the libuv pool: a read there pins one of its 4
// threads, and the serving process deadlocks once it touches its own mount 4 times at once.

/** What the reader thread starts with (`stop` is shared memory). */
export interface ReaderData {
  fd: number;
  bufferSize: number;
  /** Set to 1 by the main thread when the process exits (see mount.ts). */
  stop: Int32Array;
  pid: number;
  /** Opcodes the kernel expects no reply to, and EIO: the exit path answers on its own. */
  noReply: number[];
  eio: number;
}

/**
 * The thread's body. It runs from its source text (`new Worker(src, { eval: true })`) so that
 * the package still works bundled into one file: it must stay self-contained (no imports, no
 * outer variables, no `require`, which bundlers rewrite).
 */
export function readerMain(): void {
  const { readSync, writeSync } = process.getBuiltinModule("node:fs");
  const { parentPort, workerData } = process.getBuiltinModule("node:worker_threads");
  const { fd, bufferSize, stop, pid, noReply, eio } = workerData as ReaderData;
  const buffer = Buffer.allocUnsafe(bufferSize);
  for (;;) {
    let length: number;
    try {
      length = readSync(fd, buffer, 0, bufferSize, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EINTR" || code === "EAGAIN" || code === "ENOENT") continue; // ENOENT: interrupted before we read it
      if (code === "ENODEV") return; // unmounted: the kernel side is gone, the thread ends
      throw error;
    }
    if (Atomics.load(stop, 0) === 1) {
      // The process is exiting and its main thread answers nothing more: refuse requests here
      // (fuse_in_header: opcode u32 @4, unique u64 @8, pid u32 @32) until the main thread's own
      // wake-up request arrives, then end so that exit can join this thread.
      const header = new DataView(buffer.buffer, buffer.byteOffset, length);
      if (!noReply.includes(header.getUint32(4, true))) {
        const answer = new DataView(new ArrayBuffer(16)); // fuse_out_header: len, error, unique
        answer.setUint32(0, 16, true);
        answer.setInt32(4, -eio, true);
        answer.setBigUint64(8, header.getBigUint64(8, true), true);
        try {
          writeSync(fd, new Uint8Array(answer.buffer));
        } catch {
          // interrupted meanwhile: nobody waits for this answer; keep waiting for ours
        }
      }
      if (header.getUint32(32, true) === pid) return;
      continue;
    }
    const request = new Uint8Array(length);
    request.set(buffer.subarray(0, length));
    parentPort?.postMessage(request, [request.buffer]);
  }
}
