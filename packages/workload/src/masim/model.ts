import { DEFAULT_ACCESS_RATE, DEFAULT_BURST, type AccessMode, type WorkloadModel } from "../model.js";
import { parseMasimConfig, type MasimConfig } from "./parse.js";

export interface MasimOptions {
  /** File name for error messages and the model's name. */
  file?: string;
  /** Accesses per second (default 1e8, masim's measured speed). */
  accessRate?: number;
  /** masim's --default_rw_mode (default "wo"). */
  defaultMode?: AccessMode;
}

// masim draws random offsets as rand() % size, and rand() stops at RAND_MAX = 2^31 - 1.
const RAND_SPAN = 2 ** 31;

/**
 * masim's access model as a WorkloadModel: every region malloc()ed in file order, phases in
 * order, a weighted choice per burst of 128 Ki accesses, sequential access starting at the
 * stride (offsets wrap to 0 once past the size) or uniformly random bytes (within the first
 * 2 GiB of a larger region, as rand() reaches no further).
 */
export function masimToModel(config: MasimConfig, options: MasimOptions = {}): WorkloadModel {
  return {
    name: options.file ?? "masim",
    accessRate: options.accessRate ?? DEFAULT_ACCESS_RATE,
    burst: DEFAULT_BURST,
    regions: config.regions.map((r) => ({
      name: r.name,
      size: r.size,
      alloc: "malloc",
      ...(r.initData !== undefined ? { initData: r.initData } : {}),
    })),
    phases: config.phases.map((p) => ({
      name: p.name,
      durationMs: p.timeMs,
      patterns: p.patterns.map((a) => {
        const size = config.regions.find((r) => r.name === a.region)!.size;
        return {
          region: a.region,
          access: a.random ? "random" : "sequential",
          weight: a.weight,
          stride: a.stride,
          mode: a.mode ?? options.defaultMode ?? "wo",
          offset: 0,
          length: a.random ? Math.min(size, RAND_SPAN) : size,
          exponent: 1,
        };
      }),
    })),
    loop: false,
  };
}

/** Parses a masim config and returns its model; errors name the file, line and problem. */
export function loadMasimConfig(source: string | Uint8Array, options: MasimOptions = {}): WorkloadModel {
  return masimToModel(parseMasimConfig(source, options.file), options);
}
