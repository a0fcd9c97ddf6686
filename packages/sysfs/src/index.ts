export { attr, KMALLOC_MAX_SIZE, NumberedDirs, PAGE_SIZE, type Numbered, type Show, type Store } from "./attr.js";
export { SysfsContext, SysfsRegion, SysfsTarget } from "./context.js";
export { attachSysfs, DamonSysfs, type DamonSysfsOptions } from "./damon-sysfs.js";
export { SysfsKdamond } from "./kdamond.js";
export { SysfsFilter, SysfsGoal, SysfsScheme, SysfsTriedRegion, GOAL_METRICS, WMARK_METRICS } from "./schemes.js";
export {
  DEFAULT_SYSFS_VERSION, SYSFS_VERSIONS, sysfsBehaviour, type SysfsBehaviour, type SysfsVersion,
} from "./versions.js";
