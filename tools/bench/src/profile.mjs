// Where does the browser spend the bench's run? Profiles one run of the bench's session
// (zipf looping, the web app's sim worker) in Node and in the app page in Chromium:
//   node tools/bench/src/profile.mjs [--virtual 600] [--out /tmp/damon-sim-profile]
// Writes CPU profiles (open them in Chrome DevTools' Performance panel) of Node's worker
// thread, Chromium's sim worker and the page's main thread, prints each one's heaviest
// functions (source-mapped when source-map-js can be loaded), and, on Linux, the CPU time
// every Chromium thread used during the run: the page's drawing shows next to the worker.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { Session as Inspector } from "node:inspector/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const WEB = new URL("../../../apps/web/", import.meta.url);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const ATTRS = { sampleUs: 5000, aggrUs: 100_000, opsUpdateUs: 1_000_000, minNrRegions: 10, maxNrRegions: 1000 };
const SAMPLING_US = 200;

const { values } = parseArgs({ options: { virtual: { type: "string", default: "600" }, out: { type: "string", default: join(tmpdir(), "damon-sim-profile") } } });
const durationUs = Number(values.virtual) * 1e6;
const config = { workload: { builtin: "zipf", options: { loop: true } }, attrs: ATTRS, seed: 1, durationUs, accuracy: false, pageoutIdleUs: 0, speed: 0 };
await mkdir(values.out, { recursive: true });
const names = await sourceNames();

// Node: the sim worker in a worker thread, profiled through the inspector's NodeWorker domain.
{
  const { startNodeSimWorker } = await import(new URL("node-sim-worker.mjs", WEB).href);
  const inspector = new Inspector();
  inspector.connect();
  const attached = new Promise((resolve) => inspector.once("NodeWorker.attachedToWorker", ({ params }) => resolve(params.sessionId)));
  await inspector.post("NodeWorker.enable", { waitForDebuggerOnStart: false });
  const worker = startNodeSimWorker();
  const send = relay(
    (message) => inspector.post("NodeWorker.sendMessageToWorker", message),
    (listener) => inspector.on("NodeWorker.receivedMessageFromWorker", ({ params }) => listener(params)),
    await attached,
  );
  const run = simRunner((m) => worker.postMessage(m), (listener) => worker.on("message", listener));
  await run(); // warm-up, as the bench's best-of would be
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: SAMPLING_US });
  await send("Profiler.start");
  const wallMs = await run();
  const { profile } = await send("Profiler.stop");
  await writeFile(join(values.out, "node-worker.cpuprofile"), JSON.stringify(profile));
  report(`Node worker thread: ${wallMs.toFixed(0)} ms simulating`, profile, names);
  await worker.terminate();
  inspector.disconnect();
}

// Chromium: the app page (live heatmap and charts) and its sim worker.
{
  const { chromium } = await import("playwright-core");
  const { serve } = await import(new URL("serve.mjs", WEB).href);
  const server = await serve({ root: fileURLToPath(new URL("dist/", WEB)), isolate: true });
  const userDir = await mkdtemp(join(tmpdir(), "damon-sim-profile-"));
  const context = await chromium.launchPersistentContext(userDir, { executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const workers = new Map();
    cdp.on("Target.attachedToTarget", ({ sessionId, targetInfo }) => workers.set(targetInfo.url, sessionId));
    await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    const query = new URLSearchParams({ workload: "zipf", loop: "1", seed: "1", duration: String(durationUs / 1e6), attrs: Object.values(ATTRS).join(","), accuracy: "0", speed: "max" });
    await page.goto(`${server.url}?${query}`);
    await page.waitForFunction(() => globalThis.damonSim?.state === "idle", null, { timeout: 30_000 });
    const simSession = [...workers].find(([url]) => url.endsWith("/sim-worker.js"))?.[1];
    if (!simSession) throw new Error("the sim worker did not show up as a target");
    const send = relay(
      (message) => cdp.send("Target.sendMessageToTarget", message),
      (listener) => cdp.on("Target.receivedMessageFromTarget", listener),
      simSession,
    );
    const run = async () => {
      await page.click("#run");
      await page.waitForFunction(() => ["done", "error"].includes(globalThis.damonSim.state), null, { timeout: 300_000 });
      return (await page.evaluate(() => globalThis.damonSim.summary)).wallMs;
    };
    await run();
    for (const target of [cdp, { send }]) {
      await target.send("Profiler.enable");
      await target.send("Profiler.setSamplingInterval", { interval: SAMPLING_US });
      await target.send("Profiler.start");
    }
    const before = await threadTimes(userDir);
    const wallMs = await run();
    const after = await threadTimes(userDir);
    const worker = (await send("Profiler.stop")).profile;
    const main = (await cdp.send("Profiler.stop")).profile;
    await writeFile(join(values.out, "chromium-worker.cpuprofile"), JSON.stringify(worker));
    await writeFile(join(values.out, "chromium-page.cpuprofile"), JSON.stringify(main));
    report(`Chromium sim worker (app page): ${wallMs.toFixed(0)} ms simulating`, worker, names);
    report("Chromium page main thread, same run", main, names);
    if (after.size) {
      const used = [...after].map(([k, s]) => [k, s - (before.get(k) ?? 0)]).filter(([, s]) => s >= 0.01).sort((a, b) => b[1] - a[1]);
      console.log(`\nCPU time per Chromium thread during the run (s, /proc):\n${used.map(([k, s]) => `  ${s.toFixed(2).padStart(6)}  ${k}`).join("\n")}`);
    }
  } finally {
    await context.close();
    await server.close();
    await rm(userDir, { recursive: true, force: true });
  }
}
console.log(`\nprofiles: ${values.out}`);

/** Runs `config` on a sim worker (the page's protocol); resolves with its simulating time. */
function simRunner(post, listen) {
  let job = 0;
  let pending;
  listen((m) => {
    if (m.type === "done") pending.resolve(m.summary.wallMs);
    else if (m.type === "error") pending.reject(new Error(m.message));
  });
  return () =>
    new Promise((resolve, reject) => {
      pending = { resolve, reject };
      post({ type: "run", job: ++job, config, shared: true });
    });
}

/** Protocol commands to a worker through its parent's session (Node's NodeWorker or CDP's Target). */
function relay(post, listen, sessionId) {
  let id = 0;
  const waiting = new Map();
  listen(({ sessionId: from, message }) => {
    if (from !== sessionId) return;
    const reply = JSON.parse(message);
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });
  return (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      waiting.set(n, (reply) => (reply.error ? reject(new Error(`${method}: ${reply.error.message}`)) : resolve(reply.result)));
      post({ sessionId, message: JSON.stringify({ id: n, method, params }) });
    });
}

/** CPU seconds per thread name of the Chromium processes using `userDir` (Linux), else empty. */
async function threadTimes(userDir) {
  const times = new Map();
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.includes(userDir)) continue;
    const type = /--type=([a-z-]+)/.exec(cmdline)?.[1] ?? "browser";
    for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, "utf8").catch(() => null);
      if (!stat) continue;
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+$/, "");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const key = `${type} ${name}`;
      times.set(key, (times.get(key) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
    }
  }
  return times;
}

/** Prints a profile's heaviest functions by self time. */
function report(title, profile, name) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const key = name(byId.get(profile.samples[i]).callFrame);
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  console.log(`\n${title}; sampled ${(total / 1000).toFixed(0)} ms, by self time:`);
  for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${key}`);
  }
}

/** Names functions of the minified bundles by their source maps, when source-map-js loads. */
async function sourceNames() {
  const maps = new Map();
  try {
    const { SourceMapConsumer } = createRequire(import.meta.url)("source-map-js");
    for (const file of ["main.js", "sim-worker.js"]) {
      maps.set(file, new SourceMapConsumer(JSON.parse(await readFile(new URL(`dist/${file}.map`, WEB), "utf8"))));
    }
  } catch {
    // minified names then
  }
  return ({ functionName, url, lineNumber, columnNumber }) => {
    const file = url.split("/").pop() ?? "";
    const map = maps.get(file);
    if (map) {
      const at = map.originalPositionFor({ line: lineNumber + 1, column: columnNumber });
      if (at.source) return `${at.name ?? functionName ?? "(anonymous)"}  ${at.source.replace(/^.*node_modules\//, "").replace(/^(\.\.\/)+/, "")}:${at.line}`;
    }
    return `${functionName || "(anonymous)"}  ${file || "(native)"}`;
  };
}
