// Random bytes at random offsets into every file: never a throw, only bytes or -errno.
import { describe, expect, it } from "vitest";
import { Rng } from "@damon-sim/core";
import { Errno } from "./errno.js";
import { boot, D } from "./test-support.js";
import { KERNEL_VERSIONS } from "./versions.js";
import { O_RDONLY, O_RDWR } from "./vfs.js";

const ERRNOS = new Set<number>(Object.values(Errno));

describe("fuzz", () => {
  it("100,000 random writes across every file and version return a count or an errno", async () => {
    const rng = Rng.from(20261125, "fuzz");
    const alphabet = new TextEncoder().encode("0123456789 \n\t-paddronf/.x\u0000");
    let writes = 0;
    const seen = new Map<number, number>();
    for (const version of KERNEL_VERSIONS) {
      const t = await boot(version);
      const pid = t.spawn();
      let files: string[] = [];
      for (let round = 0; round < 12_500; round++) {
        if (round % 500 === 0) {
          // keep the machine interesting: a valid target, monitoring on or off, time passing
          t.write("target_ids", `${pid}`);
          t.write(t.damon.behaviour.monitorOn, round % 1000 ? "off" : "on");
          t.sim.runFor(50_000);
          files = (t.vfs.readdir(D) as string[]).map((f) => `${D}/${f}`).filter((f) => (t.vfs.stat(f) as { kind: string }).kind === "file");
          files.push(`${D}/../tracing/events/damon/damon_aggregated/enable`);
        }
        const file = files[rng.below(files.length)];
        const fd = t.vfs.open(file, O_RDWR);
        expect(fd).toBeGreaterThan(0);
        const length = rng.below(4) === 0 ? rng.below(300) : rng.below(24);
        const data = new Uint8Array(length);
        for (let i = 0; i < length; i++) data[i] = rng.below(3) ? alphabet[rng.below(alphabet.length)] : rng.below(256);
        if (rng.below(5) === 0) t.vfs.lseek(fd, rng.below(8), 0);
        const result = rng.below(6) === 0 ? t.vfs.pwrite(fd, data, rng.below(4)) : t.vfs.write(fd, data);
        writes++;
        expect(Number.isInteger(result)).toBe(true);
        if (result < 0) {
          expect(ERRNOS.has(-result)).toBe(true);
          seen.set(-result, (seen.get(-result) ?? 0) + 1);
        } else expect(result).toBe(length);
        const rfd = t.vfs.open(file, O_RDONLY);
        const read = t.vfs.read(rfd, 1 + rng.below(200));
        if (typeof read === "number") expect(ERRNOS.has(-read)).toBe(true);
        t.vfs.close(rfd);
        t.vfs.close(fd);
      }
    }
    expect(writes).toBeGreaterThanOrEqual(100_000);
    // the fuzz reached the interesting failures, not just one
    for (const e of [Errno.EINVAL, Errno.EBUSY, Errno.ESPIPE]) expect(seen.get(e) ?? 0).toBeGreaterThan(0);
  }, 120_000);
});
