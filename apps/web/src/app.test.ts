// End to end: the built site (dist/) in Debian's Chromium through playwright-core, served
// with and without the cross-origin isolation headers. One browser for the whole file.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { inflateSync } from "node:zlib";
import { Session } from "@damon-sim/session";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNodeSimWorker } from "../node-sim-worker.mjs";
import { ISOLATION_HEADERS, serve } from "../serve.mjs";
import type { RunConfig } from "./protocol.js";
import { cliRecord } from "./test-support.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const DIST_INDEX = fileURLToPath(new URL("../dist/index.html", import.meta.url));
const RESULTS = fileURLToPath(new URL("../test-results/", import.meta.url));
const MIB = 2 ** 20;

type Server = { url: string; close(): Promise<void> };
interface HeatmapView {
  rows: number;
  cols: number;
  addrStart: number;
  addrUnit: number;
  heats: Array<number | null>;
  plot: { x: number; y: number; w: number; h: number };
}

const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI === "true") {
  describe("web app in Chromium", () => {
    it("has Chromium to run in", () => {
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    });
  });
} else if (!haveChromium) {
  console.warn(`web end-to-end tests skipped: no ${CHROMIUM} (apt-get install chromium)`);
}

describe.skipIf(!haveChromium)(haveChromium ? "web app in Chromium" : `web app in Chromium: skipped, no ${CHROMIUM} (apt-get install chromium)`, () => {
  let context: BrowserContext;
  let isolated: Server;
  let plain: Server;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(DIST_INDEX)) throw new Error("apps/web/dist is not built: run npm run build");
    isolated = await serve({ isolate: true });
    plain = await serve({ isolate: false });
    profile = await mkdtemp(join(tmpdir(), "damon-sim-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await isolated?.close();
    await plain?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  /** A fresh page that fails the test on any console error or uncaught exception. */
  async function open(server: Server, query = ""): Promise<{ page: Page; problems: string[] }> {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") problems.push(`console: ${m.text()}`);
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await page.goto(server.url + query);
    return { page, problems };
  }

  async function finished(page: Page): Promise<void> {
    await page.waitForFunction(() => {
      const sim = (globalThis as { damonSim?: { state: string; heatmapSettled: boolean } }).damonSim;
      return sim?.state === "error" || (sim?.state === "done" && sim.heatmapSettled);
    }, null, { timeout: 30_000 });
    expect(await page.locator("#error").textContent()).toBe("");
  }

  async function downloadRecord(page: Page): Promise<Buffer> {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    expect(download.suggestedFilename()).toBe("damon.data");
    return readFile((await download.path())!);
  }

  async function typeInTerminal(page: Page, lines: string[]): Promise<string> {
    await page.waitForFunction(() => document.querySelector(".xterm-rows")?.textContent?.includes("root@damon-sim"), null, { timeout: 15_000 });
    await page.click("#terminal");
    for (const line of lines) await page.keyboard.type(`${line}\n`);
    const last = lines.length;
    await page.waitForFunction((n) => {
      const text = (globalThis as { damonSim?: { terminalText(): string } }).damonSim?.terminalText() ?? "";
      return text.split("root@damon-sim:").length > n + 1; // a prompt after every line
    }, last, { timeout: 15_000 });
    return page.evaluate(() => (globalThis as unknown as { damonSim: { terminalText(): string } }).damonSim.terminalText());
  }

  it("loads with no console errors and is cross-origin isolated", async () => {
    const { page, problems } = await open(isolated);
    await page.waitForFunction(() => (globalThis as { damonSim?: { state: string } }).damonSim?.state === "idle", null, { timeout: 15_000 });
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.evaluate(() => (globalThis as unknown as { damonSim: { transport: string } }).damonSim.transport)).toBe("shared");
    expect(await page.locator("#status").textContent()).toMatch(/^Ready \(shared memory\)/);
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  it("runs a built-in for a set virtual time and the heatmap shows the hot band where the workload is hot", async () => {
    const { page, problems } = await open(isolated, "?workload=hotcold&seed=1&duration=3&run=1");
    await finished(page);
    const { info, map } = await page.evaluate(() => {
      const sim = (globalThis as unknown as { damonSim: { info: { areas: Array<{ start: number; end: number }> }; heatmap(): unknown } }).damonSim;
      return { info: sim.info, map: sim.heatmap() as HeatmapView };
    });
    // hotcold: one 256 MiB allocation whose first 32 MiB take 99 % of the accesses. Where
    // Node puts it is where the page must have drawn it.
    const node = await Session.create({ workload: { builtin: "hotcold" }, seed: 1, durationUs: 3e6 });
    const heap = node.workload.areas[0];
    expect(info.areas[0]).toEqual({ name: heap.name, start: heap.start, end: heap.end });
    const hot: [number, number] = [heap.start, heap.start + 32 * MIB];
    const cold: [number, number] = [heap.start + 64 * MIB, heap.end];

    const column = (c: number) => map.addrStart + (c + 0.5) * map.addrUnit;
    const meanHeat = ([lo, hi]: [number, number]) => {
      let sum = 0;
      let n = 0;
      for (let c = 0; c < map.cols; c++) {
        if (column(c) < lo || column(c) >= hi) continue;
        for (let r = 0; r < map.rows; r++) {
          sum += map.heats[r * map.cols + c] ?? 0;
          n++;
        }
      }
      return sum / n;
    };
    expect(meanHeat(hot)).toBeGreaterThan(10 * meanHeat(cold));

    // And on the canvas: bright pixels at the hot band, dark ones over the cold tail.
    const brightness = await page.evaluate(
      ({ map, addrs }) => {
        const canvas = document.querySelector<HTMLCanvasElement>("#heatmap")!;
        const ctx = canvas.getContext("2d")!;
        const ratio = canvas.width / canvas.clientWidth;
        const { x, y, w, h } = map.plot;
        return addrs.map((addr) => {
          const py = y + h - ((addr - map.addrStart) / (map.addrUnit * map.cols)) * h;
          let sum = 0;
          for (let k = 1; k <= 9; k++) {
            const [r, g, b] = ctx.getImageData(Math.round((x + (k / 10) * w) * ratio), Math.round(py * ratio), 1, 1).data;
            sum += r + g + b;
          }
          return sum / 9;
        });
      },
      { map, addrs: [(hot[0] + hot[1]) / 2, (cold[0] + cold[1]) / 2] },
    );
    expect(brightness[0]).toBeGreaterThan(400); // gnuplot's top colours: yellow
    expect(brightness[1]).toBeLessThan(brightness[0] / 2);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("loops a built-in past its end with loop=1 (the box ticked), and stops at its end without", async () => {
    const summaryOf = async (query: string) => {
      const { page, problems } = await open(isolated, query);
      await finished(page);
      expect(await page.locator("#loop").isChecked()).toBe(query.includes("loop=1"));
      const summary = await page.evaluate(() => (globalThis as unknown as { damonSim: { summary: { snapshots: number; virtualUs: number } } }).damonSim.summary);
      expect(problems).toEqual([]);
      await page.close();
      return summary;
    };
    // zipf's model runs 30 s: looping goes on to the duration asked for.
    expect(await summaryOf("?workload=zipf&loop=1&seed=1&duration=35&accuracy=0&run=1")).toMatchObject({ snapshots: 350, virtualUs: 35e6 });
    expect((await summaryOf("?workload=zipf&seed=1&duration=35&accuracy=0&run=1")).snapshots).toBe(300);
  }, 60_000);

  it("paces at 1×, pauses with Space, steps one aggregation and stops", async () => {
    const { page, problems } = await open(isolated, "?workload=zigzag&speed=1&run=1");
    const state = () => page.evaluate(() => (globalThis as unknown as { damonSim: { state: string } }).damonSim.state);
    const clock = async () => Number((await page.locator("#clock").textContent())!.split(" /")[0]);
    await page.waitForFunction(() => Number(document.querySelector("#clock")?.textContent?.split(" /")[0]) >= 0.3);
    expect(await clock()).toBeLessThan(3); // not running away at full speed
    await page.keyboard.press("Space");
    await page.waitForFunction(() => (globalThis as unknown as { damonSim: { state: string } }).damonSim.state === "paused");
    const paused = await clock();
    await page.waitForTimeout(300);
    expect(await clock()).toBe(paused);
    await page.click("#step");
    await page.waitForFunction((at) => Number(document.querySelector("#clock")?.textContent?.split(" /")[0]) > at, paused);
    expect(await clock()).toBeCloseTo(paused + 0.1, 5); // one aggregation interval
    expect(await state()).toBe("paused");
    await page.click("#stop");
    await page.waitForFunction(() => (globalThis as unknown as { damonSim: { state: string } }).damonSim.state === "done");
    expect(await page.locator("#status").textContent()).toMatch(/^Stopped: \d+ aggregations/);
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  it("types into the terminal and shows the kernel's busy error", async () => {
    const { page, problems } = await open(isolated);
    const text = await typeInTerminal(page, [
      "cd /sys/kernel/debug/damon",
      "cat attrs",
      "echo 1 > target_ids",
      "echo on > monitor_on",
      "echo 1 2 3 4 5 > attrs",
    ]);
    expect(text).toContain("5000 100000 60000000 10 1000");
    expect(text).toContain("echo 1 2 3 4 5 > attrs\nbash: echo: write error: Device or resource busy");
    // History: Up recalls the last line.
    await page.keyboard.press("ArrowUp");
    await page.waitForFunction(() =>
      (globalThis as unknown as { damonSim: { terminalText(): string } }).damonSim.terminalText().endsWith("/sys/kernel/debug/damon# echo 1 2 3 4 5 > attrs"),
    );
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  // The inputs of the record comparisons; Node runs them the way `damon-sim record` does.
  const RECORD_QUERY = "?workload=stairs&seed=3&duration=4&attrs=5000,100000,1000000,10,1000&run=1";
  let nodeRecord: Buffer;

  async function recordInNode(): Promise<Buffer> {
    if (nodeRecord) return nodeRecord;
    return (nodeRecord = await cliRecord({
      workload: { builtin: "stairs" },
      attrs: { sampleUs: 5000, aggrUs: 100000, opsUpdateUs: 1000000, minNrRegions: 10, maxNrRegions: 1000 },
      seed: 3,
      durationUs: 4e6,
    }));
  }

  let sharedHeats: Array<number | null>;

  it("downloads a record whose content is byte-identical to Node's for the same workload, attrs and seed", async () => {
    const { page, problems } = await open(isolated, RECORD_QUERY);
    await finished(page);
    const record = await downloadRecord(page);
    expect([...record.subarray(0, 2)]).toEqual([0x78, 0x9c]); // zlib, as damo writes it
    const json = inflateSync(record);
    expect(JSON.parse(json.toString()).length).toBeGreaterThan(0);
    expect(json.equals(inflateSync(await recordInNode()))).toBe(true);
    sharedHeats = await page.evaluate(() => (globalThis as unknown as { damonSim: { heatmap(): { heats: Array<number | null> } } }).damonSim.heatmap().heats);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it("works without the isolation headers (messages), with the same record and the same heatmap", async () => {
    const { page, problems } = await open(plain, RECORD_QUERY);
    await finished(page);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    expect(await page.evaluate(() => (globalThis as unknown as { damonSim: { transport: string } }).damonSim.transport)).toBe("messages");
    const record = await downloadRecord(page);
    expect(inflateSync(record).equals(inflateSync(await recordInNode()))).toBe(true);
    const heats = await page.evaluate(() => (globalThis as unknown as { damonSim: { heatmap(): { heats: Array<number | null> } } }).damonSim.heatmap().heats);
    expect(heats).toEqual(sharedHeats);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  // What `npm run bench` times (browser_vs_node): dist/sim-worker.js given the same run
  // message in a Web Worker of the isolated origin and in a Node worker thread.
  async function workerRecordInChromium(config: RunConfig): Promise<Buffer> {
    const page = await context.newPage();
    const blank = `${isolated.url}worker.html`;
    await page.route(blank, (route) => route.fulfill({ status: 200, contentType: "text/html", headers: ISOLATION_HEADERS, body: "<!doctype html>" }));
    await page.goto(blank);
    const bytes = await page.evaluate(
      (config) =>
        new Promise<number[]>((resolve, reject) => {
          const worker = new Worker("./sim-worker.js", { type: "module" });
          worker.onerror = (event) => reject(new Error(`sim worker: ${event.message}`));
          worker.onmessage = ({ data }) => {
            if (data.type === "ready") worker.postMessage({ type: "run", job: 1, config, shared: crossOriginIsolated });
            else if (data.type === "done") worker.postMessage({ type: "download", job: 1 });
            else if (data.type === "error") reject(new Error(data.message));
            else if (data.type === "record") resolve(Array.from(data.bytes as Uint8Array));
          };
        }),
      config,
    );
    await page.close();
    return Buffer.from(bytes);
  }

  async function workerRecordInNode(config: RunConfig): Promise<Buffer> {
    const worker = startNodeSimWorker();
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        worker.on("error", reject);
        worker.on("message", (data) => {
          if (data.type === "ready") worker.postMessage({ type: "run", job: 1, config, shared: true });
          else if (data.type === "done") worker.postMessage({ type: "download", job: 1 });
          else if (data.type === "error") reject(new Error(data.message));
          else if (data.type === "record") resolve(Buffer.from(data.bytes));
        });
      });
    } finally {
      await worker.terminate();
    }
  }

  it("runs the bench's session in the sim worker to the same record bytes in Chromium, in Node and in the CLI's Session", async () => {
    // The bench's run (zipf, looping past its 30 s end), shorter.
    const config: RunConfig = {
      workload: { builtin: "zipf", options: { loop: true } },
      attrs: { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000, minNrRegions: 10, maxNrRegions: 1000 },
      seed: 1,
      durationUs: 40e6,
      accuracy: false,
      pageoutIdleUs: 0,
      speed: 0,
    };
    const [chromium, node] = await Promise.all([workerRecordInChromium(config), workerRecordInNode(config)]);
    expect(inflateSync(chromium).length).toBeGreaterThan(400 * 100); // 400 aggregations
    expect(chromium.equals(node)).toBe(true);
    expect(chromium.equals(await cliRecord(config))).toBe(true);
  }, 60_000);

  it("runs with accuracy and a pageout scheme to the same record bytes in Chromium and Node", async () => {
    const config: RunConfig = {
      workload: { builtin: "phases" },
      attrs: { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000, minNrRegions: 10, maxNrRegions: 1000 },
      seed: 7,
      durationUs: 12e6,
      accuracy: true,
      pageoutIdleUs: 1e6,
      speed: 0,
    };
    const [chromium, node] = await Promise.all([workerRecordInChromium(config), workerRecordInNode(config)]);
    expect(chromium.length).toBeGreaterThan(0);
    expect(chromium.equals(node)).toBe(true);
  }, 60_000);

  it("opens damo's record and draws it", async () => {
    const { page, problems } = await open(isolated);
    await page.waitForFunction(() => (globalThis as { damonSim?: { state: string } }).damonSim?.state === "idle", null, { timeout: 15_000 });
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.click("#open-record")]);
    await chooser.setFiles(fileURLToPath(new URL("../../../../shared/fixtures/damo/damon.data.json_compressed", import.meta.url)));
    await finished(page);
    expect(await page.locator("#heat-source").textContent()).toContain("json_compressed");
    const map = await page.evaluate(() => (globalThis as unknown as { damonSim: { heatmap(): { heats: Array<number | null> } } }).damonSim.heatmap());
    expect(map.heats.some((h) => h !== null && h > 0)).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  }, 30_000);

  it("writes a screenshot at 1280×800 (test-results/, git-ignored)", async () => {
    const { page, problems } = await open(isolated, "?workload=stairs&seed=1&duration=12&run=1");
    await finished(page);
    await typeInTerminal(page, ["cd /sys/kernel/debug/damon", "cat attrs", "echo 1 > target_ids", "echo on > monitor_on", "echo 1 2 3 4 5 > attrs"]);
    const box = (await page.locator("#heatmap").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.75);
    await page.locator("#heat-tooltip").waitFor({ state: "visible" });
    expect(await page.locator("#heat-tooltip").textContent()).toMatch(/region \d+: 0x[0-9a-f]+–0x[0-9a-f]+ .*\nnr_accesses \d+, age \d+/);
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, "web-1280x800.png") });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
