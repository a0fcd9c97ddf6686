// Can this process serve a FUSE mount? Each failure names its cause and what to do.
import { accessSync, closeSync, constants, openSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";

export type FuseCheck = { ok: true } | { ok: false; reason: string };

/** What the checks look at, injectable so every branch is testable without the condition. */
export interface Probe {
  platform: string;
  /** A file's text, or undefined if it cannot be read. */
  readText(path: string): string | undefined;
  /** Opens and closes /dev/fuse: undefined on success, else the error code. */
  openDevice(): string | undefined;
  hasCommand(name: string): boolean;
}

const CAP_SYS_ADMIN = 21n;

export function checkFuse(): FuseCheck {
  return checkFuseWith(systemProbe());
}

export function checkFuseWith(probe: Probe): FuseCheck {
  if (probe.platform !== "linux") return fail(`only supported on Linux (platform is ${probe.platform})`);
  if (!/\tfuse$/m.test(probe.readText("/proc/filesystems") ?? "")) {
    return fail("kernel has no 'fuse' filesystem (try 'modprobe fuse')");
  }
  const code = probe.openDevice();
  if (code === "ENOENT") return fail("/dev/fuse does not exist (container without --device /dev/fuse?)");
  if (code === "EACCES" || code === "EPERM") {
    return fail(`cannot open /dev/fuse (${code}): run as root or grant access (device cgroup, or mode 0666)`);
  }
  if (code !== undefined) return fail(`cannot open /dev/fuse (${code})`);
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(probe.readText("/proc/self/status") ?? "")?.[1];
  if (capEff === undefined || !((BigInt(`0x${capEff}`) >> CAP_SYS_ADMIN) & 1n)) {
    return fail("mounting needs CAP_SYS_ADMIN: run as root, or inside 'unshare -Urm'");
  }
  const missing = ["mount", "umount"].filter((name) => !probe.hasCommand(name));
  if (missing.length > 0) return fail(`${missing.join(" and ")} not found in PATH (install util-linux)`);
  return { ok: true };
}

function fail(reason: string): FuseCheck {
  return { ok: false, reason };
}

function systemProbe(): Probe {
  return {
    platform: process.platform,
    readText(path) {
      try {
        return readFileSync(path, "utf8");
      } catch {
        return undefined;
      }
    },
    openDevice() {
      try {
        closeSync(openSync("/dev/fuse", "r+"));
        return undefined;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code ?? "EIO";
      }
    },
    hasCommand,
  };
}

export function hasCommand(name: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).filter(Boolean).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
