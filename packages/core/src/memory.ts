import { type DamonWasm, instantiateDamon, instantiateDamonSync, MEM_FREES, MEM_STATICS_BYTES, MEMORY_MAXIMUM_PAGES } from "@damon-sim/wasm";
import { DamonError } from "./errors.js";

const WASM_PAGE = 65536;
const TWO_32 = 4294967296;
const MIN_BLOCK = 16;

export interface SimMemoryOptions {
  /** Upper bound on the memory, in 64 KiB pages (default and maximum: the module's, 4 GiB). */
  maximumPages?: number;
  /** Pages allocated up front (default 16 = 1 MiB). */
  initialPages?: number;
  /** A compiled module to reuse (compile once, post it to workers). */
  module?: WebAssembly.Module;
  /** An existing shared memory to attach to instead of creating one (workers). */
  memory?: WebAssembly.Memory;
}

/**
 * The one WebAssembly.Memory of a simulation, the wasm passes over it, and a JS allocator for
 * its layout. JS owns every byte above heapBase; wasm never allocates.
 */
export class SimMemory {
  readonly memory: WebAssembly.Memory;
  readonly wasm: DamonWasm;
  /** The memory statics block (MEM_*), at the same address in every thread. */
  readonly statics: number;
  #buffer!: ArrayBufferLike;
  #u8!: Uint8Array;
  #u32!: Uint32Array;
  #f64!: Float64Array;
  #top: number;
  readonly #free = new Map<number, number[]>();
  readonly #maximumPages: number;
  readonly #attached: boolean;
  /** Whether someone else may grow the memory: then every view access checks the buffer. */
  readonly #sharedGrowth: boolean;

  private constructor(memory: WebAssembly.Memory, wasm: DamonWasm, maximumPages: number, attached: boolean, sharedGrowth: boolean) {
    this.memory = memory;
    this.wasm = wasm;
    this.#maximumPages = maximumPages;
    this.#attached = attached;
    this.#sharedGrowth = sharedGrowth;
    this.statics = align(wasm.heapBase() >>> 0, 4096);
    this.#top = this.statics + MEM_STATICS_BYTES;
    this.#refresh();
  }

  static async create(options: SimMemoryOptions = {}): Promise<SimMemory> {
    const { memory, maximumPages } = sharedMemory(options);
    return new SimMemory(memory, await instantiateDamon(memory, options.module), maximumPages, false, options.memory !== undefined);
  }

  /** Synchronous creation for Node and workers. */
  static createSync(options: SimMemoryOptions = {}): SimMemory {
    const { memory, maximumPages } = sharedMemory(options);
    return new SimMemory(memory, instantiateDamonSync(memory, options.module), maximumPages, false, options.memory !== undefined);
  }

  /**
   * Another thread's view of a simulation's memory (a worker): it runs passes and reads
   * tables, but the layout belongs to the owner, so it cannot allocate.
   */
  static attach(memory: WebAssembly.Memory, module: WebAssembly.Module): SimMemory {
    return new SimMemory(memory, instantiateDamonSync(memory, module), MEMORY_MAXIMUM_PAGES, true, true);
  }

  get u8(): Uint8Array {
    if (this.#sharedGrowth && this.memory.buffer !== this.#buffer) this.#refresh();
    return this.#u8;
  }

  get u32(): Uint32Array {
    if (this.#sharedGrowth && this.memory.buffer !== this.#buffer) this.#refresh();
    return this.#u32;
  }

  get f64(): Float64Array {
    if (this.#sharedGrowth && this.memory.buffer !== this.#buffer) this.#refresh();
    return this.#f64;
  }

  /** Bytes handed out so far (high-water mark), for memory-use reports. */
  get used(): number {
    return this.#top;
  }

  /** Zeroed block of at least `bytes`, aligned to min(size class, 4096). */
  alloc(bytes: number): number {
    if (this.#attached) throw new DamonError("EPERM", "an attached memory cannot allocate; allocate in the owning thread");
    const size = sizeClass(bytes);
    const reuse = this.#free.get(size)?.pop();
    if (reuse !== undefined) {
      this.u8.fill(0, reuse, reuse + size);
      return reuse;
    }
    const ptr = align(this.#top, Math.min(size, 4096));
    const end = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / WASM_PAGE);
      if (have / WASM_PAGE + pages > this.#maximumPages) {
        throw new DamonError("ENOMEM", `simulation memory exhausted (${this.#maximumPages} pages of 64 KiB)`);
      }
      this.memory.grow(Math.max(pages, Math.min(256, this.#maximumPages - have / WASM_PAGE)));
      // A memory this object created grows only here, so only here can its views go stale;
      // a memory from elsewhere (attached, or passed in) is checked on every access instead
      // (reading memory.buffer is not free).
      this.#refresh();
    }
    this.#top = end;
    return ptr; // fresh memory is zero
  }

  free(ptr: number, bytes: number): void {
    // Pointers the passes stored into page tables (sampling words) are stale from now on.
    this.u32[(this.statics + MEM_FREES) >>> 2]++;
    const size = sizeClass(bytes);
    let list = this.#free.get(size);
    if (!list) this.#free.set(size, (list = []));
    list.push(ptr);
  }

  /** u64 at `ptr` as a number; exact below 2^53, which every simulated address is. */
  getU64(ptr: number): number {
    const u32 = this.u32;
    return u32[ptr >>> 2] + u32[(ptr >>> 2) + 1] * TWO_32;
  }

  setU64(ptr: number, value: number): void {
    const u32 = this.u32;
    u32[ptr >>> 2] = value >>> 0;
    u32[(ptr >>> 2) + 1] = Math.floor(value / TWO_32) >>> 0;
  }

  getU64Big(ptr: number): bigint {
    const u32 = this.u32;
    return (BigInt(u32[(ptr >>> 2) + 1]) << 32n) | BigInt(u32[ptr >>> 2]);
  }

  setU64Big(ptr: number, value: bigint): void {
    const u32 = this.u32;
    u32[ptr >>> 2] = Number(value & 0xffffffffn);
    u32[(ptr >>> 2) + 1] = Number((value >> 32n) & 0xffffffffn);
  }

  #refresh(): void {
    this.#buffer = this.memory.buffer;
    this.#u8 = new Uint8Array(this.#buffer);
    this.#u32 = new Uint32Array(this.#buffer);
    this.#f64 = new Float64Array(this.#buffer, 0, this.#buffer.byteLength >>> 3);
  }
}

function sharedMemory(options: SimMemoryOptions): { memory: WebAssembly.Memory; maximumPages: number } {
  const maximumPages = Math.min(options.maximumPages ?? MEMORY_MAXIMUM_PAGES, MEMORY_MAXIMUM_PAGES);
  if (options.memory) return { memory: options.memory, maximumPages };
  const initial = Math.min(options.initialPages ?? 16, maximumPages);
  // Shared even without cross-origin isolation: the module imports a shared memory, and
  // browsers allow creating one; only posting it to workers needs isolation.
  const memory = new WebAssembly.Memory({ initial, maximum: maximumPages, shared: true });
  return { memory, maximumPages };
}

function sizeClass(bytes: number): number {
  let size = MIN_BLOCK;
  while (size < bytes) size *= 2;
  return size;
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
