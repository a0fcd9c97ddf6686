// Each package must stand on its own: pack it as npm publish would, install only the
// tarballs into an empty folder, and use it from there. npm may ask the registry for the
// metadata of third-party dependencies (a fresh machine's cache has only their tarballs).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const libraries = ["packages/wasm", "packages/core", "packages/dbgfs", "packages/sysfs", "packages/fuse", "packages/record", "packages/workload", "packages/session"];
const apps = ["apps/cli"];
const manifest = (dir: string) => JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));

let work: string;
let tarballs: string[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "damon-sim-pack-"));
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", work, ...[...libraries, ...apps].map((d) => `--workspace=${d}`)], {
      cwd: root,
      encoding: "utf8",
    }),
  ) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarballs = packed.map((p) => join(work, p.filename));
  for (const p of packed) {
    const paths = p.files.map((f) => f.path);
    expect(paths).toContain("README.md");
    expect(paths.some((f) => f.includes(".test."))).toBe(false);
  }
  const consumer = join(work, "consumer");
  execFileSync("mkdir", ["-p", consumer]);
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", ...tarballs], { cwd: consumer, stdio: "pipe" });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("published packages", () => {
  it.each(libraries)("%s has the fields a library needs", (dir) => {
    const pkg = manifest(dir);
    expect(pkg.name).toMatch(/^@damon-sim\/[a-z-]+$/);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.type).toBe("module");
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files.length).toBeGreaterThan(0);
    expect(Object.keys(pkg.exports["."])[0]).toBe("types");
    for (const [, target] of Object.entries<Record<string, string> | string>(pkg.exports)) {
      if (typeof target === "object") expect(Object.keys(target)[0]).toBe("types");
    }
  });

  it.each(apps)("%s has a bin and the fields a package needs", (dir) => {
    const pkg = manifest(dir);
    expect(pkg.name).toMatch(/^@damon-sim\/[a-z-]+$/);
    expect(pkg.type).toBe("module");
    expect(Object.keys(pkg.bin)).toEqual(["damon-sim"]);
    expect(pkg.files).toEqual(["bin", "dist"]);
    expect(pkg.dependencies ?? {}).toEqual({}); // bundled: nothing to install at run time
  });

  // Each package builds with the tools it declares, not with what the root happens to hoist.
  it.each([...libraries, ...apps, "apps/web"])("%s declares the tools its build runs", (dir) => {
    const pkg = manifest(dir);
    const declared = { ...pkg.dependencies, ...pkg.devDependencies };
    const toolPackage: Record<string, string> = { asc: "assemblyscript", tsc: "typescript", esbuild: "esbuild" };
    const script: string = pkg.scripts.build;
    const tools = script.split(/&&|;/).map((step) => step.trim().split(/\s+/)[0]);
    const buildJs = tools.includes("node") && readFileSync(join(root, dir, script.match(/node (\S+\.mjs)/)?.[1] ?? "package.json"), "utf8");
    if (buildJs && /from "esbuild"/.test(buildJs)) tools.push("esbuild");
    for (const tool of tools) if (toolPackage[tool]) expect(declared, `${dir}: ${tool}`).toHaveProperty(toolPackage[tool]);
    expect(tools.length).toBeGreaterThan(0);
  });

  it("the installed libraries run a simulation from a plain ESM script", () => {
    const consumer = join(work, "consumer");
    writeFileSync(
      join(consumer, "use.mjs"),
      `import { Simulation } from "@damon-sim/core";
import { REGION_BYTES } from "@damon-sim/wasm/layout";
const sim = await Simulation.create({ seed: 1 });
const task = sim.machine.spawn("consumer");
const area = task.mm.mmap(16 << 20);
sim.addActor({ advance: () => task.mm.space.touchRange(area, area + (4 << 20)) });
const ctx = sim.createContext();
ctx.setTargets([task.pid]);
let snapshots = 0;
ctx.onSnapshot(() => snapshots++);
sim.start();
sim.runFor(1_000_000);
console.log(JSON.stringify({ snapshots, regions: ctx.regions.count, recordBytes: REGION_BYTES }));
`,
    );
    writeFileSync(
      join(consumer, "session.mjs"),
      `import { Session } from "@damon-sim/session";
import { readAllSnapshots } from "@damon-sim/record";
import { SimKernel, Shell } from "@damon-sim/dbgfs";
const chunks = [];
const session = await Session.create({ workload: { builtin: "hotcold" }, durationUs: 2e6, record: { format: "json_compressed", sink: { write: (c) => chunks.push(c) } } });
const summary = await session.run();
const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
let at = 0; for (const c of chunks) { bytes.set(c, at); at += c.length; }
const record = await readAllSnapshots(bytes);
let out = "";
await new Shell(await SimKernel.create()).run("cat /sys/kernel/debug/damon/attrs", { stdout: (t) => (out += t), stderr: () => {} });
console.log(JSON.stringify({ snapshots: summary.snapshots, read: record.snapshots.length, attrs: out }));
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ["use.mjs"], { cwd: consumer, encoding: "utf8" }));
    expect(out).toEqual({ snapshots: 10, regions: expect.any(Number), recordBytes: 48 });
    expect(out.regions).toBeGreaterThanOrEqual(10);
    const session = JSON.parse(execFileSync(process.execPath, ["session.mjs"], { cwd: consumer, encoding: "utf8" }));
    expect(session).toEqual({ snapshots: 20, read: 20, attrs: "5000 100000 60000000 10 1000\n" });
  });

  it("the installed CLI runs", () => {
    const consumer = join(work, "consumer");
    const bin = join(consumer, "node_modules", ".bin", "damon-sim");
    expect(execFileSync(bin, ["--version"], { encoding: "utf8" })).toBe(`${manifest("apps/cli").version}\n`);
    expect(execFileSync(bin, ["demo"], { encoding: "utf8" })).toMatch(/^\$ damon-sim record stairs/);
    expect(readdirSync(join(consumer, "node_modules", "@damon-sim")).sort()).toEqual(
      ["cli", "core", "dbgfs", "fuse", "record", "session", "sysfs", "wasm", "workload"],
    );
  });

  it("the CLI tarball alone installs globally and runs", () => {
    const prefix = join(work, "global");
    const cliTarball = tarballs.find((t) => /damon-sim-cli-/.test(t))!;
    execFileSync("npm", ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", cliTarball], { stdio: "pipe" });
    const bin = join(prefix, "bin", "damon-sim");
    expect(execFileSync(bin, ["--version"], { encoding: "utf8" })).toBe(`${manifest("apps/cli").version}\n`);
    const out = execFileSync(bin, ["record", "hotcold", "-d", "1", "-o", join(work, "global.data")], { encoding: "utf8", cwd: work });
    expect(out).toMatch(/^recorded 10 aggregations of pid \d+ to /);
    expect(readdirSync(join(prefix, "lib", "node_modules", "@damon-sim"))).toEqual(["cli"]);
  });
});
