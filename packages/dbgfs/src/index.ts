export { DamonDir, type DamonDirOptions, type DbgfsContext, type KernelLogLine } from "./damon-dir.js";
export { Errno, errnoName, strerror, type ErrnoName } from "./errno.js";
export {
  parseInitRegions, pidStructAddress, renderLines, sprintInitRegions, sprintTargetIds, strToIds,
} from "./kernel-functions.js";
export { cString, isError, kstrtobool, kstrtoint, kstrtoll, kstrtoul, kstrtoulFromUser, kstrtouint, sysfsStreq, type Parsed } from "./kstrto.js";
export { SimKernel, type SimKernelOptions } from "./kernel.js";
export { procfs } from "./procfs.js";
export { Shell, type CommandContext, type CommandOutput, type ShellCommand, type ShellIo, type ShellOptions } from "./shell.js";
export { ParseError, parseScript } from "./shell-parse.js";
export { kscanf, scnprintf, strneq, type ScanResult } from "./sscanf.js";
export { Tracing } from "./tracing.js";
export { DEFAULT_KERNEL, DEPRECATION_NOTICE, dbgfsBehaviour, KERNEL_VERSIONS, type DbgfsBehaviour, type KernelVersion } from "./versions.js";
export {
  DirNode, FileNode, O_ACCMODE, O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, readSlice, resolvePath, Vfs,
  type FileOps, type Node, type Stat,
} from "./vfs.js";
