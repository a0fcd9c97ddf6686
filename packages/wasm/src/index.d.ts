export * from "./layout.js";

/** The exports of damon.wasm. Pointers are byte offsets into the imported memory. */
export interface DamonWasm {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  rngNext(ctx: number): number;
  rngBelow(ctx: number, n: bigint, out: number): void;
  /** Returns the number of major faults (swapped pages touched). */
  touchPages(root: number, addrs: number, count: number): number;
  /** Returns the number of major faults. */
  touchRange(root: number, start: bigint, end: bigint): number;
  clearRange(root: number, start: bigint, end: bigint): void;
  countAccessed(root: number, start: bigint, end: bigint): number;
  /** Returns the number of pages newly swapped out. */
  pageOut(root: number, start: bigint, end: bigint): number;
  /** Returns the number of pages swapped back in. */
  pageIn(root: number, start: bigint, end: bigint): number;
  countSwapped(root: number, start: bigint, end: bigint): number;
  prepareAccessChecks(ctx: number): void;
  checkAccesses(ctx: number): number;
  /** checkAccesses then prepareAccessChecks, in one walk (no aggregation due). */
  checkAndPrepare(ctx: number): void;
  mergeRegions(ctx: number, threshold: number): number;
  resetAndSplit(ctx: number): number;
  splitRegions(ctx: number, nrSubs: number): number;
  /**
   * A pending block (PENDING_* layout) decided for `n` regions of one target right away: sets
   * the Accessed bit of each sampled page its effect records say was touched (or, with `out`,
   * writes those pages' addresses there as u64s) and consumes the block. The sampling passes
   * do the same for a target whose TARGET_PENDING points to a block. Returns the addresses written.
   */
  touchSampled(root: number, regions: number, n: number, pending: number, out: number): number;
}

/** The module's bytes. */
export function wasmBytes(): Uint8Array;
/** Compiles once per realm; post the Module to workers instead of compiling again. */
export function compileDamon(): Promise<WebAssembly.Module>;
/** Instantiates over a shared memory created with maximum <= MEMORY_MAXIMUM_PAGES. */
export function instantiateDamon(memory: WebAssembly.Memory, module?: WebAssembly.Module): Promise<DamonWasm>;
/** Synchronous variant for workers and Node (browsers refuse large sync compiles on the main thread). */
export function instantiateDamonSync(memory: WebAssembly.Memory, module?: WebAssembly.Module): DamonWasm;
/** The module's declared maximum, in 64 KiB pages. */
export const MEMORY_MAXIMUM_PAGES: number;
