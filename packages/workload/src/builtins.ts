import { WorkloadError } from "./errors.js";
import { validateModel, type WorkloadModel, type WorkloadModelInput } from "./model.js";

export const BUILTIN_NAMES = ["stairs", "zigzag", "hotcold", "random", "seqscan", "zipf", "phases"] as const;
export type BuiltinName = (typeof BUILTIN_NAMES)[number];

export interface BuiltinOptions {
  /** Accesses per second (default 1e8). */
  accessRate?: number;
  /** Multiplies every size (default 1), e.g. 0.25 for a quick run. */
  scale?: number;
  /** Start over after the last phase instead of exiting (default false). */
  loop?: boolean;
}

const MiB = 2 ** 20;

type Builder = (size: (bytes: number) => number) => Pick<WorkloadModelInput, "regions" | "phases">;

const BUILDERS: Record<BuiltinName, { describe: string; build: Builder }> = {
  stairs: {
    describe: "8 buffers of 16 MiB: a 4 s warm-up over all, then each written sequentially for 3 s in turn, climbing up the address space",
    build: (size) => {
      const steps = [0, 1, 2, 3, 4, 5, 6, 7];
      return {
        // Allocated highest step first: mmap goes top-down, so step0 ends up lowest.
        regions: [...steps].reverse().map((i) => ({ name: `step${i}`, size: size(16 * MiB) })),
        phases: [
          { name: "warm-up", durationMs: 4000, patterns: steps.map((i) => seq(`step${i}`, 1)) },
          ...steps.map((i) => ({ name: `step ${i}`, durationMs: 3000, patterns: [seq(`step${i}`, 1)] })),
        ],
      };
    },
  },
  zigzag: {
    describe: "2 buffers of 64 MiB taking turns every 2 s for 20 s; the idle one still gets 5% of the bursts (warm, not cold)",
    build: (size) => ({
      regions: [
        { name: "left", size: size(64 * MiB) },
        { name: "right", size: size(64 * MiB) },
      ],
      phases: Array.from({ length: 10 }, (_, i) => {
        const [hot, warm] = i % 2 === 0 ? ["left", "right"] : ["right", "left"];
        return { name: `${hot} ${i >> 1}`, durationMs: 2000, patterns: [seq(hot, 95), seq(warm, 5)] };
      }),
    }),
  },
  hotcold: {
    describe: "one 256 MiB allocation for 30 s: random accesses, 99% of bursts to its first 32 MiB (hot), 1% to the other 224 MiB (cold)",
    build: (size) => ({
      regions: [{ name: "heap", size: size(256 * MiB) }],
      phases: [
        {
          name: "hot/cold",
          durationMs: 30000,
          patterns: [
            { region: "heap", access: "random", weight: 99, offset: 0, length: size(32 * MiB) },
            { region: "heap", access: "random", weight: 1, offset: size(32 * MiB), length: size(224 * MiB) },
          ],
        },
      ],
    }),
  },
  random: {
    describe: "uniform random accesses over 1 GiB for 30 s: every page equally (and fairly) warm",
    build: (size) => ({
      regions: [{ name: "table", size: size(1024 * MiB) }],
      phases: [{ name: "random", durationMs: 30000, patterns: [{ region: "table", access: "random" }] }],
    }),
  },
  seqscan: {
    describe: "a 512 MiB buffer read sequentially 64 bytes at a time, over and over for 30 s: each page used briefly, none hot",
    build: (size) => ({
      regions: [{ name: "buffer", size: size(512 * MiB) }],
      phases: [
        { name: "scan", durationMs: 30000, patterns: [{ region: "buffer", access: "sequential", stride: 64, mode: "ro" }] },
      ],
    }),
  },
  zipf: {
    describe: "Zipf-skewed random accesses (exponent 1, hottest page first) over 256 MiB for 30 s: a smooth gradient of heat",
    build: (size) => ({
      regions: [{ name: "cache", size: size(256 * MiB) }],
      phases: [{ name: "zipf", durationMs: 30000, patterns: [{ region: "cache", access: "zipf", exponent: 1 }] }],
    }),
  },
  phases: {
    describe: "a program's life in 23 s: load 256 MiB of data, build a 32 MiB index, scan the data, answer skewed queries, idle",
    build: (size) => ({
      regions: [
        { name: "data", size: size(256 * MiB) },
        { name: "index", size: size(32 * MiB) },
      ],
      phases: [
        { name: "load", durationMs: 3000, patterns: [seq("data", 1)] },
        {
          name: "index",
          durationMs: 5000,
          patterns: [
            { region: "index", access: "random", weight: 9 },
            { region: "data", access: "random", weight: 1, mode: "ro" },
          ],
        },
        { name: "scan", durationMs: 4000, patterns: [{ region: "data", access: "sequential", stride: 64, mode: "ro" }] },
        {
          name: "query",
          durationMs: 8000,
          patterns: [
            { region: "data", access: "zipf", weight: 8, exponent: 1.2, mode: "ro" },
            { region: "index", access: "random", weight: 2, mode: "ro" },
          ],
        },
        { name: "idle", durationMs: 3000, patterns: [] },
      ],
    }),
  },
};

function seq(region: string, weight: number) {
  return { region, access: "sequential" as const, weight, stride: 4096 };
}

/** One line about what each built-in does. */
export function describeBuiltin(name: BuiltinName): string {
  return BUILDERS[name].describe;
}

/** A built-in workload as a model. */
export function builtinWorkload(name: string, options: BuiltinOptions = {}): WorkloadModel {
  const builder = BUILDERS[name as BuiltinName];
  if (!builder) {
    throw new WorkloadError(`unknown built-in workload "${name}" (built-ins: ${BUILTIN_NAMES.join(", ")})`, { path: "builtin" });
  }
  const scale = options.scale ?? 1;
  if (!(scale > 0)) throw new WorkloadError(`scale must be positive, got ${scale}`, { path: "scale" });
  // Page multiples, so scaled buffers keep whole pages.
  const size = (bytes: number) => Math.max(4096, Math.round((bytes * scale) / 4096) * 4096);
  return validateModel({
    name,
    ...(options.accessRate !== undefined ? { accessRate: options.accessRate } : {}),
    loop: options.loop ?? false,
    ...builder.build(size),
  });
}
