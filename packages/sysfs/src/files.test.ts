// Every sysfs file per kernel version: layout, modes, defaults, formats, parsing and errnos.
import { Errno, O_RDONLY, O_RDWR, O_WRONLY } from "@damon-sim/dbgfs";
import { describe, expect, it } from "vitest";
import { boot, K } from "./test-support.js";
import { SYSFS_VERSIONS, type SysfsVersion } from "./versions.js";

const { EACCES, EINVAL, ERANGE, ENOMEM, EBUSY } = Errno;
const since = (v: SysfsVersion) => SYSFS_VERSIONS.filter((x) => SYSFS_VERSIONS.indexOf(x) >= SYSFS_VERSIONS.indexOf(v));
const atLeast = (version: SysfsVersion, v: SysfsVersion) => SYSFS_VERSIONS.indexOf(version) >= SYSFS_VERSIONS.indexOf(v);

const C = "0/contexts/0";
const S = `${C}/schemes/0`;

/** A tree with one of every numbered directory, as damo's feature check stages it. */
async function fullTree(version: SysfsVersion) {
  const t = await boot(version);
  t.setup(["nr_kdamonds", "1"], ["0/contexts/nr_contexts", "1"], [`${C}/targets/nr_targets`, "1"],
    [`${C}/targets/0/regions/nr_regions`, "1"], [`${C}/schemes/nr_schemes`, "1"]);
  if (atLeast(version, "6.3")) t.setup([`${S}/filters/nr_filters`, "1"]);
  if (atLeast(version, "6.8")) t.setup([`${S}/quotas/goals/nr_goals`, "1"]);
  return t;
}

/** Every path under `dir` with its mode, depth first in directory order. */
function walk(vfs: Awaited<ReturnType<typeof boot>>["vfs"], dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const name of vfs.readdir(dir) as string[]) {
    const path = `${dir}/${name}`;
    const st = vfs.stat(path) as { kind: string; mode: number };
    out.push(`${prefix}${name}${st.kind === "dir" ? "/" : ""} ${st.mode.toString(8)}`);
    if (st.kind === "dir") out.push(...walk(vfs, path, `${prefix}${name}/`));
  }
  return out;
}

function expectedTree(version: SysfsVersion): string[] {
  const v = (since: SysfsVersion, ...lines: string[]) => (atLeast(version, since) ? lines : []);
  const c = "0/contexts/0/";
  const s = `${c}schemes/0/`;
  return [
    "nr_kdamonds 600", "0/ 755", "0/state 600", "0/pid 400", "0/contexts/ 755", "0/contexts/nr_contexts 600",
    "0/contexts/0/ 755", ...v("5.19", `${c}avail_operations 400`), `${c}operations 600`,
    `${c}monitoring_attrs/ 755`, `${c}monitoring_attrs/intervals/ 755`, `${c}monitoring_attrs/intervals/sample_us 600`,
    `${c}monitoring_attrs/intervals/aggr_us 600`, `${c}monitoring_attrs/intervals/update_us 600`,
    `${c}monitoring_attrs/nr_regions/ 755`, `${c}monitoring_attrs/nr_regions/min 600`, `${c}monitoring_attrs/nr_regions/max 600`,
    `${c}targets/ 755`, `${c}targets/nr_targets 600`, `${c}targets/0/ 755`, `${c}targets/0/pid_target 600`,
    `${c}targets/0/regions/ 755`, `${c}targets/0/regions/nr_regions 600`, `${c}targets/0/regions/0/ 755`,
    `${c}targets/0/regions/0/start 600`, `${c}targets/0/regions/0/end 600`,
    `${c}schemes/ 755`, `${c}schemes/nr_schemes 600`, `${s.slice(0, -1)}/ 755`, `${s}action 600`,
    ...v("6.7", `${s}apply_interval_us 600`),
    `${s}access_pattern/ 755`,
    ...["sz", "nr_accesses", "age"].flatMap((r) => [`${s}access_pattern/${r}/ 755`, `${s}access_pattern/${r}/min 600`, `${s}access_pattern/${r}/max 600`]),
    `${s}quotas/ 755`, `${s}quotas/ms 600`, `${s}quotas/bytes 600`, `${s}quotas/reset_interval_ms 600`,
    ...v("6.9", `${s}quotas/effective_bytes 400`),
    `${s}quotas/weights/ 755`, `${s}quotas/weights/sz_permil 600`, `${s}quotas/weights/nr_accesses_permil 600`,
    `${s}quotas/weights/age_permil 600`,
    ...v("6.8", `${s}quotas/goals/ 755`, `${s}quotas/goals/nr_goals 600`, `${s}quotas/goals/0/ 755`),
    ...v("6.9", `${s}quotas/goals/0/target_metric 600`),
    ...v("6.8", `${s}quotas/goals/0/target_value 600`, `${s}quotas/goals/0/current_value 600`),
    `${s}watermarks/ 755`, ...["metric", "interval_us", "high", "mid", "low"].map((f) => `${s}watermarks/${f} 600`),
    ...v("6.3", `${s}filters/ 755`, `${s}filters/nr_filters 600`, `${s}filters/0/ 755`, `${s}filters/0/type 600`,
      `${s}filters/0/matching 600`, `${s}filters/0/memcg_path 600`),
    ...v("6.6", `${s}filters/0/addr_start 600`, `${s}filters/0/addr_end 600`, `${s}filters/0/damon_target_idx 600`),
    `${s}stats/ 755`, ...["nr_tried", "sz_tried", "nr_applied", "sz_applied", "qt_exceeds"].map((f) => `${s}stats/${f} 400`),
    ...v("6.2", `${s}tried_regions/ 755`), ...v("6.6", `${s}tried_regions/total_bytes 400`),
  ];
}

describe("layout", () => {
  it.each(SYSFS_VERSIONS)("%s: every file and directory, in creation order, with its mode", async (version) => {
    const t = await fullTree(version);
    expect(t.vfs.readdir("/sys/kernel/mm/damon")).toEqual(["admin"]);
    expect(t.vfs.readdir("/sys/kernel/mm/damon/admin")).toEqual(["kdamonds"]);
    expect(walk(t.vfs, K)).toEqual(expectedTree(version));
  });

  it("a fresh interface has no kdamond", async () => {
    const t = await boot();
    expect(t.ls("")).toEqual(["nr_kdamonds"]);
    expect(t.read("nr_kdamonds")).toBe("0\n");
  });
});

describe.each(SYSFS_VERSIONS)("defaults and formats (%s)", (version) => {
  it("every file reads its kernel default", async () => {
    const t = await fullTree(version);
    const defaults: Array<[string, string]> = [
      ["0/state", "off\n"], ["0/pid", "-1\n"], ["0/contexts/nr_contexts", "1\n"], [`${C}/operations`, "vaddr\n"],
      [`${C}/monitoring_attrs/intervals/sample_us`, "5000\n"], [`${C}/monitoring_attrs/intervals/aggr_us`, "100000\n"],
      [`${C}/monitoring_attrs/intervals/update_us`, "60000000\n"], [`${C}/monitoring_attrs/nr_regions/min`, "10\n"],
      [`${C}/monitoring_attrs/nr_regions/max`, "1000\n"], [`${C}/targets/0/pid_target`, "0\n"],
      [`${C}/targets/0/regions/0/start`, "0\n"], [`${C}/targets/0/regions/0/end`, "0\n"], [`${S}/action`, "stat\n"],
      [`${S}/access_pattern/sz/min`, "0\n"], [`${S}/access_pattern/age/max`, "0\n"], [`${S}/quotas/ms`, "0\n"],
      [`${S}/quotas/weights/age_permil`, "0\n"], [`${S}/watermarks/metric`, "none\n"], [`${S}/watermarks/low`, "0\n"],
      [`${S}/stats/nr_tried`, "0\n"], [`${S}/stats/qt_exceeds`, "0\n"],
    ];
    if (atLeast(version, "5.19")) defaults.push([`${C}/avail_operations`, "vaddr\nfvaddr\npaddr\n"]);
    if (atLeast(version, "6.3")) defaults.push([`${S}/filters/0/type`, "anon\n"], [`${S}/filters/0/matching`, "N\n"], [`${S}/filters/0/memcg_path`, "\n"]);
    if (atLeast(version, "6.6")) defaults.push([`${S}/filters/0/addr_end`, "0\n"], [`${S}/filters/0/damon_target_idx`, "0\n"], [`${S}/tried_regions/total_bytes`, "0\n"]);
    if (atLeast(version, "6.7")) defaults.push([`${S}/apply_interval_us`, "0\n"]);
    if (atLeast(version, "6.8")) defaults.push([`${S}/quotas/goals/0/target_value`, "0\n"], [`${S}/quotas/goals/0/current_value`, "0\n"]);
    if (atLeast(version, "6.9")) defaults.push([`${S}/quotas/goals/0/target_metric`, "user_input\n"], [`${S}/quotas/effective_bytes`, "0\n"]);
    for (const [file, text] of defaults) expect([file, t.read(file)]).toEqual([file, text]);
  });

  it("reads return the part at the file position; pread and lseek work (sysfs files are seekable)", async () => {
    const t = await fullTree(version);
    expect(t.read(`${C}/monitoring_attrs/intervals/aggr_us`, 2)).toBe("100000\n");
    const fd = t.vfs.open(`${K}/${C}/monitoring_attrs/intervals/update_us`, O_RDONLY);
    expect(new TextDecoder().decode(t.vfs.pread(fd, 4, 3) as Uint8Array)).toBe("0000");
    expect(t.vfs.lseek(fd, 8, 0)).toBe(8);
    expect(t.vfs.read(fd, 10)).toEqual(new Uint8Array([0x0a]));
    expect(t.vfs.read(fd, 10)).toEqual(new Uint8Array());
  });
});

describe.each(SYSFS_VERSIONS)("value files (%s)", (version) => {
  const ranged = atLeast(version, "6.1") ? -ERANGE : -EINVAL;
  it.each([
    // [file, input, result, read back]
    [`${C}/monitoring_attrs/intervals/sample_us`, "1000", 4, "1000\n"],
    [`${C}/monitoring_attrs/intervals/sample_us`, "1000\n", 5, "1000\n"],
    [`${C}/monitoring_attrs/intervals/aggr_us`, "0x10", 4, "16\n"],
    [`${C}/monitoring_attrs/intervals/update_us`, "010", 3, "8\n"],
    [`${C}/monitoring_attrs/nr_regions/max`, "18446744073709551615", 20, "18446744073709551615\n"],
    [`${C}/monitoring_attrs/nr_regions/max`, "18446744073709551616", ranged, "1000\n"],
    [`${C}/monitoring_attrs/nr_regions/min`, "-1", -EINVAL, "10\n"],
    [`${C}/monitoring_attrs/nr_regions/min`, " 5", -EINVAL, "10\n"],
    [`${C}/monitoring_attrs/nr_regions/min`, "5 6", -EINVAL, "10\n"],
    [`${C}/targets/0/regions/0/end`, "99999999999999999999", ranged, "0\n"],
    [`${C}/targets/0/pid_target`, "-5", 2, "-5\n"],
    [`${C}/targets/0/pid_target`, "2147483648", -EINVAL, "0\n"],
    [`${S}/quotas/bytes`, "99999999999999999999", -EINVAL, "0\n"],
    [`${S}/quotas/reset_interval_ms`, "1000\n", 5, "1000\n"],
    [`${S}/quotas/weights/sz_permil`, "4294967295", 10, "4294967295\n"],
    [`${S}/quotas/weights/sz_permil`, "4294967296", ranged, "0\n"],
    [`${S}/watermarks/high`, "99999999999999999999", ranged, "0\n"],
    [`${S}/watermarks/interval_us`, "5000000", 7, "5000000\n"],
  ] as Array<[string, string, number, string]>)("%s ← %j: %d", async (file, input, result, after) => {
    const t = await fullTree(version);
    expect(t.write(file, input)).toBe(result);
    expect(t.read(file)).toBe(after);
  });

  it("keyword files take exactly their keywords, one newline allowed", async () => {
    const t = await fullTree(version);
    expect(t.write(`${C}/operations`, "paddr\n")).toBe(6);
    expect(t.read(`${C}/operations`)).toBe("paddr\n");
    expect(t.write(`${C}/operations`, "fvaddr")).toBe(atLeast(version, "5.19") ? 6 : -EINVAL);
    expect(t.write(`${C}/operations`, "vaddr ")).toBe(-EINVAL);
    expect(t.write(`${S}/action`, "pageout")).toBe(7);
    expect(t.read(`${S}/action`)).toBe("pageout\n");
    expect(t.write(`${S}/action`, "lru_prio")).toBe(atLeast(version, "6.0") ? 8 : -EINVAL);
    expect(t.write(`${S}/action`, "PAGEOUT")).toBe(-EINVAL);
    expect(t.write(`${S}/watermarks/metric`, "free_mem_rate\n")).toBe(14);
    expect(t.read(`${S}/watermarks/metric`)).toBe("free_mem_rate\n");
    expect(t.write(`${S}/watermarks/metric`, "free")).toBe(-EINVAL);
  });

  it("read-only files refuse to open for writing, even for root (kernfs's extra open check)", async () => {
    const t = await fullTree(version);
    expect(t.write("0/pid", "1")).toBe(-EACCES);
    expect(t.write(`${S}/stats/nr_tried`, "1")).toBe(-EACCES);
    expect(t.vfs.open(`${K}/0/pid`, O_RDWR)).toBe(-EACCES);
    const fd = t.vfs.open(`${K}/0/pid`, O_RDONLY);
    expect(fd).toBeGreaterThan(0);
    t.vfs.close(fd);
    expect(t.vfs.open(`${K}/0/state`, O_RDWR)).toBeGreaterThan(0);
  });
});

describe.each(since("6.3"))("filters (%s)", (version) => {
  it("type, matching and memcg_path", async () => {
    const t = await fullTree(version);
    const F = `${S}/filters/0`;
    expect(t.write(`${F}/type`, "memcg")).toBe(5);
    expect(t.write(`${F}/type`, "addr")).toBe(atLeast(version, "6.6") ? 4 : -EINVAL);
    expect(t.write(`${F}/type`, "young")).toBe(-EINVAL);
    expect(t.write(`${F}/matching`, "yes")).toBe(3);
    expect(t.read(`${F}/matching`)).toBe("Y\n");
    expect(t.write(`${F}/matching`, "x")).toBe(-EINVAL);
    // The path is kept as written, newline and all.
    expect(t.write(`${F}/memcg_path`, "/sys\n")).toBe(5);
    expect(t.read(`${F}/memcg_path`)).toBe("/sys\n\n");
  });

  it.each(since("6.6").includes(version) ? [version] : [])("%s: addr_start, addr_end, damon_target_idx return kstrto*'s errno", async () => {
    const t = await fullTree(version);
    const F = `${S}/filters/0`;
    expect(t.write(`${F}/addr_start`, "4096")).toBe(4);
    expect(t.write(`${F}/addr_end`, "18446744073709551616")).toBe(-ERANGE);
    expect(t.write(`${F}/damon_target_idx`, "-1")).toBe(2);
    expect(t.read(`${F}/damon_target_idx`)).toBe("-1\n");
    expect(t.write(`${F}/damon_target_idx`, "x")).toBe(-EINVAL);
  });
});

describe.each(since("6.8"))("quota goals (%s)", (version) => {
  it("values and (6.9) metric", async () => {
    const t = await fullTree(version);
    const G = `${S}/quotas/goals/0`;
    expect(t.write(`${G}/target_value`, "10000")).toBe(5);
    expect(t.write(`${G}/current_value`, "18446744073709551616")).toBe(-ERANGE);
    expect(t.read(`${G}/target_value`)).toBe("10000\n");
    if (atLeast(version, "6.9")) {
      expect(t.write(`${G}/target_metric`, "some_mem_psi_us")).toBe(15);
      expect(t.read(`${G}/target_metric`)).toBe("some_mem_psi_us\n");
      expect(t.write(`${G}/target_metric`, "psi")).toBe(-EINVAL);
    }
  });
});

describe.each(since("6.7"))("apply_interval_us (%s)", (version) => {
  it("is an unsigned long returning kstrtoul's errno", async () => {
    const t = await fullTree(version);
    expect(t.write(`${S}/apply_interval_us`, "200000")).toBe(6);
    expect(t.read(`${S}/apply_interval_us`)).toBe("200000\n");
    expect(t.write(`${S}/apply_interval_us`, "18446744073709551616")).toBe(-ERANGE);
  });
});

describe.each(SYSFS_VERSIONS)("nr_* files (%s)", (version) => {
  it.each([
    ["nr_kdamonds"], ["0/contexts/nr_contexts"], [`${C}/targets/nr_targets`], [`${C}/targets/0/regions/nr_regions`],
    [`${C}/schemes/nr_schemes`],
  ])("%s: kstrtoint's errno, then negative numbers are EINVAL", async (file) => {
    const t = await fullTree(version);
    expect(t.write(file, "x")).toBe(-EINVAL);
    expect(t.write(file, "2147483648")).toBe(-ERANGE);
    expect(t.write(file, "-1")).toBe(-EINVAL);
    expect(t.read(file)).toBe("1\n");
  });

  it("writing a number rebuilds the directories with default values, even the same number", async () => {
    const t = await fullTree(version);
    t.setup([`${C}/targets/0/pid_target`, "42"], [`${C}/targets/nr_targets`, "3"]);
    expect(t.ls(`${C}/targets`)).toEqual(["nr_targets", "0", "1", "2"]);
    expect(t.read(`${C}/targets/0/pid_target`)).toBe("0\n");
    t.setup([`${C}/targets/0/pid_target`, "42"], [`${C}/targets/nr_targets`, "3"]);
    expect(t.read(`${C}/targets/0/pid_target`)).toBe("0\n");
    expect(t.write(`${C}/targets/nr_targets`, "0")).toBe(1);
    expect(t.ls(`${C}/targets`)).toEqual(["nr_targets"]);
  });

  it("one context per kdamond; kmalloc_array's limit is ENOMEM", async () => {
    const t = await fullTree(version);
    expect(t.write("0/contexts/nr_contexts", "2")).toBe(-EINVAL);
    expect(t.write("0/contexts/nr_contexts", "0")).toBe(1);
    expect(t.ls("0/contexts")).toEqual(["nr_contexts"]);
    expect(t.write(`nr_kdamonds`, "524289")).toBe(-ENOMEM);
    // The old directories are gone before the allocation fails.
    expect(t.read("nr_kdamonds")).toBe("0\n");
  });
});

describe("kernfs write rules", () => {
  it("a zero-length write returns 0 and stores nothing", async () => {
    const t = await fullTree("6.8");
    expect(t.write("0/state", "")).toBe(0);
    expect(t.write(`${C}/operations`, "")).toBe(0);
    expect(t.read(`${C}/operations`)).toBe("vaddr\n");
  });

  it("each write(2) is a whole buffer: a second write on the same open file is parsed alone", async () => {
    const t = await fullTree("6.8");
    const fd = t.vfs.open(`${K}/${C}/monitoring_attrs/intervals/sample_us`, O_WRONLY);
    const enc = new TextEncoder();
    expect(t.vfs.write(fd, enc.encode("100"))).toBe(3);
    expect(t.vfs.write(fd, enc.encode("200"))).toBe(3);
    expect(t.vfs.pwrite(fd, enc.encode("300\n"), 1000)).toBe(4);
    t.vfs.close(fd);
    expect(t.read(`${C}/monitoring_attrs/intervals/sample_us`)).toBe("300\n");
  });

  it("writes are cut to PAGE_SIZE; the buffer ends at a NUL", async () => {
    const t = await fullTree("6.8");
    const long = new Uint8Array(5000).fill(0x31);
    expect(t.write(`${C}/targets/0/regions/0/start`, long)).toBe(-ERANGE);
    const padded = new Uint8Array(5000);
    padded.set(new TextEncoder().encode("77"));
    expect(t.write(`${C}/targets/0/regions/0/start`, padded)).toBe(4096);
    expect(t.read(`${C}/targets/0/regions/0/start`)).toBe("77\n");
  });

  it("nr_kdamonds is EBUSY while a kdamond runs", async () => {
    const t = await fullTree("6.8");
    const pid = t.spawn();
    t.setup([`${C}/targets/0/pid_target`, `${pid}`], [`${C}/targets/0/regions/nr_regions`, "0"]);
    expect(t.write("0/state", "on")).toBe(2);
    expect(t.write("nr_kdamonds", "x")).toBe(-EINVAL);
    expect(t.write("nr_kdamonds", "1")).toBe(-EBUSY);
    // Other nr_* files only stage: they stay writable.
    expect(t.write(`${C}/schemes/nr_schemes`, "2")).toBe(1);
    expect(t.write("0/state", "off")).toBe(3);
    expect(t.write("nr_kdamonds", "1")).toBe(1);
  });
});
