// Browser vs Node for `npm run bench` (issues 6 and 11). Both sides run the web app's built
// simulation worker (apps/web/dist/sim-worker.js): in Chromium as a Web Worker of an empty
// page of the app's origin, in Node as a worker thread (apps/web/node-sim-worker.mjs). Each
// run is the same message: one seeded recording session, same workload, attrs, seed and
// length. The worker times its own simulating, so page load and worker start do not count.
// Runs alternate (node, browser, app, node, …) so that load from other processes hits every
// side alike; each ratio is the best browser run over the best Node run. The records of
// every run must hash the same.
//
// "app" is the whole web app: the same run started from its form, while the page bins the
// heatmap and draws it, the charts and the clock live (its share of the machine included).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const WEB = new URL("../../../apps/web/", import.meta.url);
const SIM_WORKER = new URL("dist/sim-worker.js", WEB);
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const ATTRS = { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000, minNrRegions: 10, maxNrRegions: 1000 };
// zipf, looping: a gradient of heat over a few dozen regions, for as long as asked. At scale
// 1 a run is 20 minutes of virtual time, 2-3 s of wall time on either side: long enough that
// start-up and tier-up do not count, and best of five agrees from one bench run to the next.
const VIRTUAL_US = 1200e6;
const ROUNDS = 5;
// The bench times in sessions of its own (Node's child, and Chromium, which Playwright starts
// in another), whose scheduler groups (Linux autogroups) get this nice value: builds and
// tests in other sessions on a shared 2-core machine then take what the bench leaves instead
// of half of what it needs. Needs root or CAP_SYS_NICE; without, the bench runs at the
// default priority and says so.
const BENCH_NICE = -10;

/**
 * @param {{ scale?: number, log?: (line: string) => void }} options
 * @returns {Promise<{
 *   browser_vs_node: number | null, browser_app_vs_node?: number, browser_vs_node_end_to_end?: number,
 *   identical?: boolean, skipped?: string,
 *   virtual_s?: number, node_ms?: number[], browser_ms?: number[], app_ms?: number[],
 * }>}
 */
export async function benchBrowser({ scale = 1, log = () => {} } = {}) {
  if (!existsSync(CHROMIUM)) return skip(`no ${CHROMIUM} (apt-get install chromium)`, log);
  if (!existsSync(SIM_WORKER)) return skip("apps/web is not built (npm run build)", log);
  // A detached child is a new session, so a scheduler group of its own (with Chromium).
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--measure", String(scale)], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = () => child.kill();
  process.once("exit", stop); // it is detached: do not leave it behind
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (text) => (out += text));
  child.stderr.setEncoding("utf8").on("data", (text) => text.split("\n").forEach((line) => line && log(line)));
  const code = await new Promise((resolve) => child.on("close", resolve));
  process.off("exit", stop);
  if (code !== 0) throw new Error(`the browser bench failed (exit ${code})`);
  return JSON.parse(out);
}

/** The measurement itself, in the child. */
async function measure({ scale, log }) {
  const durationUs = Math.max(1e6, Math.round((VIRTUAL_US * scale) / 1e6) * 1e6);
  const rounds = scale >= 0.5 ? ROUNDS : 2;
  const config = {
    workload: { builtin: "zipf", options: { loop: true } },
    attrs: ATTRS,
    seed: 1,
    durationUs,
    accuracy: false,
    pageoutIdleUs: 0,
    speed: 0, // as fast as possible
  };

  const node = await nodeSide();
  let browser;
  let app;
  try {
    browser = await browserSide();
    app = await browser.app(config);
    // Playwright starts Chromium in a session (and scheduler group) of its own: raise both.
    const priority = (await raiseGroup("self")) && (await raiseGroup(browser.pid)) ? `nice ${BENCH_NICE} (Node's and Chromium's scheduler groups)` : "default (cannot raise it here; other load counts more)";
    const ms = { node: [], browser: [], app: [] };
    const total = { node: [], browser: [] };
    const digests = new Set();
    for (let round = 0; round < rounds; round++) {
      const n = await node.run(config);
      const b = await browser.run(config);
      const a = await app.run();
      ms.node.push(n.wallMs);
      ms.browser.push(b.wallMs);
      ms.app.push(a.wallMs);
      total.node.push(n.totalMs);
      total.browser.push(b.totalMs);
      digests.add(n.sha256).add(b.sha256);
    }
    const best = (list) => Math.min(...list);
    const show = (list) => `${list.map((m) => m.toFixed(0).padStart(5)).join(" ")} ms, best ${best(list).toFixed(0)}`;
    log(`browser vs node: ${durationUs / 1e6} s of zipf (looping) through the web app's sim worker, ${rounds} alternating runs each`);
    log(`  node       ${show(ms.node)}`);
    log(`  chromium   ${show(ms.browser)}`);
    log(`  app page   ${show(ms.app)}`);
    log(`  end to end (run message to done message, best): node ${best(total.node).toFixed(0)} ms, chromium ${best(total.browser).toFixed(0)} ms, ratio ${(best(total.browser) / best(total.node)).toFixed(3)}`);
    log(`  worker start (to its first message): node ${node.startMs.toFixed(0)} ms, chromium ${browser.startMs.toFixed(0)} ms (not timed above)`);
    log(`  priority   ${priority}`);
    log(`  records    ${digests.size === 1 ? "identical" : "DIFFER"} in Node and Chromium (sha256 ${[...digests][0].slice(0, 16)}…)`);
    return {
      browser_vs_node: best(ms.browser) / best(ms.node),
      browser_app_vs_node: best(ms.app) / best(ms.node),
      browser_vs_node_end_to_end: best(total.browser) / best(total.node),
      identical: digests.size === 1,
      virtual_s: durationUs / 1e6,
      node_ms: ms.node,
      browser_ms: ms.browser,
      app_ms: ms.app,
    };
  } finally {
    await app?.close();
    await browser?.close();
    await node.close();
  }
}

function skip(reason, log) {
  log(`browser vs node: skipped, ${reason}`);
  return { browser_vs_node: null, skipped: reason };
}

/** The browser process started with `profile` (Linux: /proc), or null. */
async function chromiumPid(profile) {
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(profile) && !cmdline.includes("--type=")) return Number(pid);
  }
  return null;
}

/** Gives the scheduler group (Linux autogroup) of `pid` the nice value BENCH_NICE. */
async function raiseGroup(pid) {
  try {
    await writeFile(`/proc/${pid}/autogroup`, String(BENCH_NICE));
    return true;
  } catch {
    return false; // not Linux, no autogroups, or not allowed
  }
}

/**
 * A driver for the sim worker's protocol (apps/web/src/protocol.ts): `post` sends to the
 * worker, `onMessage` is fed what it sends back. One job at a time.
 */
function simDriver(post) {
  let job = 0;
  let pending = null;
  const settle = (value, failed = false) => {
    const p = pending;
    pending = null;
    if (failed) p?.reject(value);
    else p?.resolve(value);
  };
  const next = () => new Promise((resolve, reject) => (pending = { resolve, reject }));
  return {
    onMessage(m) {
      if (m.type === "done" || m.type === "record") settle(m);
      else if (m.type === "error") settle(new Error(`sim worker: ${m.message}`), true);
    },
    fail: (error) => settle(error, true),
    async run(config) {
      const id = ++job;
      const done = next();
      const began = performance.now();
      post({ type: "run", job: id, config, shared: true });
      const { summary } = await done;
      // From the run message to the done message: also the session's set-up (memory, wasm
      // instance) and the messages, which the worker's own time leaves out.
      const totalMs = performance.now() - began;
      const record = next();
      post({ type: "download", job: id });
      const { bytes } = await record;
      return { wallMs: summary.wallMs, totalMs, bytes };
    },
  };
}

async function nodeSide() {
  const { startNodeSimWorker } = await import(new URL("node-sim-worker.mjs", WEB).href);
  const began = performance.now();
  const worker = startNodeSimWorker();
  let ready;
  const isReady = new Promise((resolve) => (ready = resolve));
  const driver = simDriver((message) => worker.postMessage(message));
  worker.on("message", (m) => (m.type === "ready" ? ready() : driver.onMessage(m)));
  worker.on("error", (error) => driver.fail(error));
  await isReady;
  const startMs = performance.now() - began;
  return {
    startMs,
    async run(config) {
      const { wallMs, totalMs, bytes } = await driver.run(config);
      return { wallMs, totalMs, sha256: createHash("sha256").update(bytes).digest("hex") };
    },
    close: () => worker.terminate(),
  };
}

/** The app itself: the same run started from its form, with the heatmap and charts drawing live. */
async function appSide(context, server, config) {
  const page = await context.newPage();
  const { workload, attrs, seed, durationUs } = config;
  const query = new URLSearchParams({
    workload: workload.builtin,
    loop: workload.options?.loop ? "1" : "0",
    seed: String(seed),
    duration: String(durationUs / 1e6),
    attrs: Object.values(attrs).join(","),
    accuracy: config.accuracy ? "1" : "0",
    pageout: String(config.pageoutIdleUs / 1e6),
    speed: "max",
  });
  await page.goto(`${server.url}?${query}`);
  await page.waitForFunction(() => globalThis.damonSim?.state === "idle", null, { timeout: 30_000 });
  return {
    async run() {
      await page.click("#run");
      await page.waitForFunction(() => ["done", "error"].includes(globalThis.damonSim.state), null, { timeout: 300_000 });
      const summary = await page.evaluate(() => globalThis.damonSim.summary);
      if (!summary) throw new Error(`the app failed: ${await page.locator("#error").textContent()}`);
      return { wallMs: summary.wallMs };
    },
    close: () => page.close(),
  };
}

async function browserSide() {
  const { chromium } = await import("playwright-core");
  const { serve, ISOLATION_HEADERS } = await import(new URL("serve.mjs", WEB).href);
  const server = await serve({ root: fileURLToPath(new URL("dist/", WEB)), isolate: true });
  const profile = await mkdtemp(join(tmpdir(), "damon-sim-bench-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  const close = async () => {
    await context.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const page = await context.newPage();
    // An empty page beside the app (same origin and headers), so nothing else runs in it.
    const blank = `${server.url}bench.html`;
    await page.route(blank, (route) => route.fulfill({ status: 200, contentType: "text/html", headers: ISOLATION_HEADERS, body: "<!doctype html><title>bench</title>" }));
    await page.goto(blank);
    await page.evaluate(`(${pageDriver.toString()})(${simDriver.toString()})`);
    return {
      pid: await chromiumPid(profile),
      startMs: await page.evaluate(() => globalThis.benchReady),
      run: (config) => page.evaluate((c) => globalThis.benchRun(c), config),
      app: (config) => appSide(context, server, config),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

// Runs in the page: starts the app's sim worker and exposes benchRun(config).
function pageDriver(makeDriver) {
  if (!crossOriginIsolated) throw new Error("the bench page is not cross-origin isolated");
  const began = performance.now();
  const worker = new Worker("./sim-worker.js", { type: "module", name: "damon-sim" });
  const driver = makeDriver((message) => worker.postMessage(message));
  const ready = new Promise((resolve, reject) => {
    worker.addEventListener("message", (event) => (event.data.type === "ready" ? resolve() : driver.onMessage(event.data)));
    worker.addEventListener("error", (event) => {
      const error = new Error(`sim worker failed: ${event.message || "could not load"}`);
      reject(error);
      driver.fail(error);
    });
  });
  globalThis.benchReady = ready.then(() => performance.now() - began);
  globalThis.benchRun = async (config) => {
    await ready;
    const { wallMs, totalMs, bytes } = await driver.run(config);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return { wallMs, totalMs, sha256: Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") };
  };
}

if (process.argv[2] === "--measure" && process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measure({ scale: Number(process.argv[3]), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
