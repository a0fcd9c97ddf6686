import type { LogTransport } from "./snapshot-log.js";

type Post = (words: Float64Array, transfer: Transferable[]) => void;

/**
 * Cross-origin isolated: segments are SharedArrayBuffers posted once when created; the
 * published count lives in `control`, which the page polls. No region is ever copied to it.
 */
export function sharedTransport(post: Post): { transport: LogTransport; control: Int32Array } {
  const control = new Int32Array(new SharedArrayBuffer(4));
  const transport: LogTransport = {
    allocate(words) {
      const segment = new Float64Array(new SharedArrayBuffer(words * 8));
      post(segment, []);
      return segment;
    },
    publish(_segment, _from, _to, count) {
      // Sequentially consistent: the entries' plain stores happen before a reader sees the count.
      Atomics.store(control, 0, count);
    },
  };
  return { transport, control };
}

/** Not isolated (no SharedArrayBuffer to share): each publication is posted, its buffer transferred. */
export function messageTransport(post: Post): LogTransport {
  return {
    allocate: (words) => new Float64Array(words),
    publish(segment, from, to) {
      const words = segment.slice(from, to);
      post(words, [words.buffer]);
    },
  };
}
