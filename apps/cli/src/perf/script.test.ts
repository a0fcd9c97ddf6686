// `perf script` streams: a file read in chunks (split anywhere) gives exactly the whole
// file's lines, output starts before the input ends, and `| head` ends it quietly.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_SCRIPT_FIELDS } from "./args.js";
import { dataHeader, MAGIC, parsePerfData, PerfDataError } from "./data-file.js";
import { scriptLines, scriptStream } from "./script.js";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const format = { fields: DEFAULT_SCRIPT_FIELDS, nanoseconds: false, pidWidth: 7 };
const event = (i: number) =>
  `       kdamond.0-370     [000] .....     ${1 + i}.100000: damon_aggregated: target_id=0 nr_regions=1 4096-8192: ${i} 0\n`;
const data = (n: number) => dataHeader(["damon:damon_aggregated"]) + Array.from({ length: n }, (_, i) => event(i)).join("");

async function* split(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

async function streamed(text: string, size: number): Promise<string> {
  let out = "";
  await scriptStream(split(text, size), format, async (chunk) => void (out += chunk));
  return out;
}

describe("perf script, streamed", () => {
  it("gives the whole file's lines however the file is split into chunks", async () => {
    const text = data(50);
    const whole = [...scriptLines(parsePerfData(text), format)].join("");
    expect(whole.split("\n")).toHaveLength(51);
    for (const size of [1, 7, MAGIC.length, 100, 1 << 20]) expect(await streamed(text, size)).toBe(whole);
  });

  it.each([
    ["", /no magic line/],
    ["PERFILE2\0\0\0", /a real perf.data file/],
    [MAGIC, /no '# events:' header/],
    [data(2).trimEnd(), /truncated: line 4 has no newline/],
    [`${data(1)}garbage\n`, /line 4: not a trace event/],
    [`${MAGIC}${event(0)}`, /no '# events:' header/],
  ])("%j fails as the whole file's parse does", async (text, message) => {
    for (const size of [3, 1 << 20]) {
      const failure = streamed(text, size);
      await expect(failure).rejects.toThrow(PerfDataError);
      await expect(failure).rejects.toThrow(message);
    }
    expect(() => parsePerfData(text)).toThrow(message);
  });
});

describe("damon-sim perf script (the command)", () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-sim-perf-script-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes lines while the input is still being written (never the whole file in memory)", async () => {
    const fifo = join(dir, "fifo.data");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const child = spawn(process.execPath, [cli, "perf", "script", "-i", fifo], { stdio: ["ignore", "pipe", "pipe"] });
    const writer = openSync(fifo, "w");
    writeSync(writer, data(3));
    // the first lines come before the writer has finished (a whole-file read would wait for EOF)
    const first = await new Promise<string>((resolve) => child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString())));
    expect(first).toMatch(/^ {7}kdamond\.0 {5}370 \[000\] {5}1\.100000: damon:damon_aggregated: target_id=0/);
    writeSync(writer, event(3));
    closeSync(writer);
    let rest = first;
    child.stdout.on("data", (chunk: Buffer) => (rest += chunk.toString()));
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(rest.split("\n")).toHaveLength(5);
  });

  it("| head ends it quietly with status 0, as perf does", () => {
    const file = join(dir, "big.data");
    writeFileSync(file, data(200_000));
    const result = spawnSync("bash", ["-c", `"${process.execPath}" "${cli}" perf script -i "${file}" | head -1; echo "\${PIPESTATUS[0]}"`], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout.split("\n").slice(1)).toEqual(["0", ""]);
    expect(readFileSync(file, "utf8").startsWith(MAGIC)).toBe(true);
  });
});
