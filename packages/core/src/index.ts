export { AddressSpace, ADDRESS_LIMIT, LEAF_SPAN, PAGE_SIZE } from "./address-space.js";
export {
  DEFAULT_ATTRS, LATEST_BEHAVIOUR, maxNrAccesses, movingSum, updateMonitoringResult, validateAttrs,
  type DamonAttrs, type KernelBehaviour,
} from "./attrs.js";
export {
  DamonContext, type ContextCallback, type ContextOptions, type DamonTarget, type InitRegion, type OnlineUpdate, type OpsKind,
} from "./context.js";
export {
  applySchemes, coldScore, Damos, DAMOS_ACTIONS, feedLoopNextInput, watermarkWaitUs,
  type DamosAccessPattern, type DamosAction, type DamosQuota, type DamosQuotaGoal, type DamosSpec, type DamosStats, type DamosWatermarks,
} from "./damos.js";
export { IntervalMap } from "./interval-map.js";
export { damosFilterOut, newDamosFilter, type DamosFilter, type DamosFilterType } from "./damos-filter.js";
export { DamonError, type DamonErrorCode } from "./errors.js";
export {
  Machine, Mm, Task, type MachineOptions, type MmapOptions, type ProgramImage, type SpawnOptions, type TaskKind, type Vma,
} from "./machine.js";
export { SimMemory, type SimMemoryOptions } from "./memory.js";
export { evenlySplit, initialRegions, regionSizeLimit, setRegions, threeRegions } from "./ops.js";
export { DAMON_OPS_FVADDR, DAMON_OPS_PADDR, DAMON_OPS_VADDR, NR_DAMON_OPS, OpsRegistry } from "./ops-registry.js";
export { passesFor, ReferencePasses, type DamonPasses, type PassEngine } from "./passes.js";
export { newRegion, RegionTable, type AddressRange, type Region } from "./region-table.js";
export { mul32, Rng, seedState, type Seed } from "./rng.js";
export { Simulation, type Actor, type RunOptions, type SimulationOptions } from "./simulation.js";
export {
  AggregationSnapshot, formatAggregated, type SnapshotData, type SnapshotTarget,
} from "./snapshot.js";
