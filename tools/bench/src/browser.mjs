// Browser vs Node for `npm run bench` (issue 6): one recording session (a built-in workload,
// attrs, seed and duration) timed in Node through @damon-sim/session, and in headless
// Chromium through the built web app (its worker runs the same Session). Best of seven on
// each side, in this one run; the ratio is Chromium's time over Node's.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Session } from "@damon-sim/session";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const WEB = new URL("../../../apps/web/", import.meta.url);
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const RUNS = 7; // Chromium tiers up later than Node: let both warm up
const ATTRS = { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000, minNrRegions: 10, maxNrRegions: 1000 };

/**
 * @param {{ scale?: number, log?: (line: string) => void }} options
 * @returns {Promise<{ browser_vs_node: number | null, skipped?: string, node_ms?: number, browser_ms?: number }>}
 */
export async function benchBrowser({ scale = 1, log = () => {} } = {}) {
  if (!existsSync(CHROMIUM)) return skip(`no ${CHROMIUM} (apt-get install chromium)`, log);
  if (!existsSync(new URL("dist/index.html", WEB))) return skip("apps/web is not built (npm run build)", log);
  // zipf keeps a few hundred regions busy; its model runs 30 s.
  const durationUs = Math.round(Math.min(30e6, Math.max(10e6, 30e6 * scale)));
  const run = { workload: "zipf", seed: 1, durationUs };

  const node = [];
  for (let i = 0; i < RUNS; i++) node.push(await nodeRun(run));
  const browser = await browserRuns(run);
  const nodeMs = Math.min(...node);
  const browserMs = Math.min(...browser);
  log(`browser vs node: ${(durationUs / 1e6).toFixed(0)} s of zipf in ${browserMs.toFixed(0)} ms in Chromium, ${nodeMs.toFixed(0)} ms in Node (best of ${RUNS})`);
  return { browser_vs_node: browserMs / nodeMs, node_ms: nodeMs, browser_ms: browserMs };
}

function skip(reason, log) {
  log(`browser vs node: skipped, ${reason}`);
  return { browser_vs_node: null, skipped: reason };
}

async function nodeRun({ workload, seed, durationUs }) {
  const session = await Session.create({
    workload: { builtin: workload },
    attrs: ATTRS,
    seed,
    durationUs,
    record: { format: "json_compressed", sink: { write() {} } },
  });
  const began = performance.now();
  await session.run(undefined, ATTRS.aggrUs);
  return performance.now() - began;
}

// The app's worker reports its simulating time (the run, not page load or pauses).
async function browserRuns({ workload, seed, durationUs }) {
  const { chromium } = await import("playwright-core");
  const { serve } = await import(new URL("serve.mjs", WEB).href);
  const server = await serve({ root: fileURLToPath(new URL("dist/", WEB)), isolate: true });
  const profile = await mkdtemp(join(tmpdir(), "damon-sim-bench-"));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await context.newPage();
    const attrs = Object.values(ATTRS).join(",");
    await page.goto(`${server.url}?workload=${workload}&seed=${seed}&duration=${durationUs / 1e6}&attrs=${attrs}&accuracy=0`);
    await page.waitForFunction(() => globalThis.damonSim?.state === "idle", null, { timeout: 30_000 });
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      await page.click("#run");
      await page.waitForFunction(() => ["done", "error"].includes(globalThis.damonSim.state), null, { timeout: 120_000 });
      const summary = await page.evaluate(() => globalThis.damonSim.summary);
      if (!summary) throw new Error(`the page failed: ${await page.locator("#error").textContent()}`);
      times.push(summary.wallMs);
    }
    return times;
  } finally {
    await context.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
}
