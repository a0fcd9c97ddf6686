export { Errno } from "./errno.js";
export { checkFuse, type FuseCheck } from "./preflight.js";
export { mount } from "./mount.js";
export type { FuseHandler, FuseMount, FuseMountOptions, FuseOpenResult, FuseStat } from "./types.js";
