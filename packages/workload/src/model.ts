import { WorkloadError } from "./errors.js";
import { parseSize } from "./units.js";

/** masim's measured speed: about 1e8 one-byte accesses per second. */
export const DEFAULT_ACCESS_RATE = 1e8;
/** masim's nr_accesses_per_region: a burst of 128 Ki accesses on one pattern. */
export const DEFAULT_BURST = 131_072;
/** Largest region: far below the 47-bit address space, so addresses stay exact. */
const MAX_REGION_BYTES = 2 ** 44;

export type AccessKind = "sequential" | "random" | "zipf";
/** Read only, write only, read then write (masim's ro/wo/rw). All of them set the Accessed bit. */
export type AccessMode = "ro" | "wo" | "rw";
/** How a region is allocated: glibc malloc (mmap above the threshold, heap below) or a direct mmap. */
export type AllocKind = "malloc" | "mmap";

/** A memory area of the simulated process. */
export interface RegionSpec {
  name: string;
  /** Bytes. */
  size: number;
  alloc: AllocKind;
  /** masim's init_data_file: when set, every page of the region is written once at the start. */
  initData?: string;
}

/** One access pattern of a phase, chosen per burst with probability weight / sum of weights. */
export interface PatternSpec {
  region: string;
  access: AccessKind;
  weight: number;
  /** Sequential only: bytes between accesses; the first access is at `stride` (masim). */
  stride: number;
  mode: AccessMode;
  /** Sub-range of the region the pattern works on, in bytes from the region's start. */
  offset: number;
  length: number;
  /** Zipf only: P(page of rank r) ∝ r^-exponent, rank 1 at the start of the range. */
  exponent: number;
}

export interface PhaseSpec {
  name: string;
  durationMs: number;
  /** Empty, or all weights zero: the process spins without touching memory. */
  patterns: PatternSpec[];
}

/** A workload as data: regions, then phases that run one after another. */
export interface WorkloadModel {
  name: string;
  /** Accesses per second. */
  accessRate: number;
  /** Accesses per burst. */
  burst: number;
  regions: RegionSpec[];
  phases: PhaseSpec[];
  /** Start over after the last phase instead of exiting. */
  loop: boolean;
}

/** The JSON form: like WorkloadModel, with defaults and sizes as numbers or strings ("10 MiB"). */
export interface WorkloadModelInput {
  name?: string;
  accessRate?: number;
  burst?: number;
  regions: Array<{ name: string; size: number | string; alloc?: AllocKind; initData?: string }>;
  phases: Array<{
    name?: string;
    durationMs: number;
    patterns?: Array<{
      region: string;
      access: AccessKind;
      weight?: number;
      stride?: number | string;
      mode?: AccessMode;
      offset?: number | string;
      length?: number | string;
      exponent?: number;
    }>;
  }>;
  loop?: boolean;
}

/**
 * Checks a model given as JSON (parsed or text) and fills in its defaults. Every problem is a
 * WorkloadError naming the JSON path, e.g. `phases[1].patterns[0].region: unknown region "c"`.
 */
export function validateModel(input: unknown): WorkloadModel {
  if (typeof input === "string") {
    try {
      input = JSON.parse(input);
    } catch (error) {
      throw new WorkloadError(`not JSON: ${(error as Error).message}`, { path: "$" });
    }
  }
  const top = object(input, "$", ["name", "accessRate", "burst", "regions", "phases", "loop"]);
  const regions = array(top.regions, "regions", 1).map((r, i) => region(r, `regions[${i}]`));
  const byName = new Map<string, RegionSpec>();
  regions.forEach((r, i) => {
    if (byName.has(r.name)) throw new WorkloadError(`duplicate region name "${r.name}"`, { path: `regions[${i}].name` });
    byName.set(r.name, r);
  });
  const phases = array(top.phases, "phases", 1).map((p, i) => phase(p, `phases[${i}]`, byName));
  const loop = optional(top.loop, "loop", false, (v, path) => {
    if (typeof v !== "boolean") throw new WorkloadError("must be true or false", { path });
    return v;
  });
  if (loop && phases.every((p) => p.durationMs === 0)) {
    throw new WorkloadError("a looping workload needs a phase longer than 0 ms", { path: "phases" });
  }
  return {
    name: optional(top.name, "name", "workload", string),
    accessRate: optional(top.accessRate, "accessRate", DEFAULT_ACCESS_RATE, (v, path) => number(v, path, { min: 1e-9, max: 1e12 })),
    burst: optional(top.burst, "burst", DEFAULT_BURST, (v, path) => number(v, path, { min: 1, max: 2 ** 40, integer: true })),
    regions,
    phases,
    loop,
  };
}

function region(input: unknown, path: string): RegionSpec {
  const r = object(input, path, ["name", "size", "alloc", "initData"]);
  const name = string(r.name, `${path}.name`);
  if (name === "") throw new WorkloadError("must not be empty", { path: `${path}.name` });
  const out: RegionSpec = {
    name,
    size: size(r.size, `${path}.size`, 1),
    alloc: optional(r.alloc, `${path}.alloc`, "malloc", (v, p) => oneOf(v, p, ["malloc", "mmap"] as const)),
  };
  if (r.initData !== undefined) out.initData = string(r.initData, `${path}.initData`);
  return out;
}

function phase(input: unknown, path: string, regions: Map<string, RegionSpec>): PhaseSpec {
  const p = object(input, path, ["name", "durationMs", "patterns"]);
  const patterns = optional(p.patterns, `${path}.patterns`, [], (v, q) => array(v, q, 0));
  return {
    name: optional(p.name, `${path}.name`, "", string),
    durationMs: number(p.durationMs, `${path}.durationMs`, { min: 0, max: 1e12 }),
    patterns: patterns.map((a, i) => pattern(a, `${path}.patterns[${i}]`, regions)),
  };
}

function pattern(input: unknown, path: string, regions: Map<string, RegionSpec>): PatternSpec {
  const a = object(input, path, ["region", "access", "weight", "stride", "mode", "offset", "length", "exponent"]);
  const name = string(a.region, `${path}.region`);
  const region = regions.get(name);
  if (!region) {
    const known = [...regions.keys()].map((n) => `"${n}"`).join(", ");
    throw new WorkloadError(`unknown region "${name}" (regions: ${known})`, { path: `${path}.region` });
  }
  const access = oneOf(a.access, `${path}.access`, ["sequential", "random", "zipf"] as const);
  const offset = optional(a.offset, `${path}.offset`, 0, (v, p) => size(v, p, 0));
  if (offset >= region.size) {
    throw new WorkloadError(`offset ${offset} is not inside region "${name}" (${region.size} bytes)`, { path: `${path}.offset` });
  }
  const length = optional(a.length, `${path}.length`, region.size - offset, (v, p) => size(v, p, 1));
  if (offset + length > region.size) {
    throw new WorkloadError(`offset + length = ${offset + length} is past the end of region "${name}" (${region.size} bytes)`, {
      path: `${path}.length`,
    });
  }
  return {
    region: name,
    access,
    weight: optional(a.weight, `${path}.weight`, 1, (v, p) => number(v, p, { min: 0, max: 1e15 })),
    stride: optional(a.stride, `${path}.stride`, 4096, (v, p) => size(v, p, 0)),
    mode: optional(a.mode, `${path}.mode`, "wo", (v, p) => oneOf(v, p, ["ro", "wo", "rw"] as const)),
    offset,
    length,
    exponent: optional(a.exponent, `${path}.exponent`, 1, (v, p) => number(v, p, { min: 0.01, max: 100 })),
  };
}

function object(value: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new WorkloadError(`must be an object, got ${describe(value)}`, { path });
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new WorkloadError(`unknown key "${key}" (allowed: ${keys.join(", ")})`, { path });
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, path: string, minLength: number): unknown[] {
  if (!Array.isArray(value)) throw new WorkloadError(`must be an array, got ${describe(value)}`, { path });
  if (value.length < minLength) throw new WorkloadError(`needs at least ${minLength} entr${minLength === 1 ? "y" : "ies"}`, { path });
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== "string") throw new WorkloadError(`must be a string, got ${describe(value)}`, { path });
  return value;
}

function number(value: unknown, path: string, range: { min: number; max: number; integer?: boolean }): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new WorkloadError(`must be a number, got ${describe(value)}`, { path });
  }
  if (range.integer && !Number.isInteger(value)) throw new WorkloadError(`must be an integer, got ${value}`, { path });
  if (value < range.min || value > range.max) {
    throw new WorkloadError(`must be between ${range.min} and ${range.max}, got ${value}`, { path });
  }
  return value;
}

function size(value: unknown, path: string, min: number): number {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    throw new WorkloadError(`must be a byte count such as 4096 or "10 MiB", got ${describe(value)}`, { path });
  }
  if (!Number.isInteger(bytes)) throw new WorkloadError(`must be a whole number of bytes, got ${bytes}`, { path });
  if (bytes < min || bytes > MAX_REGION_BYTES) {
    throw new WorkloadError(`must be between ${min} and ${MAX_REGION_BYTES} bytes, got ${bytes}`, { path });
  }
  return bytes;
}

function oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new WorkloadError(`must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${describe(value)}`, { path });
  }
  return value as T;
}

function optional<T>(value: unknown, path: string, fallback: T, check: (value: unknown, path: string) => T): T {
  return value === undefined ? fallback : check(value, path);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "object") return "an object";
  return String(value);
}
