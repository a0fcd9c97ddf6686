// kdamonds/<K>/contexts/<C>: operations, monitoring_attrs, targets and schemes (mm/damon/sysfs.c).
import type { DirNode } from "@damon-sim/dbgfs";
import { attr, kdir, NumberedDirs, type Numbered } from "./attr.js";
import { SysfsScheme } from "./schemes.js";
import { field, intFile, keywordFile, nrFile, ulFile, type UlRange } from "./values.js";
import type { SysfsBehaviour } from "./versions.js";

/** targets/<T>/regions/<R>. */
export class SysfsRegion implements Numbered {
  readonly dir: DirNode;
  start = 0n;
  end = 0n;

  constructor(index: number, b: SysfsBehaviour) {
    this.dir = kdir(String(index));
    this.dir.add(ulFile("start", field(this, "start"), b.storeReturnsKstrtoErr));
    this.dir.add(ulFile("end", field(this, "end"), b.storeReturnsKstrtoErr));
  }
}

/** targets/<T>. */
export class SysfsTarget implements Numbered {
  readonly dir: DirNode;
  pid = 0;
  readonly regions: NumberedDirs<SysfsRegion>;

  constructor(index: number, b: SysfsBehaviour) {
    this.dir = kdir(String(index));
    this.dir.add(intFile("pid_target", field(this, "pid"), false));
    const regionsDir = this.dir.add(kdir("regions"));
    this.regions = new NumberedDirs(regionsDir, (i) => new SysfsRegion(i, b));
    regionsDir.add(nrFile("nr_regions", this.regions));
  }
}

/** contexts/<C>. */
export class SysfsContext implements Numbered {
  readonly dir: DirNode;
  operations = "vaddr";
  readonly intervals = { sampleUs: 5000n, aggrUs: 100000n, updateUs: 60000000n };
  readonly nrRegions: UlRange = { min: 10n, max: 1000n };
  readonly targets: NumberedDirs<SysfsTarget>;
  readonly schemes: NumberedDirs<SysfsScheme>;

  constructor(index: number, b: SysfsBehaviour) {
    const dir = (this.dir = kdir(String(index)));
    // damon_is_registered_ops: every operations set is built into the simulated kernel.
    if (b.availOperations) dir.add(attr("avail_operations", () => b.operations.map((o) => `${o}\n`).join(""), null));
    dir.add(keywordFile("operations", b.operations, field(this, "operations")));

    const attrs = dir.add(kdir("monitoring_attrs"));
    const intervals = attrs.add(kdir("intervals"));
    intervals.add(ulFile("sample_us", field(this.intervals, "sampleUs"), b.storeReturnsKstrtoErr));
    intervals.add(ulFile("aggr_us", field(this.intervals, "aggrUs"), b.storeReturnsKstrtoErr));
    intervals.add(ulFile("update_us", field(this.intervals, "updateUs"), b.storeReturnsKstrtoErr));
    const nrRegions = attrs.add(kdir("nr_regions"));
    nrRegions.add(ulFile("min", field(this.nrRegions, "min"), b.storeReturnsKstrtoErr));
    nrRegions.add(ulFile("max", field(this.nrRegions, "max"), b.storeReturnsKstrtoErr));

    const targetsDir = dir.add(kdir("targets"));
    this.targets = new NumberedDirs(targetsDir, (i) => new SysfsTarget(i, b));
    targetsDir.add(nrFile("nr_targets", this.targets));

    const schemesDir = dir.add(kdir("schemes"));
    this.schemes = new NumberedDirs(schemesDir, (i) => new SysfsScheme(i, b));
    schemesDir.add(nrFile("nr_schemes", this.schemes));
  }
}
