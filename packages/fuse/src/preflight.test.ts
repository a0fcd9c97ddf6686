// Every preflight failure, simulated through the probe; and the real machine's verdict is well-formed.
import { describe, expect, it } from "vitest";
import { checkFuse, checkFuseWith, type Probe } from "./preflight.js";

const CAP_SYS_ADMIN_ONLY = (1n << 21n).toString(16).padStart(16, "0");

function probe(overrides: Partial<Probe> = {}): Probe {
  const files: Record<string, string> = {
    "/proc/filesystems": "nodev\tsysfs\nnodev\tfuse\n\tfuseblk\n",
    "/proc/self/status": `Name:\tnode\nCapEff:\t${CAP_SYS_ADMIN_ONLY}\n`,
  };
  return { platform: "linux", readText: (path) => files[path], openDevice: () => undefined, hasCommand: () => true, ...overrides };
}

const reasonOf = (overrides: Partial<Probe>) => {
  const check = checkFuseWith(probe(overrides));
  return check.ok ? "ok" : check.reason;
};

describe("checkFuse", () => {
  it("passes when everything is there", () => {
    expect(checkFuseWith(probe())).toEqual({ ok: true });
  });

  it("names the platform when it is not Linux", () => {
    expect(reasonOf({ platform: "darwin" })).toBe("only supported on Linux (platform is darwin)");
  });

  it("needs the fuse filesystem in /proc/filesystems (fuseblk alone is not enough)", () => {
    const readText = (path: string) => (path === "/proc/filesystems" ? "nodev\tsysfs\n\tfuseblk\n" : undefined);
    expect(reasonOf({ readText })).toBe("kernel has no 'fuse' filesystem (try 'modprobe fuse')");
  });

  it("explains /dev/fuse open errors", () => {
    expect(reasonOf({ openDevice: () => "ENOENT" })).toBe("/dev/fuse does not exist (container without --device /dev/fuse?)");
    expect(reasonOf({ openDevice: () => "EACCES" })).toBe(
      "cannot open /dev/fuse (EACCES): run as root or grant access (device cgroup, or mode 0666)",
    );
    expect(reasonOf({ openDevice: () => "EPERM" })).toMatch(/^cannot open \/dev\/fuse \(EPERM\): run as root/);
    expect(reasonOf({ openDevice: () => "EBUSY" })).toBe("cannot open /dev/fuse (EBUSY)");
  });

  it("needs CAP_SYS_ADMIN in the effective set", () => {
    const withCaps = (capEff: string) => (path: string) =>
      path === "/proc/self/status" ? `CapEff:\t${capEff}\n` : "nodev\tfuse\n";
    const hint = "mounting needs CAP_SYS_ADMIN: run as root, or inside 'unshare -Urm'";
    expect(reasonOf({ readText: withCaps("0000000000000000") })).toBe(hint);
    expect(reasonOf({ readText: withCaps("000001ffffdfffff") })).toBe(hint); // all but bit 21
    expect(reasonOf({ readText: withCaps("000001ffffffffff") })).toBe("ok");
  });

  it("needs mount(8) and umount(8)", () => {
    expect(reasonOf({ hasCommand: (name) => name !== "umount" })).toBe("umount not found in PATH (install util-linux)");
    expect(reasonOf({ hasCommand: () => false })).toBe("mount and umount not found in PATH (install util-linux)");
  });

  it("on this machine, answers ok or a reason", () => {
    const check = checkFuse();
    expect(check.ok || check.reason.length > 0).toBe(true);
  });
});
